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

    /// A body larger than the route's `limit`; `hint` says how to shrink it.
    pub fn too_large(limit: usize, hint: &str) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {limit} bytes; {hint}"),
        )
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

/// Reads a request's body, at most `limit` bytes (the route's `DefaultBodyLimit`). A body whose
/// declared `Content-Length` is over the limit is refused before a byte of it is read: the client
/// hears 413 at once (and a client that sent `Expect: 100-continue` never sends it) instead of the
/// server reading megabytes it will throw away.
pub async fn read_body(
    req: axum::extract::Request,
    limit: usize,
    hint: &str,
) -> Result<axum::body::Bytes, ApiError> {
    use axum::extract::FromRequest;
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit, hint));
    }
    axum::body::Bytes::from_request(req, &())
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(limit, hint)
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "the body could not be read",
                )
            }
        })
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
