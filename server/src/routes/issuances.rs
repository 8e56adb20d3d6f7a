//! `POST /v1/issuances/{serial}/cancel` and `GET /v1/issuances?date=YYYY-MM-DD` (admin): the
//! cancellation (取消年月日) and the day's counts per terminal, layout and category. No
//! personal data: the ledger holds none.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use shomei_engine::text::wareki::Date;

use crate::auth::Caller;
use crate::clock::{iso_date, jst_date, rfc3339_jst, unix_seconds};
use crate::config::Role;
use crate::error::ApiError;
use crate::ledger::Cancel;
use crate::state::AppState;

fn ledger_failed<E: std::fmt::Display>(e: E) -> ApiError {
    tracing::error!(error = %e, "ledger");
    ApiError::internal("ledger", "the ledger failed")
}

/// Cancels an issuance.
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(serial): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Admin], "cancel issuances")?;
    let n: u64 = serial.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::field("serial", "expected the serial's digits (X-Shomei-Serial)")
    })?;
    let at = unix_seconds(state.clock.now());
    let ledger = state.ledger.clone();
    let out = tokio::task::spawn_blocking(move || ledger.cancel(n, at))
        .await
        .map_err(ledger_failed)?
        .map_err(ledger_failed)?;
    match out {
        Cancel::Cancelled => {
            tracing::info!(serial = n, "cancelled");
            Ok(Json(json!({
                "serial": format!("{n:08}"),
                "cancelled_at": rfc3339_jst(at),
            })))
        }
        Cancel::Already(t) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_cancelled",
            format!("this issuance was cancelled at {}", rfc3339_jst(t)),
        )),
        Cancel::NotFound => Err(ApiError::not_found("no issuance with this serial")),
    }
}

/// The day's counts.
pub async fn counts(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Admin], "read the issuance counts")?;
    let date = q
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("date="));
    let day = match date {
        None => jst_date(unix_seconds(state.clock.now())),
        Some(s) => {
            Date::parse_iso(s).map_err(|_| ApiError::field("date", "expected a date YYYY-MM-DD"))?
        }
    };
    let day = iso_date(day);
    let ledger = state.ledger.clone();
    let d = day.clone();
    let rows = tokio::task::spawn_blocking(move || ledger.counts(&d))
        .await
        .map_err(ledger_failed)?
        .map_err(ledger_failed)?;
    let total = |f: fn(&crate::ledger::DayCount) -> u64| rows.iter().map(f).sum::<u64>();
    Ok(Json(json!({
        "date": day,
        "issued": total(|r| r.issued),
        "cancelled": total(|r| r.cancelled),
        "pages": total(|r| r.pages),
        "counts": rows,
    })))
}
