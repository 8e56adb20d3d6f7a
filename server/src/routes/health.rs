//! `GET /healthz` (the process answers), `GET /readyz` (ledger and pool ready), `GET /metrics`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Liveness.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the ledger answers and the pool has workers.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let ledger = state.ledger.clone();
    let ok = tokio::task::spawn_blocking(move || ledger.ping())
        .await
        .map(|r| r.is_ok())
        .unwrap_or(false);
    if !ok || state.pool.workers() == 0 {
        return Err(ApiError::busy(
            "not ready: the ledger does not answer",
            state.limits.retry_after_s,
        ));
    }
    Ok(Json(json!({
        "status": "ready",
        "workers": state.pool.workers(),
        "queue_depth": state.pool.queue_depth(),
    })))
}

/// Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(
        state.pool.queue_depth(),
        state.pool.capacity(),
        state.pool.busy_workers(),
        state.pool.workers(),
    );
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
