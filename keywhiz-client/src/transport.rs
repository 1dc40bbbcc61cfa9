//! The HTTP layer: one mTLS `reqwest::Client`, requests with retries, error
//! mapping. Bodies are never logged.

use std::time::Duration;

use mtls_http::{ClientConfig, Endpoint, Response, RetryPolicy};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The shared request machinery.
#[derive(Clone)]
pub(crate) struct Transport {
    endpoint: Endpoint,
    retry: RetryPolicy,
}

/// A prepared request (method, path, optional JSON body), re-sendable.
pub(crate) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub body: Option<&'a (dyn erased::Json + Sync)>,
}

/// Object-safe JSON serialisation for request bodies.
pub(crate) mod erased {
    pub trait Json {
        fn to_json(&self) -> serde_json::Result<Vec<u8>>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Result<Vec<u8>> {
            serde_json::to_vec(self)
        }
    }
}

impl Transport {
    pub fn new(config: &ClientConfig) -> Result<Self> {
        Ok(Self {
            endpoint: config.endpoint(concat!("s2s-keywhiz-client/", env!("CARGO_PKG_VERSION")))?,
            retry: config.retry,
        })
    }

    /// Send with retries; success = any 2xx.
    pub async fn send(&self, call: Call<'_>) -> Result<Response> {
        let body = match call.body {
            Some(b) => Some(b.to_json().map_err(|e| Error::Decode {
                method: call.method.to_string(),
                path: call.path.clone(),
                detail: format!("encoding request: {e}"),
            })?),
            None => None,
        };
        self.retry
            .run(|left| self.once(&call, body.as_deref(), left))
            .await
    }

    /// Who this client is to Keywhiz.
    pub fn presented(&self) -> &mtls_http::PresentedIdentity {
        self.endpoint.presented()
    }

    async fn once(
        &self,
        call: &Call<'_>,
        body: Option<&[u8]>,
        left: Duration,
    ) -> Result<Response, (Error, Option<Duration>)> {
        let request = self.endpoint.request(call.method.clone(), &call.path, left);
        let answer = mtls_http::exchange(request, body).await.map_err(|source| {
            let err = Error::Transport {
                method: call.method.to_string(),
                path: call.path.clone(),
                failure: self.endpoint.failure(&source),
                source,
            };
            (err, None)
        })?;
        if answer.status.is_success() {
            return Ok(answer);
        }
        let retry_after = answer.retry_after();
        let status = answer.status.as_u16();
        let challenge = answer
            .headers
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok());
        let presented = matches!(status, 401 | 403).then(|| self.presented().to_string());
        Err((
            status_error(
                call.method.as_str(),
                &call.path,
                status,
                &answer.body,
                challenge,
                presented,
            ),
            retry_after,
        ))
    }
}

/// What a refusal means in Keywhiz's model (reference: keywhiz-api.md §3).
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

/// Judge a whole answer as every call does: a 2xx body decoded as `T`, any
/// other status a [`status_error`]. Public so that the fuzz targets drive
/// exactly this code with arbitrary bodies.
pub fn decode_answer<T: DeserializeOwned>(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
) -> Result<T> {
    if !(200..300).contains(&status) {
        return Err(status_error(method, path, status, body, None, None));
    }
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        detail: format!("{e} (HTTP {status})"),
    })
}

/// Keywhiz's `{"code":N,"message":"..."}` → message; 422 `{"errors":[...]}` → joined;
/// otherwise the first 200 characters of the body.
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
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// Decode a JSON answer.
pub(crate) fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    answer: &Response,
) -> Result<T> {
    decode_answer(method.as_str(), path, answer.status.as_u16(), &answer.body)
}

/// Percent-encode one path segment (Keywhiz names are `[A-Za-z0-9_.:-]`, but be safe).
pub(crate) fn seg(name: &str) -> String {
    mtls_http::path_segment(name, b":")
}

/// Helper so API methods read as one line each.
pub(crate) fn call<'a>(
    method: Method,
    path: String,
    body: Option<&'a (dyn erased::Json + Sync)>,
) -> Call<'a> {
    Call { method, path, body }
}
