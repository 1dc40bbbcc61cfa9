//! Keywhiz's error responses: Dropwizard's `{"code":N,"message":"..."}`
//! (`application/json`), 422 `{"errors":[...]}` for bean validation.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error as Keywhiz would answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KwError {
    /// 401 "HTTP 401 Unauthorized"; the detail goes into `WWW-Authenticate`.
    Unauthorized(String),
    /// 403 with the given message.
    Forbidden(String),
    /// 404 "HTTP 404 Not Found".
    NotFound,
    /// 409 with the given message.
    Conflict(String),
    /// 400 with the given message.
    BadRequest(String),
    /// 422 bean-validation errors.
    Unprocessable(Vec<String>),
    /// 500 with Dropwizard's "logged (ID ...)" text.
    Internal,
}

/// Dropwizard's generic 500 text, with a random log id.
pub fn internal_message() -> String {
    format!(
        "There was an error processing your request. It has been logged (ID {:016x}).",
        fastrand::u64(..)
    )
}

/// The body every Keywhiz error has.
pub fn body(status: StatusCode, message: &str) -> Response {
    let mut resp = (
        status,
        Json(json!({ "code": status.as_u16(), "message": message })),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

impl IntoResponse for KwError {
    fn into_response(self) -> Response {
        match self {
            KwError::Unauthorized(challenge) => {
                let mut resp = body(StatusCode::UNAUTHORIZED, "HTTP 401 Unauthorized");
                let value = HeaderValue::from_str(&challenge).unwrap_or_else(|_| {
                    HeaderValue::from_static("Not authorized as Keywhiz client")
                });
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, value);
                resp
            }
            KwError::Forbidden(m) => body(StatusCode::FORBIDDEN, &m),
            KwError::NotFound => body(StatusCode::NOT_FOUND, "HTTP 404 Not Found"),
            KwError::Conflict(m) => body(StatusCode::CONFLICT, &m),
            KwError::BadRequest(m) => body(StatusCode::BAD_REQUEST, &m),
            KwError::Unprocessable(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "errors": errors })),
            )
                .into_response(),
            KwError::Internal => body(StatusCode::INTERNAL_SERVER_ERROR, &internal_message()),
        }
    }
}

/// Fallback for unknown routes: Jersey's 404.
pub async fn not_found() -> Response {
    KwError::NotFound.into_response()
}
