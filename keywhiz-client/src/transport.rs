//! The HTTP layer: one mTLS `reqwest::Client`, requests with retries, error
//! mapping. Bodies are never logged.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::retry::{parse_retry_after, retryable_status, RetryPolicy};

/// Where Keywhiz is and who we are.
#[derive(Clone)]
pub struct ClientConfig {
    /// e.g. `https://keywhiz.example.internal:4444`.
    pub base_url: String,
    /// Client certificate chain (PEM).
    pub cert_pem: Vec<u8>,
    /// Client private key (PEM).
    pub key_pem: Vec<u8>,
    /// CA bundle that verifies the server (PEM, one or more certificates).
    pub ca_pem: Vec<u8>,
    pub retry: RetryPolicy,
    /// Timeout of one attempt.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
}

impl ClientConfig {
    pub fn new(
        base_url: impl Into<String>,
        cert_pem: Vec<u8>,
        key_pem: Vec<u8>,
        ca_pem: Vec<u8>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            cert_pem,
            key_pem,
            ca_pem,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Read certificate, key and CA bundle from PEM files.
    pub fn from_files(
        base_url: impl Into<String>,
        cert: &Path,
        key: &Path,
        ca: &Path,
    ) -> Result<Self> {
        Ok(Self::new(base_url, read(cert)?, read(key)?, read(ca)?))
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// The shared request machinery.
#[derive(Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    base: String,
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

/// What a successful call gave back (the body is never printed).
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Transport {
    pub fn new(config: &ClientConfig) -> Result<Self> {
        let mut identity_pem = config.cert_pem.clone();
        if !identity_pem.ends_with(b"\n") {
            identity_pem.push(b'\n');
        }
        identity_pem.extend_from_slice(&config.key_pem);
        let identity = reqwest::Identity::from_pem(&identity_pem)
            .map_err(|e| Error::Config(format!("client certificate/key: {e}")))?;
        let roots = reqwest::Certificate::from_pem_bundle(&config.ca_pem)
            .map_err(|e| Error::Config(format!("CA bundle: {e}")))?;
        if roots.is_empty() {
            return Err(Error::Config("CA bundle holds no certificate".into()));
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .identity(identity)
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("s2s-keywhiz-client/", env!("CARGO_PKG_VERSION")));
        for root in roots {
            builder = builder.add_root_certificate(root);
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let base = config.base_url.trim_end_matches('/').to_owned();
        if !base.starts_with("https://") {
            return Err(Error::Config(format!(
                "base URL must be https://, got {base:?}"
            )));
        }
        Ok(Self {
            http,
            base,
            retry: config.retry,
        })
    }

    /// Send with retries; success = any 2xx.
    pub async fn send(&self, call: Call<'_>) -> Result<Answer> {
        let started = Instant::now();
        let body = match call.body {
            Some(b) => Some(b.to_json().map_err(|e| Error::Decode {
                method: call.method.to_string(),
                path: call.path.clone(),
                detail: format!("encoding request: {e}"),
            })?),
            None => None,
        };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let (err, retry_after) = match self.once(&call, body.as_deref()).await {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            let retryable = match &err {
                Error::Status { status, .. } => retryable_status(*status),
                Error::Transport { .. } => true,
                _ => false,
            };
            if !retryable || attempt >= self.retry.max_attempts {
                return Err(wrap(err, attempt, started));
            }
            let wait = self.retry.backoff(attempt, retry_after);
            if started.elapsed() + wait > self.retry.total_timeout {
                return Err(wrap(err, attempt, started));
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn once(
        &self,
        call: &Call<'_>,
        body: Option<&[u8]>,
    ) -> Result<Answer, (Error, Option<Duration>)> {
        let url = format!("{}{}", self.base, call.path);
        let mut req = self
            .http
            .request(call.method.clone(), &url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let transport = |source| Error::Transport {
            method: call.method.to_string(),
            path: call.path.clone(),
            source,
        };
        let resp = req.send().await.map_err(|e| (transport(e), None))?;
        let status = resp.status();
        let retry_after = parse_retry_after(
            resp.headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let bytes = resp.bytes().await.map_err(|e| (transport(e), None))?;
        if status.is_success() {
            return Ok(Answer {
                status,
                body: bytes.to_vec(),
            });
        }
        Err((
            Error::Status {
                method: call.method.to_string(),
                path: call.path.clone(),
                status: status.as_u16(),
                message: error_message(&bytes),
            },
            retry_after,
        ))
    }
}

fn wrap(err: Error, attempts: u32, started: Instant) -> Error {
    if attempts <= 1 {
        err
    } else {
        Error::GaveUp {
            attempts,
            elapsed: started.elapsed(),
            last: Box::new(err),
        }
    }
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
    answer: &Answer,
) -> Result<T> {
    serde_json::from_slice(&answer.body).map_err(|e| Error::Decode {
        method: method.to_string(),
        path: path.to_owned(),
        detail: format!("{e} (HTTP {})", answer.status.as_u16()),
    })
}

/// Percent-encode one path segment (Keywhiz names are `[A-Za-z0-9_.:-]`, but be safe).
pub(crate) fn seg(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Helper so API methods read as one line each.
pub(crate) fn call<'a>(
    method: Method,
    path: String,
    body: Option<&'a (dyn erased::Json + Sync)>,
) -> Call<'a> {
    Call { method, path, body }
}
