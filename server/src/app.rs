//! The router: every route, the body limit, and the middleware that gives each request an id, a
//! log span (request id, route, terminal, status, timings — never a field value) and metrics.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tracing::Instrument;

use crate::error::{ApiError, ErrorKind};
use crate::routes;
use crate::state::AppState;

/// The application: every route over the shared state.
pub fn app(state: AppState) -> Router {
    let limit = state.limits.max_body_bytes;
    let scan_limit = state.limits.max_scan_bytes;
    Router::new()
        .route("/v1/certificates", post(routes::certificates::issue))
        .route(
            "/v1/verify",
            post(routes::verify::verify).layer(DefaultBodyLimit::max(scan_limit)),
        )
        .route("/v1/layouts", get(routes::layouts::list))
        .route("/v1/layouts/{id}/schema", get(routes::layouts::schema))
        .route(
            "/v1/issuances/{serial}/cancel",
            post(routes::issuances::cancel),
        )
        .route("/v1/issuances", get(routes::issuances::counts))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .route("/openapi.json", get(routes::openapi::openapi))
        .route_layer(middleware::from_fn_with_state(state.clone(), observe))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn not_found(State(state): State<AppState>) -> Response {
    state.metrics.count_request("unmatched", 404);
    state.metrics.count_error("not_found");
    ApiError::not_found("no such route; see /openapi.json").into_response()
}

fn request_id() -> String {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static N: AtomicU64 = AtomicU64::new(1);
    let p = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        u32::from_le_bytes(b)
    });
    format!("{p:08x}-{:08x}", N.fetch_add(1, Ordering::Relaxed))
}

async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = request_id();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = %route,
        terminal = tracing::field::Empty,
    );
    let start = Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let status = resp.status();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    state.metrics.count_request(&route, status.as_u16());
    let kind = resp.extensions().get::<ErrorKind>().map(|k| k.0);
    if let Some(k) = kind {
        state.metrics.count_error(k);
    }
    span.in_scope(|| {
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(
                status = status.as_u16(),
                ms,
                error = kind.unwrap_or(""),
                "response"
            );
        } else {
            tracing::info!(
                status = status.as_u16(),
                ms,
                error = kind.unwrap_or(""),
                "response"
            );
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Serves the application on a bound listener until `shutdown` completes; in-flight requests
/// finish first (graceful shutdown).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// [`serve`] over TLS (rustls; see [`crate::tls`]). When `shutdown` completes the server stops
/// accepting and waits for in-flight requests, up to the render timeout plus 5 s.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    state: AppState,
    tls: std::sync::Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = state.limits.render_timeout + std::time::Duration::from_secs(5);
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(grace));
    });
    let config = axum_server::tls_rustls::RustlsConfig::from_config(tls);
    axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(app(state).into_make_service())
        .await
}
