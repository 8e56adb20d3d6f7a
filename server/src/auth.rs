//! Authentication: a terminal's bearer token, looked up by its SHA-256 (the configuration holds
//! only hashes), gives the caller's terminal id, role and issuance category.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

use crate::config::{token_hash, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// Terminal id.
    pub terminal: String,
    /// Role.
    pub role: Role,
    /// Category recorded for its issuances.
    pub category: String,
}

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "role {} may not {what}; allowed: {}",
                self.role.name(),
                roles
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
}

/// Terminal id of the request, for the logs (set by the extractor).
#[derive(Clone, Debug)]
pub struct TerminalId(pub String);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let caller = state
            .tokens
            .get(&token_hash(token))
            .cloned()
            .ok_or_else(ApiError::unauthorized)?;
        tracing::Span::current().record("terminal", caller.terminal.as_str());
        Ok(caller)
    }
}
