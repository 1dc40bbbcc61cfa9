//! The API port: axum over rustls over TCP on loopback, with the peer
//! certificate handed to handlers, and the handle tests hold.

use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::controls::{fault_and_log, Controls, ErrorRenderer};
use crate::faults::Faults;
use crate::identity::{caller_from_der, CallerIdentity, PeerCertificate};
use crate::log::{Counters, LoggedRequest};
use crate::pki::{ClientIdentity, IdentitySpec, PkiError, TestPki};
use crate::tls::{server_config, ClientAuth};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Per-connection facts, inserted into every request's extensions.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// The client's leaf certificate (DER), if it sent one.
    pub peer: Option<PeerCertificate>,
    /// The identity read from it (see [`crate::identity`]).
    pub caller: Option<CallerIdentity>,
    pub(crate) kill: Arc<Notify>,
}

/// How to start a mock.
pub struct ServerOptions {
    /// Port for the API (0 = any free port). Always bound on 127.0.0.1.
    pub port: u16,
    /// Port for the plain-HTTP admin API (0 = any free port), 127.0.0.1.
    pub admin_port: u16,
    pub client_auth: ClientAuth,
    pub faults: Faults,
    pub error_body: ErrorRenderer,
    /// Mock-specific admin routes, merged under the admin port.
    pub admin_routes: Option<Router>,
}

/// A running mock: the API port (HTTPS, mTLS), the admin port (HTTP) and the
/// controls. Dropping it stops the servers (prefer [`MockServer::shutdown`]).
pub struct MockServer {
    addr: SocketAddr,
    admin_addr: SocketAddr,
    pki: Arc<TestPki>,
    controls: Arc<Controls>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("admin_addr", &self.admin_addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Start serving `app` (the mock's routes) with TLS from `pki`.
    pub async fn start(
        pki: Arc<TestPki>,
        app: Router,
        opts: ServerOptions,
    ) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let controls = Arc::new(
            Controls::new(opts.faults, opts.error_body.clone()).map_err(anyhow::Error::msg)?,
        );
        let acceptor = TlsAcceptor::from(Arc::new(server_config(&pki, opts.client_auth)?));
        let app = app.layer(axum::middleware::from_fn_with_state(
            controls.clone(),
            fault_and_log,
        ));

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
        let addr = listener.local_addr()?;
        let admin_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.admin_port)).await?;
        let admin_addr = admin_listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);

        let api = tokio::spawn(accept_loop(
            listener,
            acceptor,
            app,
            controls.clone(),
            stop_rx.clone(),
        ));
        let mut admin_app = crate::admin::router(controls.clone(), pki.clone());
        if let Some(extra) = opts.admin_routes {
            admin_app = admin_app.merge(extra);
        }
        let mut admin_stop = stop_rx;
        let admin = tokio::spawn(async move {
            let served = axum::serve(admin_listener, admin_app)
                .with_graceful_shutdown(async move {
                    let _ = admin_stop.wait_for(|s| *s).await;
                })
                .await;
            if let Err(e) = served {
                eprintln!("admin server: {e}");
            }
        });
        Ok(Self {
            addr,
            admin_addr,
            pki,
            controls,
            stop,
            tasks: vec![api, admin],
        })
    }

    /// API address (127.0.0.1:port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (the server certificate also names `localhost`).
    pub fn base_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    /// Admin address (plain HTTP, loopback).
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// `http://127.0.0.1:ADMIN_PORT`.
    pub fn admin_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.admin_addr.port())
    }

    /// The CA bundle (PEM file) that verifies the server and signs clients.
    pub fn ca_path(&self) -> PathBuf {
        self.pki.ca_path()
    }

    pub fn pki(&self) -> &Arc<TestPki> {
        &self.pki
    }

    /// Mint a client identity signed by the mock's CA.
    pub fn mint_identity(&self, spec: &IdentitySpec) -> Result<ClientIdentity, PkiError> {
        self.pki.mint(spec)
    }

    pub fn faults(&self) -> Faults {
        self.controls.faults()
    }

    /// Switch faults at run time.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.controls.set_faults(faults)
    }

    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.controls.log.entries()
    }

    pub fn counters(&self) -> Counters {
        self.controls.log.counters()
    }

    pub fn clear_log(&self) {
        self.controls.log.clear()
    }

    pub fn controls(&self) -> &Arc<Controls> {
        &self.controls
    }

    /// The JSON object printed on stdout at start; mocks add their own fields.
    pub fn report(&self) -> serde_json::Map<String, serde_json::Value> {
        let v = json!({
            "port": self.addr.port(),
            "url": self.base_url(),
            "admin_port": self.admin_addr.port(),
            "admin_url": self.admin_url(),
            "ca": self.ca_path(),
            "pki_dir": self.pki.dir(),
        });
        match v {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// Stop accepting, close connections and wait for the tasks to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    controls: Arc<Controls>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => return,
        };
        let (tcp, _) = match accepted {
            Ok(a) => a,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        tokio::spawn(serve_conn(
            tcp,
            acceptor.clone(),
            app.clone(),
            controls.clone(),
            stop.clone(),
        ));
    }
}

async fn serve_conn(
    tcp: TcpStream,
    acceptor: TlsAcceptor,
    app: Router,
    controls: Arc<Controls>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    // A second handle on the socket, to turn the close into an RST on a reset fault.
    let raw: Option<OwnedFd> = tcp.as_fd().try_clone_to_owned().ok();
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(_)) | Err(_) => {
            controls.log.record_handshake_failure();
            return;
        }
    };
    let peer = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec());
    let caller = peer.as_deref().and_then(caller_from_der);
    let info = ConnInfo {
        peer: peer.map(|der| PeerCertificate(Arc::new(der))),
        caller,
        kill: Arc::new(Notify::new()),
    };
    let kill = info.kill.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(info.clone());
        app.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {
            if let Some(fd) = &raw {
                let _ = socket2::SockRef::from(fd).set_linger(Some(Duration::ZERO));
            }
        }
        _ = stop.wait_for(|s| *s) => {}
    }
}
