//! `GET /v1/layouts` (layouts and municipalities) and `GET /v1/layouts/{id}/schema`.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use shomei_engine::layout::json_schema;
use shomei_engine::text::WritingMode;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Every layout and municipality.
pub async fn list(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let cat = state.pool.renderer().catalog();
    let layouts: Vec<Value> = cat
        .layouts()
        .map(|t| {
            json!({
                "id": t.id,
                "title": t.title,
                "certificate": t.certificate,
                "mode": match t.mode { WritingMode::Vertical => "vertical", WritingMode::Horizontal => "horizontal" },
                "items": t.options.keys().collect::<Vec<_>>(),
            })
        })
        .collect();
    let munis: Vec<Value> = cat
        .municipalities()
        .map(|m| json!({ "id": m.id, "name": m.full_name(), "specimen": m.specimen }))
        .collect();
    Json(json!({ "layouts": layouts, "municipalities": munis }))
}

/// The JSON Schema of a layout's data.
pub async fn schema(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let cat = state.pool.renderer().catalog();
    let t = cat
        .layout(&id)
        .map_err(|_| ApiError::not_found("no such layout; see GET /v1/layouts"))?;
    Ok(Json(json_schema(t)))
}
