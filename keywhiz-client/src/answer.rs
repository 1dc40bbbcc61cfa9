//! What a Keywhiz answer means: the error of a refusal (Keywhiz's message,
//! the `WWW-Authenticate` reason, what the status means in Keywhiz's model)
//! and the path encoding of names. Sending, retrying and decoding are
//! `mtls_http`'s ([`mtls_http::Endpoint::send`], [`mtls_http::judge`]).

use mtls_http::Call;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// What a refusal means in Keywhiz's model (acceptance-tests/mock-keywhiz/KEYWHIZ-API.md, "Identity" and "Errors").
fn meaning(status: u16, path: &str) -> Option<&'static str> {
    match status {
        401 => Some(
            "Keywhiz did not recognise the certificate as an enabled client (no client has its CN or SPIFFE ID, the client is disabled, or the two name different clients)",
        ),
        403 if path.starts_with("/automation/") => Some(
            "this client is not an automation client (Keywhiz sets automationAllowed only in its database)",
        ),
        _ => None,
    }
}

/// The error of a non-success answer: Keywhiz's message, the `WWW-Authenticate`
/// reason of a 401 (`challenge`) and what the status means; `presented`
/// describes our certificate (for 401 and 403).
pub fn status_error(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
    challenge: Option<&str>,
    presented: Option<String>,
) -> Error {
    let mut message = error_message(body);
    if let Some(reason) = challenge.filter(|c| !c.is_empty()) {
        message.push_str(&format!(" ({reason})"));
    }
    if let Some(meaning) = meaning(status, path) {
        message.push_str(&format!(": {meaning}"));
    }
    Error::Status {
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        message,
        presented,
    }
}

/// Judge a whole answer as every call does ([`mtls_http::judge`]): a 2xx
/// body decoded as `T`, any other status a [`status_error`]. Public so that
/// the fuzz targets drive exactly this code with arbitrary bodies.
pub fn decode_answer<T: DeserializeOwned>(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
) -> Result<T> {
    mtls_http::judge(Call { method, path }, status, body)
}

/// Keywhiz's `{"code":N,"message":"..."}` → message; 422 `{"errors":[...]}` → joined;
/// otherwise the start of the body.
fn error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(m) = v.get("message").and_then(|m| m.as_str()) {
            return m.to_owned();
        }
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            let parts: Vec<&str> = errors.iter().filter_map(|e| e.as_str()).collect();
            return parts.join("; ");
        }
    }
    mtls_http::body_start(body)
}

/// Percent-encode one path segment (Keywhiz names are `[A-Za-z0-9_.:-]`, but be safe).
pub(crate) fn seg(name: &str) -> String {
    mtls_http::path_segment(name, b":")
}
