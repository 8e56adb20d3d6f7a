//! `POST /v1/certificates`: checks the body, assigns the serial and the issue date, renders on the
//! pool, records the issuance durably, answers the bytes.
//!
//! PDF is one file. PNG with one page is `image/png`; with several pages the answer is
//! `multipart/mixed`, one `image/png` part per page in order (so a multi-page PNG is still one
//! issuance with one serial).

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use shomei_engine::output::png::ColorMode;
use shomei_engine::pool::Job;
use shomei_engine::render::{Format, OutputOptions};

use crate::auth::Caller;
use crate::clock::{iso_date, jst_date, rfc3339_jst, unix_seconds};
use crate::config::Role;
use crate::error::{json_object, read_body, ApiError};
use crate::ledger::Issuance;
use crate::render_bridge;
use crate::state::AppState;

/// Most copies one request may ask for.
pub const MAX_COPIES: u64 = 20;

const KEYS: &[&str] = &[
    "layout",
    "municipality",
    "data",
    "items",
    "format",
    "dpi",
    "color",
    "copies",
];

/// The checked body.
#[derive(Debug)]
struct Body_ {
    layout: String,
    municipality: String,
    data: Value,
    items: Option<Vec<String>>,
    output: OutputOptions,
    copies: u32,
}

fn string(obj: &Map<String, Value>, key: &str) -> Result<String, ApiError> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(ApiError::field(key, "expected a non-empty string")),
        None => Err(ApiError::field(key, "required")),
    }
}

fn parse(body: &[u8]) -> Result<Body_, ApiError> {
    let obj = json_object(body, "a JSON object")?;
    for k in obj.keys() {
        if !KEYS.contains(&k.as_str()) {
            return Err(ApiError::field(
                k.as_str(),
                format!("unknown field; expected one of: {}", KEYS.join(", ")),
            ));
        }
    }
    let layout = string(&obj, "layout")?;
    let municipality = string(&obj, "municipality")?;
    let data = match obj.get("data") {
        Some(d @ Value::Object(_)) => d.clone(),
        Some(_) => return Err(ApiError::field("data", "expected a JSON object")),
        None => return Err(ApiError::field("data", "required")),
    };
    let items = match obj.get("items") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                match x {
                    Value::String(s) => out.push(s.clone()),
                    _ => {
                        return Err(ApiError::field(
                            format!("items[{i}]"),
                            "expected an item name (string)",
                        ))
                    }
                }
            }
            Some(out)
        }
        Some(_) => return Err(ApiError::field("items", "expected an array of item names")),
    };
    let format = match obj.get("format") {
        None => Format::Pdf,
        Some(Value::String(s)) if s == "pdf" => Format::Pdf,
        Some(Value::String(s)) if s == "png" => Format::Png,
        Some(_) => return Err(ApiError::field("format", "expected \"pdf\" or \"png\"")),
    };
    let dpi = match obj.get("dpi") {
        None => 300,
        Some(v) => v
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| ApiError::field("dpi", "expected a whole number of dots per inch"))?,
    };
    let color = match obj.get("color") {
        None | Some(Value::Bool(false)) => ColorMode::Gray,
        Some(Value::Bool(true)) => ColorMode::Rgb,
        Some(Value::String(s)) if s == "gray" => ColorMode::Gray,
        Some(Value::String(s)) if s == "rgb" => ColorMode::Rgb,
        Some(Value::String(s)) if s == "mono" => ColorMode::Mono,
        Some(_) => {
            return Err(ApiError::field(
                "color",
                "expected true, false, \"gray\", \"rgb\" or \"mono\"",
            ))
        }
    };
    let copies = match obj.get("copies") {
        None => 1,
        Some(v) => v
            .as_u64()
            .filter(|c| (1..=MAX_COPIES).contains(c))
            .ok_or_else(|| {
                ApiError::field(
                    "copies",
                    format!("expected a whole number from 1 to {MAX_COPIES}"),
                )
            })? as u32,
    };
    Ok(Body_ {
        layout,
        municipality,
        data,
        items,
        output: OutputOptions { format, dpi, color },
        copies,
    })
}

/// Issues one certificate.
pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    req: Request,
) -> Result<Response, ApiError> {
    let body = read_body(
        req,
        state.limits.max_body_bytes,
        "shrink images or split the request",
    )
    .await?;
    let arrived = Instant::now();
    let b = parse(&body)?;
    caller.require(
        &[Role::Kiosk, Role::Counter, Role::Qa, Role::Admin],
        "issue certificates",
    )?;
    let catalog = state.pool.renderer().catalog();
    catalog
        .layout(&b.layout)
        .map_err(|e| ApiError::from_engine(&e, 1))?;
    let muni = catalog
        .municipality(&b.municipality)
        .map_err(|e| ApiError::from_engine(&e, 1))?;
    if caller.role == Role::Qa && !muni.specimen {
        return Err(ApiError::forbidden(
            "role qa may render specimen municipalities only",
        ));
    }
    if !state.take_rate(&caller.terminal) {
        return Err(ApiError {
            retry_after: Some(60),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "this terminal is over its rate; retry later",
            )
        });
    }

    let ledger = state.ledger.clone();
    let serial = tokio::task::spawn_blocking(move || ledger.next_serial())
        .await
        .map_err(|_| ApiError::internal("ledger", "the ledger failed"))?
        .map_err(|e| {
            tracing::error!(error = %e, "ledger");
            ApiError::internal("ledger", "the ledger failed")
        })?;
    let now = unix_seconds(state.clock.now());
    let issued_on = jst_date(now);
    let printed = format!("{serial:08}");
    let job = Job {
        layout: b.layout.clone(),
        municipality: b.municipality.clone(),
        data: b.data,
        items: b.items,
        serial: printed.clone(),
        issued_on,
        output: b.output,
    };
    let done = render_bridge::render(&state, job).await?;
    let pages = done.rendered.pages;
    let rec = Issuance {
        serial,
        issued_at: now,
        issued_on: iso_date(issued_on),
        layout: b.layout.clone(),
        municipality: b.municipality.clone(),
        pages: pages as u32,
        copies: b.copies,
        terminal: caller.terminal.clone(),
        category: caller.category.clone(),
        digest: done.digest.clone(),
        cancelled_at: None,
    };
    let ledger = state.ledger.clone();
    tokio::task::spawn_blocking(move || ledger.record(&rec))
        .await
        .map_err(|_| ApiError::internal("ledger", "the ledger failed"))?
        .map_err(|e| {
            tracing::error!(error = %e, "ledger");
            ApiError::internal("ledger", "the ledger failed")
        })?;
    state
        .metrics
        .certificates
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    state
        .metrics
        .pages
        .fetch_add(pages as u64, std::sync::atomic::Ordering::Relaxed);
    state.metrics.request_latency.observe(arrived.elapsed());
    tracing::info!(
        layout = %b.layout,
        municipality = %b.municipality,
        serial = %printed,
        pages,
        copies = b.copies,
        render_ms = done.elapsed.as_secs_f64() * 1000.0,
        "issued"
    );

    let (content_type, bytes) = match (b.output.format, done.rendered.files.len()) {
        (Format::Pdf, _) => (
            "application/pdf".to_string(),
            done.rendered.files.into_iter().next().unwrap_or_default(),
        ),
        (Format::Png, 1) => (
            "image/png".to_string(),
            done.rendered.files.into_iter().next().unwrap_or_default(),
        ),
        (Format::Png, _) => multipart(&printed, done.rendered.files),
    };
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&printed) {
        h.insert("x-shomei-serial", v);
    }
    h.insert("x-shomei-pages", HeaderValue::from(pages));
    h.insert("x-shomei-copies", HeaderValue::from(b.copies));
    if let Ok(v) = HeaderValue::from_str(&rfc3339_jst(now)) {
        h.insert("x-shomei-issued-at", v);
    }
    if let Ok(v) = HeaderValue::from_str(&done.digest) {
        h.insert("x-shomei-data-digest", v);
    }
    Ok(r)
}

/// `multipart/mixed` with one `image/png` part per page.
fn multipart(serial: &str, files: Vec<Vec<u8>>) -> (String, Vec<u8>) {
    let boundary = format!("shomei-page-{serial}");
    let mut out = Vec::with_capacity(files.iter().map(Vec::len).sum::<usize>() + 256);
    for (i, f) in files.iter().enumerate() {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"page-{}.png\"\r\n\r\n",
                i + 1
            )
            .as_bytes(),
        );
        out.extend_from_slice(f);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/mixed; boundary={boundary}"), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_name_the_field() {
        let f = |s: &str| parse(s.as_bytes()).unwrap_err();
        assert_eq!(f("{").status, StatusCode::BAD_REQUEST);
        assert_eq!(f("{}").field.as_deref(), Some("layout"));
        assert_eq!(
            f(r#"{"layout":"x","municipality":"m","data":{},"copies":0}"#)
                .field
                .as_deref(),
            Some("copies")
        );
        assert_eq!(
            f(r#"{"layout":"x","municipality":"m","data":{},"items":[1]}"#)
                .field
                .as_deref(),
            Some("items[0]")
        );
        assert_eq!(
            f(r#"{"layout":"x","municipality":"m","data":{},"format":"gif"}"#)
                .field
                .as_deref(),
            Some("format")
        );
        assert_eq!(
            f(r#"{"layout":"x","municipality":"m","data":[]}"#)
                .field
                .as_deref(),
            Some("data")
        );
        assert_eq!(
            f(r#"{"layout":"x","extra":1}"#).field.as_deref(),
            Some("extra")
        );
        let ok = parse(br#"{"layout":"x","municipality":"m","data":{},"format":"png","dpi":100,"color":true,"copies":2}"#).unwrap();
        assert_eq!(ok.output.format, Format::Png);
        assert_eq!(ok.output.color, ColorMode::Rgb);
        assert_eq!(ok.copies, 2);
    }
}
