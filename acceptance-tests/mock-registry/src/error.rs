//! The Registry error body: `{"error":{"status":N,"code":"...","message":"..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegError {
    BadRequest(String),
    Unauthorized,
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    /// 412 with the current ETag, if the resource exists.
    PreconditionFailed(String, Option<String>),
    Unprocessable(String),
    PreconditionRequired(String),
    Internal,
}

fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        412 => "precondition_failed",
        422 => "unprocessable",
        428 => "precondition_required",
        429 => "too_many_requests",
        503 => "unavailable",
        _ => "internal",
    }
}

/// The error body for any status.
pub fn body(status: StatusCode, message: &str) -> Response {
    let v =
        json!({"error": {"status": status.as_u16(), "code": code_of(status), "message": message}});
    (status, Json(v)).into_response()
}

impl IntoResponse for RegError {
    fn into_response(self) -> Response {
        match self {
            RegError::BadRequest(m) => body(StatusCode::BAD_REQUEST, &m),
            RegError::Unauthorized => {
                body(StatusCode::UNAUTHORIZED, "a client certificate is required")
            }
            RegError::Forbidden(m) => body(StatusCode::FORBIDDEN, &m),
            RegError::NotFound(m) => body(StatusCode::NOT_FOUND, &m),
            RegError::Conflict(m) => body(StatusCode::CONFLICT, &m),
            RegError::PreconditionFailed(m, etag) => {
                let mut resp = body(StatusCode::PRECONDITION_FAILED, &m);
                if let Some(v) = etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
                    resp.headers_mut().insert(header::ETAG, v);
                }
                resp
            }
            RegError::Unprocessable(m) => body(StatusCode::UNPROCESSABLE_ENTITY, &m),
            RegError::PreconditionRequired(m) => body(StatusCode::PRECONDITION_REQUIRED, &m),
            RegError::Internal => body(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
        }
    }
}

pub async fn not_found() -> Response {
    body(StatusCode::NOT_FOUND, "no such route")
}

pub async fn method_not_allowed() -> Response {
    body(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}
