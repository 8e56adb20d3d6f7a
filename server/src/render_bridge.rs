//! The bridge from async handlers to the render pool: `try_submit` with a oneshot reply, so that
//! rendering never runs on the async runtime. A full queue is 503 with Retry-After.

use std::time::{Duration, Instant};

use shomei_engine::pool::Job;
use shomei_engine::render::Rendered;

use crate::config::hex;
use crate::error::ApiError;
use crate::state::AppState;

/// A finished render with the digest of its data.
#[derive(Debug)]
pub struct Done {
    /// The files.
    pub rendered: Rendered,
    /// The digest of the certificate's signed data, hex (what its codes carry and
    /// `POST /v1/verify` answers): the ledger's record of what was issued. Not a hash of the
    /// document's bytes, which would cost a millisecond a certificate for nothing the
    /// ledger can check.
    pub digest: String,
    /// Time in the pool (queue + render).
    pub elapsed: Duration,
}

/// Renders a job on the pool and waits for it without blocking the runtime.
pub async fn render(state: &AppState, job: Job) -> Result<Done, ApiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let start = Instant::now();
    let retry = state.limits.retry_after_s;
    state
        .pool
        .try_submit(job, move |r| {
            let out = r.map(|rendered| Done {
                digest: hex(&rendered.data_digest),
                rendered,
                elapsed: start.elapsed(),
            });
            let _ = tx.send(out);
        })
        .map_err(|e| ApiError::from_engine(&e, retry))?;
    match tokio::time::timeout(state.limits.render_timeout, rx).await {
        Ok(Ok(Ok(done))) => {
            state.metrics.render_latency.observe(done.elapsed);
            Ok(done)
        }
        Ok(Ok(Err(e))) => Err(ApiError::from_engine(&e, retry)),
        Ok(Err(_)) => Err(ApiError::internal(
            "render_failed",
            "the render worker failed; see the server log",
        )),
        Err(_) => Err(ApiError {
            error: "timeout",
            ..ApiError::busy("the render took too long; retry shortly", retry)
        }),
    }
}
