//! API errors: JSON `{error, field?, message}` with the right status. A 4xx names the field and
//! the fix and never carries a value; a 5xx is logged without personal data.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shomei_engine::Error;

/// The error kind carried to the logging middleware (response extension).
#[derive(Clone, Debug)]
pub struct ErrorKind(pub &'static str);

/// An error answered to a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable kind (`input`, `unauthorized`, `busy` …).
    pub error: &'static str,
    /// JSON path of the offending request field, where there is one.
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
    /// Seconds for Retry-After (503).
    pub retry_after: Option<u32>,
}

/// A request body that must be one JSON object; `expect` names what to send in the messages
/// (400 `malformed_json` otherwise, with the line and column of a syntax error).
pub fn json_object(
    body: &[u8],
    expect: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "malformed JSON at line {} column {}; send {expect}",
                e.line(),
                e.column()
            ),
        )
    })?;
    match v {
        serde_json::Value::Object(obj) => Ok(obj),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("expected {expect}"),
        )),
    }
}

impl ApiError {
    /// An error with a status and kind.
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error,
            field: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 422 on a request field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.into()),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "input", message)
        }
    }

    /// 401.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the terminal's token as `Authorization: Bearer TOKEN`",
        )
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 503 with Retry-After.
    pub fn busy(message: impl Into<String>, retry_after: u32) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
        }
    }

    /// 500: the server's fault, never the client's input.
    pub fn internal(error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error, message)
    }

    /// A body that could not be read: 413 over the route's `limit` (bytes) with `hint` on
    /// what to send instead, else 400.
    pub fn body(
        e: &axum::extract::rejection::BytesRejection,
        limit: usize,
        hint: &str,
    ) -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than {limit} bytes; {hint}"),
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                "the body could not be read",
            )
        }
    }

    /// An engine error: input problems are 422 on the request path (`data.members[1].name`).
    pub fn from_engine(e: &Error, retry_after: u32) -> ApiError {
        match e {
            Error::Busy => ApiError::busy(e.to_string(), retry_after),
            Error::Input { .. }
            | Error::MissingGlyph { .. }
            | Error::Overflow { .. }
            | Error::Image { .. } => ApiError {
                field: e.field().map(request_path),
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.kind(), e.to_string())
            },
            Error::Config { .. } | Error::Font { .. } | Error::Encode(_) => {
                ApiError::internal(e.kind(), "the server could not render; see its log")
            }
        }
    }
}

/// The request-body path of an engine field: top-level request keys stay, data fields get `data.`.
pub fn request_path(field: &str) -> String {
    let top = [
        "layout",
        "municipality",
        "dpi",
        "data",
        "format",
        "color",
        "copies",
    ];
    if top.contains(&field) || field.starts_with("items") || field.starts_with("data") {
        field.to_string()
    } else {
        format!("data.{field}")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.error, "message": self.message });
        if let Some(f) = &self.field {
            body["field"] = json!(f);
        }
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r.extensions_mut().insert(ErrorKind(self.error));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_input_is_422_on_the_request_path() {
        let e = ApiError::from_engine(&Error::input("members[1].birth_date", "impossible date"), 1);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("data.members[1].birth_date"));
        let e = ApiError::from_engine(&Error::input("layout", "unknown"), 1);
        assert_eq!(e.field.as_deref(), Some("layout"));
        let e = ApiError::from_engine(&Error::Busy, 2);
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.retry_after, Some(2));
    }
}
