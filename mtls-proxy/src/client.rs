//! The mTLS core a Rust function can use in-process (the extension is built
//! on it): `send(app, request)` goes to `<environment>.<app>.<mesh_domain>`
//! through the mesh gateway, over pooled keep-alive connections (h2 when the
//! server offers it) that present the current certificate. When the
//! certificate changes, the pool is replaced, so the very next request
//! presents the new one; requests already running finish on the old pool.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode, Uri};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::addressing::{AddressError, Addressing};
use crate::connector::{ConnectError, MeshConnector};
use crate::holder::{CertificateHolder, Unavailable};
use crate::identity::Identity;
use crate::tls::TlsConfigs;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The request body type the client sends.
pub type MeshBody = BoxBody<Bytes, BoxError>;

/// A whole body in memory.
pub fn full_body(bytes: impl Into<Bytes>) -> MeshBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Where the mesh is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct MeshClientConfig {
    pub addressing: Addressing,
    /// `host:port` of the mesh gateway.
    pub gateway: String,
    pub connect_timeout: Duration,
    /// Idle keep-alive connections are closed after this.
    pub idle_timeout: Duration,
    /// Idle connections kept per target app.
    pub max_idle_per_target: usize,
}

impl MeshClientConfig {
    pub fn new(addressing: Addressing, gateway: impl Into<String>) -> MeshClientConfig {
        MeshClientConfig {
            addressing,
            gateway: gateway.into(),
            connect_timeout: Duration::from_secs(3),
            idle_timeout: Duration::from_secs(60),
            max_idle_per_target: 64,
        }
    }
}

/// Why a call did not reach the mesh app, with the HTTP status the proxy
/// answers for it.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    #[error("{0}")]
    Address(#[from] AddressError),
    #[error("{0}")]
    NoCertificate(#[from] Unavailable),
    #[error("{0}")]
    Connect(ConnectError),
    #[error("the call to {host} failed: {detail}")]
    Upstream { host: String, detail: String },
}

impl MeshError {
    pub fn status(&self) -> StatusCode {
        match self {
            MeshError::Address(_) => StatusCode::BAD_REQUEST,
            MeshError::NoCertificate(_) => StatusCode::SERVICE_UNAVAILABLE,
            MeshError::Connect(ConnectError::Timeout { .. }) => StatusCode::GATEWAY_TIMEOUT,
            MeshError::Connect(_) | MeshError::Upstream { .. } => StatusCode::BAD_GATEWAY,
        }
    }

    /// A short name for logs and the `x-s2s-error` header.
    pub fn kind(&self) -> &'static str {
        match self {
            MeshError::Address(_) => "address",
            MeshError::NoCertificate(_) => "no-certificate",
            MeshError::Connect(ConnectError::ServerRefused { .. }) => "server-refused",
            MeshError::Connect(ConnectError::Closed { .. }) => "closed",
            MeshError::Connect(ConnectError::Timeout { .. }) => "timeout",
            MeshError::Connect(ConnectError::Gateway { .. }) => "gateway",
            MeshError::Connect(_) => "handshake",
            MeshError::Upstream { .. } => "upstream",
        }
    }
}

struct Session {
    identity: Arc<Identity>,
    http: Client<MeshConnector, MeshBody>,
}

/// Calls mesh apps as this function.
pub struct MeshClient {
    config: MeshClientConfig,
    addressing: Arc<Addressing>,
    certificates: Arc<CertificateHolder>,
    session: Mutex<Option<Arc<Session>>>,
}

impl MeshClient {
    pub fn new(config: MeshClientConfig, certificates: Arc<CertificateHolder>) -> MeshClient {
        MeshClient {
            addressing: Arc::new(config.addressing.clone()),
            config,
            certificates,
            session: Mutex::new(None),
        }
    }

    pub fn addressing(&self) -> &Addressing {
        &self.addressing
    }

    pub fn certificates(&self) -> &Arc<CertificateHolder> {
        &self.certificates
    }

    /// Sends `request` (its URI's path and query are kept) to `app`.
    pub async fn send(
        &self,
        app: &str,
        mut request: Request<MeshBody>,
    ) -> Result<Response<Incoming>, MeshError> {
        let host = self.addressing.hostname(app)?;
        let identity = self.certificates.current().await?;
        let session = self.session_for(identity);
        let path = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        *request.uri_mut() = Uri::builder()
            .scheme("https")
            .authority(host.as_str())
            .path_and_query(path)
            .build()
            .map_err(|e| MeshError::Upstream {
                host: host.clone(),
                detail: e.to_string(),
            })?;
        // hyper writes Host (HTTP/1.1) or :authority (h2) from the URI.
        request.headers_mut().remove(http::header::HOST);
        *request.version_mut() = http::Version::HTTP_11;
        session
            .http
            .request(request)
            .await
            .map_err(|e| classify(&host, e))
    }

    fn session_for(&self, identity: Arc<Identity>) -> Arc<Session> {
        let mut slot = self.session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(session) = slot.as_ref() {
            if Arc::ptr_eq(&session.identity, &identity) {
                return session.clone();
            }
        }
        let connector = MeshConnector {
            gateway: self.config.gateway.as_str().into(),
            addressing: self.addressing.clone(),
            tls: Arc::new(TlsConfigs::new(identity.clone())),
            connect_timeout: self.config.connect_timeout,
        };
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.config.idle_timeout)
            .pool_max_idle_per_host(self.config.max_idle_per_target)
            .build(connector);
        let session = Arc::new(Session { identity, http });
        *slot = Some(session.clone());
        session
    }
}

/// Finds our own connect error, or the TLS alert a server sent, in the chain.
fn classify(host: &str, e: hyper_util::client::legacy::Error) -> MeshError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(connect) = err.downcast_ref::<ConnectError>() {
            return MeshError::Connect(connect.clone());
        }
        if let Some(rustls::Error::AlertReceived(alert)) = err.downcast_ref::<rustls::Error>() {
            return MeshError::Upstream {
                host: host.to_owned(),
                detail: format!(
                    "the service refused this function's certificate (TLS alert {alert:?})"
                ),
            };
        }
        source = err.source();
    }
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(err) = source {
        detail.push_str(": ");
        detail.push_str(&err.to_string());
        source = err.source();
    }
    MeshError::Upstream {
        host: host.to_owned(),
        detail,
    }
}
