//! Where a server is, who we are, and the mTLS client that follows from it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::failure::chain;
use crate::identity::{self, PresentedIdentity};
use crate::retry::RetryPolicy;

/// Where the server is and who we are.
#[derive(Clone)]
pub struct ClientConfig {
    /// e.g. `https://keywhiz.example.internal:4444`; must be `https://`.
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

/// Why a [`ClientConfig`] cannot make a client (certificates, URL, files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

// Certificates and keys are never printed.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
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
    ) -> Result<Self, ConfigError> {
        Ok(Self::new(base_url, read(cert)?, read(key)?, read(ca)?))
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The mTLS client (with this configuration's retry policy): our identity, only the configured CAs (no built-in
    /// roots), the configured timeouts, `user_agent`. The identity is checked
    /// first (the key belongs to the certificate, which is within its
    /// validity), so that a bad one fails here with a reason.
    pub fn endpoint(&self, user_agent: &str) -> Result<Endpoint, ConfigError> {
        let presented = identity::inspect(&self.cert_pem, &self.key_pem, identity::now_unix())?;
        let mut identity_pem = self.cert_pem.clone();
        if !identity_pem.ends_with(b"\n") {
            identity_pem.push(b'\n');
        }
        identity_pem.extend_from_slice(&self.key_pem);
        let identity = reqwest::Identity::from_pem(&identity_pem)
            .map_err(|e| ConfigError(format!("client certificate/key: {}", chain(&e))))?;
        let roots = reqwest::Certificate::from_pem_bundle(&self.ca_pem)
            .map_err(|e| ConfigError(format!("CA bundle: {}", chain(&e))))?;
        if roots.is_empty() {
            return Err(ConfigError("CA bundle holds no certificate".into()));
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .identity(identity)
            .timeout(self.request_timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(user_agent);
        for root in roots {
            builder = builder.add_root_certificate(root);
        }
        let http = builder
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {}", chain(&e))))?;
        let base = self.base_url.trim_end_matches('/').to_owned();
        if !base.starts_with("https://") {
            return Err(ConfigError(format!(
                "base URL must be https://, got {base:?}"
            )));
        }
        Ok(Endpoint {
            http,
            base,
            presented: Arc::new(presented),
            request_timeout: self.request_timeout,
            retry: self.retry,
        })
    }
}

/// An mTLS client bound to one server, with the retry policy its calls get
/// ([`Endpoint::send`]). Cheap to clone.
#[derive(Clone)]
pub struct Endpoint {
    http: reqwest::Client,
    base: String,
    presented: Arc<PresentedIdentity>,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// How hard each call tries.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Who this client is to the server.
    pub fn presented(&self) -> &PresentedIdentity {
        &self.presented
    }

    /// A request for `path` (which starts with `/`) that accepts JSON and
    /// gives up after `time_left` at most (the rest of the call's budget).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        time_left: Duration,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.request_timeout.min(time_left))
    }

    /// Explains a failed exchange with this server.
    pub fn failure(&self, err: &reqwest::Error) -> crate::TransportFailure {
        crate::failure::classify(err, &self.base, &self.presented)
    }
}
