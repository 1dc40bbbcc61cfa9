//! `RegistryClient`: mTLS transport with retries, and the typed, ETag-aware calls.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, ETAG, IF_MATCH, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::retry::{parse_retry_after, retryable_status, RetryPolicy};
use crate::types::*;

/// Where the Registry is and who we are.
#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub ca_pem: Vec<u8>,
    pub retry: RetryPolicy,
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

/// A value and the ETag it was read (or written) at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub etag: String,
}

/// What a write is conditioned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pre<'a> {
    None,
    Create,
    Match(&'a str),
}

struct Answer {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The Registry client. Cheap to clone.
#[derive(Clone)]
pub struct RegistryClient {
    http: reqwest::Client,
    base: String,
    retry: RetryPolicy,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl RegistryClient {
    pub fn new(config: &ClientConfig) -> Result<Self> {
        let mut pem = config.cert_pem.clone();
        if !pem.ends_with(b"\n") {
            pem.push(b'\n');
        }
        pem.extend_from_slice(&config.key_pem);
        let identity = reqwest::Identity::from_pem(&pem)
            .map_err(|e| Error::Config(format!("client certificate/key: {e}")))?;
        let roots = reqwest::Certificate::from_pem_bundle(&config.ca_pem)
            .map_err(|e| Error::Config(format!("CA bundle: {e}")))?;
        if roots.is_empty() {
            return Err(Error::Config("CA bundle holds no certificate".into()));
        }
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .identity(identity)
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("s2s-registry-client/", env!("CARGO_PKG_VERSION")));
        for r in roots {
            b = b.add_root_certificate(r);
        }
        let http = b
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

    async fn send(
        &self,
        method: Method,
        path: &str,
        pre: Pre<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer> {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let (err, retry_after) = match self.once(&method, path, pre, body.as_deref()).await {
                Ok(a) => return Ok(a),
                Err(e) => e,
            };
            let retryable = match &err {
                Error::Status { status, .. } => retryable_status(*status),
                Error::Transport { .. } => true,
                _ => false,
            };
            let wait = self.retry.backoff(attempt, retry_after);
            if !retryable
                || attempt >= self.retry.max_attempts
                || started.elapsed() + wait > self.retry.total_timeout
            {
                return Err(if attempt > 1 {
                    Error::GaveUp {
                        attempts: attempt,
                        elapsed: started.elapsed(),
                        last: Box::new(err),
                    }
                } else {
                    err
                });
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn once(
        &self,
        method: &Method,
        path: &str,
        pre: Pre<'_>,
        body: Option<&[u8]>,
    ) -> Result<Answer, (Error, Option<Duration>)> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json");
        match pre {
            Pre::None => {}
            Pre::Create => req = req.header(IF_NONE_MATCH, "*"),
            Pre::Match(tag) => req = req.header(IF_MATCH, tag),
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let transport = |source| Error::Transport {
            method: method.to_string(),
            path: path.to_owned(),
            source,
        };
        let resp = req.send().await.map_err(|e| (transport(e), None))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| (transport(e), None))?;
        if (200..300).contains(&status) {
            return Ok(Answer {
                headers,
                body: bytes.to_vec(),
            });
        }
        let (code, message) = error_fields(&bytes);
        let retry_after = parse_retry_after(headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()));
        let err = if status == 412 {
            Error::Conflict {
                method: method.to_string(),
                path: path.to_owned(),
                message,
                current_etag: header_str(&headers, ETAG),
            }
        } else {
            Error::Status {
                method: method.to_string(),
                path: path.to_owned(),
                status,
                code,
                message,
            }
        };
        Err((err, retry_after))
    }

    fn decode<T: DeserializeOwned>(method: &Method, path: &str, a: &Answer) -> Result<T> {
        serde_json::from_slice(&a.body).map_err(|e| Error::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            detail: e.to_string(),
        })
    }

    async fn versioned<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        pre: Pre<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Versioned<T>> {
        let a = self.send(method.clone(), path, pre, body).await?;
        let etag = header_str(&a.headers, ETAG).ok_or_else(|| Error::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            detail: "no ETag header".into(),
        })?;
        Ok(Versioned {
            value: Self::decode(&method, path, &a)?,
            etag,
        })
    }

    fn json<T: serde::Serialize>(method: &Method, path: &str, v: &T) -> Result<Vec<u8>> {
        serde_json::to_vec(v).map_err(|e| Error::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            detail: format!("encoding request: {e}"),
        })
    }

    // ---- apps ----

    /// `GET /v1/apps`: every app (each with its `etag`).
    pub async fn list_apps(&self) -> Result<Vec<App>> {
        let a = self.send(Method::GET, "/v1/apps", Pre::None, None).await?;
        Ok(Self::decode::<AppList>(&Method::GET, "/v1/apps", &a)?.apps)
    }

    /// `GET /v1/apps?certificate_generation=true`: the certificate issuer's work list.
    pub async fn list_certificate_apps(&self) -> Result<Vec<App>> {
        let path = "/v1/apps?certificate_generation=true";
        let a = self.send(Method::GET, path, Pre::None, None).await?;
        Ok(Self::decode::<AppList>(&Method::GET, path, &a)?.apps)
    }

    /// `GET /v1/apps/{app}` with its ETag.
    pub async fn get_app(&self, app: &str) -> Result<Versioned<App>> {
        self.versioned(
            Method::GET,
            &format!("/v1/apps/{}", seg(app)),
            Pre::None,
            None,
        )
        .await
    }

    /// `PUT /v1/apps/{app}` with `If-None-Match: *` (412 → [`Error::Conflict`] if it exists).
    pub async fn create_app(&self, app: &str, spec: &AppSpec) -> Result<Versioned<App>> {
        let path = format!("/v1/apps/{}", seg(app));
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.versioned(Method::PUT, &path, Pre::Create, Some(body))
            .await
    }

    /// `PUT /v1/apps/{app}` with `If-Match: etag` (412 → [`Error::Conflict`] on a lost race).
    pub async fn update_app(
        &self,
        app: &str,
        spec: &AppSpec,
        etag: &str,
    ) -> Result<Versioned<App>> {
        let path = format!("/v1/apps/{}", seg(app));
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.versioned(Method::PUT, &path, Pre::Match(etag), Some(body))
            .await
    }

    /// `DELETE /v1/apps/{app}` with `If-Match: etag`.
    pub async fn delete_app(&self, app: &str, etag: &str) -> Result<()> {
        self.send(
            Method::DELETE,
            &format!("/v1/apps/{}", seg(app)),
            Pre::Match(etag),
            None,
        )
        .await
        .map(|_| ())
    }

    // ---- functions ----

    /// `GET /v1/apps/{app}/functions`: all of an app's functions in one call.
    pub async fn list_functions(&self, app: &str) -> Result<Vec<Function>> {
        let path = format!("/v1/apps/{}/functions", seg(app));
        let a = self.send(Method::GET, &path, Pre::None, None).await?;
        Ok(Self::decode::<FunctionList>(&Method::GET, &path, &a)?.functions)
    }

    fn function_path(app: &str, account_id: &str, function_name: &str) -> String {
        format!(
            "/v1/apps/{}/functions/{}/{}",
            seg(app),
            seg(account_id),
            seg(function_name)
        )
    }

    pub async fn get_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
    ) -> Result<Versioned<Function>> {
        let path = Self::function_path(app, account_id, function_name);
        self.versioned(Method::GET, &path, Pre::None, None).await
    }

    /// Register a function (`If-None-Match: *`).
    pub async fn create_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
        spec: &FunctionSpec,
    ) -> Result<Versioned<Function>> {
        let path = Self::function_path(app, account_id, function_name);
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.versioned(Method::PUT, &path, Pre::Create, Some(body))
            .await
    }

    /// Update a function (`If-Match: etag`).
    pub async fn update_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
        spec: &FunctionSpec,
        etag: &str,
    ) -> Result<Versioned<Function>> {
        let path = Self::function_path(app, account_id, function_name);
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.versioned(Method::PUT, &path, Pre::Match(etag), Some(body))
            .await
    }

    pub async fn delete_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
        etag: &str,
    ) -> Result<()> {
        let path = Self::function_path(app, account_id, function_name);
        self.send(Method::DELETE, &path, Pre::Match(etag), None)
            .await
            .map(|_| ())
    }
}

fn header_str(h: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_owned)
}

/// `{"error":{"code","message"}}` → (code, message); else the start of the body.
fn error_fields(body: &[u8]) -> (String, String) {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let e = &v["error"];
        if let Some(m) = e["message"].as_str() {
            return (
                e["code"].as_str().unwrap_or_default().to_owned(),
                m.to_owned(),
            );
        }
    }
    (
        String::new(),
        String::from_utf8_lossy(body).chars().take(200).collect(),
    )
}
