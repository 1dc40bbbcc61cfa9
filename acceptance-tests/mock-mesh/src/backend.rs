//! A mesh service: terminates mTLS with its own SVID (a SPIFFE URI SAN and
//! nothing else), requires a client certificate that chains to the roots it
//! trusts, authorizes the caller by SPIFFE ID (its trust domain, and an
//! allow-list when one is set), and answers every request with who called:
//! `{"service","caller","caller_serial","protocol","method","path","headers"}`.
//! h2 and HTTP/1.1 by ALPN.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// How one service is set up.
#[derive(Clone)]
pub struct BackendConfig {
    /// The SPIFFE ID its certificate carries.
    pub spiffe_id: String,
    pub cert_pem: String,
    pub key_pem: String,
    /// The roots client certificates must chain to.
    pub client_roots_pem: String,
    /// Callers must be in this trust domain.
    pub trust_domain: String,
    /// When set, only these SPIFFE IDs are served.
    pub allowed_callers: Option<Vec<String>>,
}

/// One request as the service saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub caller: Option<String>,
    pub caller_serial: Option<String>,
    pub status: u16,
    pub protocol: String,
    pub path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendStats {
    pub connections: u64,
    pub handshake_failures: u64,
    /// Requests answered, by status.
    pub by_status: BTreeMap<u16, u64>,
}

#[derive(Default)]
struct Record {
    stats: BackendStats,
    seen: Vec<Seen>,
}

const MAX_SEEN: usize = 100_000;

pub struct Backend {
    addr: SocketAddr,
    spiffe_id: String,
    record: Arc<Mutex<Record>>,
    task: JoinHandle<()>,
}

#[derive(Clone)]
struct Caller {
    spiffe_id: Option<String>,
    serial: Option<String>,
    refusal: Option<String>,
}

impl Backend {
    pub async fn start(config: BackendConfig) -> anyhow::Result<Backend> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(config.client_roots_pem.as_bytes()) {
            roots.add(cert?)?;
        }
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()?;
        let chain = CertificateDer::pem_slice_iter(config.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()?;
        let key = PrivateKeyDer::from_pem_slice(config.key_pem.as_bytes())?;
        let mut tls = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)?;
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let record = Arc::new(Mutex::new(Record::default()));
        let task = tokio::spawn(accept_loop(
            listener,
            TlsAcceptor::from(Arc::new(tls)),
            Arc::new(config.clone()),
            record.clone(),
        ));
        Ok(Backend {
            addr,
            spiffe_id: config.spiffe_id,
            record,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn spiffe_id(&self) -> &str {
        &self.spiffe_id
    }

    pub fn stats(&self) -> BackendStats {
        self.record
            .lock()
            .map(|r| r.stats.clone())
            .unwrap_or_default()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.record
            .lock()
            .map(|r| r.seen.clone())
            .unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut r) = self.record.lock() {
            *r = Record::default();
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    config: Arc<BackendConfig>,
    record: Arc<Mutex<Record>>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let (acceptor, config, record) = (acceptor.clone(), config.clone(), record.clone());
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let tls = match acceptor.accept(tcp).await {
                Ok(tls) => tls,
                Err(_) => {
                    if let Ok(mut r) = record.lock() {
                        r.stats.handshake_failures += 1;
                    }
                    return;
                }
            };
            if let Ok(mut r) = record.lock() {
                r.stats.connections += 1;
            }
            let caller = identify(&config, tls.get_ref().1.peer_certificates());
            let service = hyper::service::service_fn(move |req| {
                let (config, record, caller) = (config.clone(), record.clone(), caller.clone());
                async move {
                    Ok::<_, std::convert::Infallible>(answer(&config, &record, &caller, req).await)
                }
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// The caller's SPIFFE ID by the X509-SVID rules, and whether it may call.
fn identify(config: &BackendConfig, peer: Option<&[CertificateDer<'static>]>) -> Caller {
    let Some(leaf) = peer.and_then(|chain| chain.first()) else {
        return Caller {
            spiffe_id: None,
            serial: None,
            refusal: Some("no client certificate".into()),
        };
    };
    let facts = match cert_bundle::svid::leaf_facts(leaf.as_ref()) {
        Ok(f) => f,
        Err(e) => {
            return Caller {
                spiffe_id: None,
                serial: None,
                refusal: Some(format!("the client certificate is not an X509-SVID: {e}")),
            }
        }
    };
    let in_domain = facts
        .spiffe_id
        .strip_prefix("spiffe://")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(td, _)| td == config.trust_domain);
    let refusal = if !in_domain {
        Some(format!(
            "caller {} is not in the trust domain {}",
            facts.spiffe_id, config.trust_domain
        ))
    } else if config
        .allowed_callers
        .as_ref()
        .is_some_and(|allowed| !allowed.contains(&facts.spiffe_id))
    {
        Some(format!(
            "caller {} may not call {}",
            facts.spiffe_id, config.spiffe_id
        ))
    } else {
        None
    };
    Caller {
        spiffe_id: Some(facts.spiffe_id),
        serial: Some(facts.serial),
        refusal,
    }
}

async fn answer(
    config: &BackendConfig,
    record: &Mutex<Record>,
    caller: &Caller,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let protocol = format!("{:?}", req.version());
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers: Vec<String> = req
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    // A little service time, when a benchmark asks for it (bounded).
    let delay = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("delay_ms=")))
        .and_then(|v| v.parse::<u64>().ok())
        .map(|ms| ms.min(1000));
    let _ = req.into_body().collect().await;
    if let Some(ms) = delay {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let (status, body) = match &caller.refusal {
        Some(why) => (
            StatusCode::FORBIDDEN,
            json!({"service": config.spiffe_id, "caller": caller.spiffe_id, "error": why}),
        ),
        None => (
            StatusCode::OK,
            json!({
                "service": config.spiffe_id,
                "caller": caller.spiffe_id,
                "caller_serial": caller.serial,
                "protocol": protocol,
                "method": method,
                "path": path,
                "headers": headers,
            }),
        ),
    };
    if let Ok(mut r) = record.lock() {
        *r.stats.by_status.entry(status.as_u16()).or_default() += 1;
        if r.seen.len() < MAX_SEEN {
            r.seen.push(Seen {
                caller: caller.spiffe_id.clone(),
                caller_serial: caller.serial.clone(),
                status: status.as_u16(),
                protocol: protocol.clone(),
                path,
            });
        }
    }
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
