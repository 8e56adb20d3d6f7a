//! `POST /v1/verify`: checks a signed 2D code, given either as its payload (JSON) or as a scan or
//! render of the sheet's back (PNG, JPEG or TIFF body), against the profiles' public keys and
//! this server's ledger (cancelled serials). Every role may verify; a token is required because
//! the answer tells whether a serial was cancelled.
//!
//! Two bodies, chosen by `Content-Type`:
//! - `application/json`: `{"payload": "…"}`, the code's bytes as hex (all hex digits, even
//!   length) or base64 (standard or URL-safe, padding optional).
//! - `image/png`, `image/jpeg` or `image/tiff`: the raw file, at most `max_scan_bytes` (default
//!   20 MiB) and [`MAX_SCAN_SIDE_PX`] pixels a side; its header is checked before it is decoded.
//!
//! The answer is `{verdict, codes: [{verdict, issuer, key_id, doc_type, serial, issued_on, page,
//! pages, digest, in_ledger}]}`; `verdict` is `genuine` when every code is, else the first other
//! verdict (`altered`, `wrong_key`, `unknown_key`, `cancelled`, `unsupported_version`). Nothing
//! readable is 422 `unreadable`. Decoding runs on the render pool, never on the async runtime.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use base64::Engine as _;
use image::ImageFormat;
use serde_json::{json, Value};
use shomei_engine::layout::Catalog;
use shomei_engine::signed::{self, Finding, Header, KeyRing, Verdict};
use shomei_engine::text::wareki::Date;
use shomei_engine::untrusted_image::{self, Rejection};

use crate::auth::Caller;
use crate::config::{hex, Role};
use crate::error::{json_object, read_body, ApiError};
use crate::ledger::Ledger;
use crate::state::AppState;

/// Largest scan side accepted, pixels (an A4 sheet at 1200 dpi is 9921×14031; at 600 dpi
/// 4961×7016).
pub const MAX_SCAN_SIDE_PX: u32 = 16_000;
/// Largest scan accepted, pixels (A4 at 800 dpi).
pub const MAX_SCAN_PIXELS: u64 = 62_000_000;

/// What was sent.
#[derive(Debug)]
enum Input {
    Payload(Vec<u8>),
    Scan(Bytes),
}

fn decode_payload(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (0..t.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok())
            .collect();
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let padded = t.trim_end_matches('=');
    b64.decode(t)
        .ok()
        .or_else(|| url.decode(padded).ok())
        .or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(padded)
                .ok()
        })
}

fn parse_json(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let obj = json_object(body, "a JSON object {\"payload\": \"…\"}")?;
    if let Some(k) = obj.keys().find(|k| k.as_str() != "payload") {
        return Err(ApiError::field(
            k.as_str(),
            "unknown field; expected only `payload`",
        ));
    }
    match obj.get("payload") {
        Some(Value::String(s)) => decode_payload(s).ok_or_else(|| {
            ApiError::field(
                "payload",
                "expected the code's bytes as hex or base64 (standard or URL-safe)",
            )
        }),
        Some(_) => Err(ApiError::field(
            "payload",
            "expected a string (hex or base64)",
        )),
        None => Err(ApiError::field("payload", "required")),
    }
}

fn input(headers: &HeaderMap, body: Bytes) -> Result<Input, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match ct.as_str() {
        "application/json" => Ok(Input::Payload(parse_json(&body)?)),
        "image/png" | "image/jpeg" | "image/jpg" | "image/tiff" => Ok(Input::Scan(body)),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type application/json with {\"payload\": \"…\"}, or a scan as image/png, image/jpeg or image/tiff",
        )),
    }
}

fn unreadable(message: impl Into<String>) -> ApiError {
    ApiError {
        field: Some("body".into()),
        ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable", message)
    }
}

/// Decodes a scan to grey with the seal importer's guards: the format is sniffed (PNG, JPEG or
/// TIFF only) and the header's dimensions checked before any pixel is decoded, and the decoder
/// runs under allocation limits.
pub fn decode_scan(bytes: &[u8]) -> Result<(usize, usize, Vec<u8>), ApiError> {
    let guard = untrusted_image::Guard {
        formats: &[ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Tiff],
        max_side: MAX_SCAN_SIDE_PX,
        max_pixels: MAX_SCAN_PIXELS,
        max_alloc: None,
    };
    let img = untrusted_image::decode(bytes, &guard).map_err(|r| match r {
        Rejection::Format => {
            unreadable("the body is not a PNG, JPEG or TIFF image (unrecognised data)")
        }
        Rejection::Empty => unreadable("the image is empty"),
        Rejection::TooLarge { w, h } => unreadable(format!(
            "the image is {w}×{h} pixels, more than {MAX_SCAN_PIXELS} pixels or {MAX_SCAN_SIDE_PX} a side; \
             scan the back of the sheet at 300 to 600 dpi"
        )),
        Rejection::Undecodable(e) => unreadable(format!(
            "the image cannot be decoded ({e}); send a PNG, JPEG or TIFF"
        )),
    })?;
    let grey = img.into_luma8();
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    Ok((w, h, grey.into_raw()))
}

/// One code as JSON.
fn code_json(f: &Finding, in_ledger: bool) -> Value {
    let mut o = json!({ "verdict": f.verdict.as_str() });
    if let Some(h) = &f.header {
        header_json(&mut o, h);
        o["in_ledger"] = json!(in_ledger);
    }
    o
}

fn header_json(o: &mut Value, h: &Header) {
    o["issuer"] = json!(format!("{:06}", h.issuer));
    o["key_id"] = json!(h.key_id);
    o["doc_type"] = json!(h.doc_type);
    o["serial"] = json!(h.serial);
    o["issued_on"] = json!(Date::from_days_since_2000(i32::from(h.days)).to_string());
    o["page"] = json!(h.page);
    o["pages"] = json!(h.pages);
    o["digest"] = json!(hex(&h.digest));
}

/// The verification itself (blocking: decoding and the ledger). Answers the findings and, per
/// finding, whether this server's ledger knows the serial for that issuer.
/// Takes no [`AppState`]: a task on the pool must not hold the pool (dropping the last handle
/// there would join the worker from itself).
fn run(
    ledger: &dyn Ledger,
    catalog: &Catalog,
    keys: &KeyRing,
    input: Input,
) -> Result<Vec<(Finding, bool)>, ApiError> {
    let ledger_failed = AtomicBool::new(false);
    // The ledger's record of (issuer, serial): Some(cancelled) when this server issued it.
    let lookup = |issuer: u32, serial: u64| -> Option<bool> {
        match ledger.get(serial) {
            Ok(Some(i)) => {
                let code = catalog.municipality(&i.municipality).ok()?.code_number();
                (code == issuer).then_some(i.cancelled_at.is_some())
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "ledger");
                ledger_failed.store(true, Ordering::Relaxed);
                None
            }
        }
    };
    let cancelled = |issuer: u32, serial: u64| lookup(issuer, serial).unwrap_or(false);
    let findings = match input {
        Input::Payload(p) => {
            let (verdict, header) = signed::verify(&p, keys, &cancelled);
            vec![Finding { verdict, header }]
        }
        Input::Scan(bytes) => {
            let (w, h, grey) = decode_scan(&bytes)?;
            let f = signed::verify_image(w, h, &grey, keys, &cancelled);
            if f.is_empty() {
                return Err(unreadable(
                    "no signed code found in the image; send the back of the sheet, scanned at 300 dpi or more",
                ));
            }
            f
        }
    };
    if ledger_failed.load(Ordering::Relaxed) {
        return Err(ApiError::internal("ledger", "the ledger failed"));
    }
    Ok(findings
        .into_iter()
        .map(|f| {
            let known = f
                .header
                .is_some_and(|h| lookup(h.issuer, h.serial).is_some());
            (f, known)
        })
        .collect())
}

/// Verifies a payload or a scan.
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    caller.require(
        &[Role::Kiosk, Role::Counter, Role::Qa, Role::Admin],
        "verify codes",
    )?;
    let body = read_body(
        req,
        state.limits.max_scan_bytes,
        "scan at 300 dpi, in grey, or crop to the code",
    )
    .await?;
    let input = input(&headers, body)?;
    let kind = match input {
        Input::Payload(_) => "payload",
        Input::Scan(_) => "scan",
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (ledger, keys) = (state.ledger.clone(), state.keys.clone());
    let retry = state.limits.retry_after_s;
    state
        .pool
        .try_execute(move |r| {
            let _ = tx.send(run(&*ledger, r.catalog(), &keys, input));
        })
        .map_err(|e| ApiError::from_engine(&e, retry))?;
    let out = match tokio::time::timeout(state.limits.render_timeout, rx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(ApiError::internal(
            "verify_failed",
            "the verification failed; see the server log",
        )),
        Err(_) => Err(ApiError {
            error: "timeout",
            ..ApiError::busy("the verification took too long; retry shortly", retry)
        }),
    };
    let findings = match out {
        Ok(f) => f,
        Err(e) => {
            if e.error == "unreadable" {
                state.metrics.count_verify("unreadable");
            }
            return Err(e);
        }
    };
    let overall = findings
        .iter()
        .map(|(f, _)| f.verdict)
        .find(|v| *v != Verdict::Genuine)
        .unwrap_or(Verdict::Genuine);
    state.metrics.count_verify(overall.as_str());
    tracing::info!(
        input = kind,
        codes = findings.len(),
        verdict = overall.as_str(),
        "verified"
    );
    Ok(Json(json!({
        "verdict": overall.as_str(),
        "codes": findings.iter().map(|(f, k)| code_json(f, *k)).collect::<Vec<_>>(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_encodings() {
        let bytes: Vec<u8> = (0u8..100).collect();
        assert_eq!(decode_payload(&hex(&bytes)).unwrap(), bytes);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(decode_payload(&b64).unwrap(), bytes);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8, 0xff, 0x01]);
        assert_eq!(decode_payload(&url).unwrap(), vec![0xfb, 0xff, 0x01]);
        assert!(decode_payload("").is_none());
        assert!(decode_payload("not base64 at all!").is_none());
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(
            parse_json(b"{").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_json(b"{}").unwrap_err().field.as_deref(),
            Some("payload")
        );
        assert_eq!(
            parse_json(br#"{"payload":1}"#)
                .unwrap_err()
                .field
                .as_deref(),
            Some("payload")
        );
        assert_eq!(
            parse_json(br#"{"payload":"00","x":1}"#)
                .unwrap_err()
                .field
                .as_deref(),
            Some("x")
        );
    }

    #[test]
    fn scan_guards_run_before_decoding() {
        let e = decode_scan(b"GIF89a....").unwrap_err();
        assert_eq!(e.error, "unreadable");
        // A PNG header claiming 20000×20000 pixels is refused from its header alone.
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let mut c = 0xffff_ffffu32;
            for &b in &out[start..] {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xedb8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
            out.extend_from_slice(&(!c).to_be_bytes());
        }
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &[]);
        chunk(&mut png, b"IEND", &[]);
        let e = decode_scan(&png).unwrap_err();
        assert!(e.message.contains("20000×20000"), "{}", e.message);
    }
}
