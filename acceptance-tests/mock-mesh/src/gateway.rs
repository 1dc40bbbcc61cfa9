//! The mesh gateway stand-in: an L4 pass-through that reads the SNI from the
//! ClientHello, picks a backend from its table and splices the bytes through
//! unchanged (Envoy's tls_inspector + filter_chain_match.server_names +
//! tcp_proxy). It never terminates TLS and holds no key, so the identity in
//! the handshake stays the caller's. Unknown names are refused by closing
//! the connection, as a listener with no matching filter chain does.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::clienthello::{self, Parse};

/// Time a client has to send its ClientHello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

/// What the gateway saw, for tests to assert on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayStats {
    /// Connections spliced through, by SNI.
    pub routed: BTreeMap<String, u64>,
    /// Connections closed for an unknown SNI, by SNI (`-` for none).
    pub refused: BTreeMap<String, u64>,
    /// Connections that did not start with a ClientHello.
    pub not_tls: u64,
    /// The ALPN protocols offered, as seen in the clear.
    pub alpn_offered: BTreeMap<String, u64>,
}

pub struct Gateway {
    addr: SocketAddr,
    routes: Arc<RwLock<HashMap<String, SocketAddr>>>,
    stats: Arc<Mutex<GatewayStats>>,
    task: JoinHandle<()>,
}

impl Gateway {
    /// Listens on 127.0.0.1 (`port` 0 = a free one).
    pub async fn start(port: u16, routes: HashMap<String, SocketAddr>) -> std::io::Result<Gateway> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let routes = Arc::new(RwLock::new(
            routes
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        ));
        let stats = Arc::new(Mutex::new(GatewayStats::default()));
        let task = tokio::spawn(accept_loop(listener, routes.clone(), stats.clone()));
        Ok(Gateway {
            addr,
            routes,
            stats,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds or replaces one route.
    pub fn route(&self, sni: &str, backend: SocketAddr) {
        if let Ok(mut r) = self.routes.write() {
            r.insert(sni.to_ascii_lowercase(), backend);
        }
    }

    pub fn stats(&self) -> GatewayStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    routes: Arc<RwLock<HashMap<String, SocketAddr>>>,
    stats: Arc<Mutex<GatewayStats>>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        tokio::spawn(splice(client, routes.clone(), stats.clone()));
    }
}

fn count(stats: &Mutex<GatewayStats>, f: impl FnOnce(&mut GatewayStats)) {
    if let Ok(mut s) = stats.lock() {
        f(&mut s);
    }
}

async fn splice(
    mut client: TcpStream,
    routes: Arc<RwLock<HashMap<String, SocketAddr>>>,
    stats: Arc<Mutex<GatewayStats>>,
) {
    let _ = client.set_nodelay(true);
    let mut buf = Vec::with_capacity(2048);
    let hello = tokio::time::timeout(HELLO_TIMEOUT, async {
        loop {
            match clienthello::parse(&buf) {
                Parse::Incomplete => {}
                done => return Some(done),
            }
            let mut chunk = [0u8; 4096];
            match client.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    let hello = match hello {
        Ok(Some(Parse::Hello(h))) => h,
        Ok(Some(Parse::NotTls(_))) => {
            count(&stats, |s| s.not_tls += 1);
            return;
        }
        _ => return,
    };
    count(&stats, |s| {
        for p in &hello.alpn {
            *s.alpn_offered.entry(p.clone()).or_default() += 1;
        }
    });
    let sni = hello.sni.unwrap_or_default();
    let backend = routes.read().ok().and_then(|r| r.get(&sni).copied());
    let Some(backend) = backend else {
        count(&stats, |s| {
            let key = if sni.is_empty() {
                "-".to_owned()
            } else {
                sni.clone()
            };
            *s.refused.entry(key).or_default() += 1;
        });
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(backend).await else {
        return;
    };
    let _ = upstream.set_nodelay(true);
    count(&stats, |s| *s.routed.entry(sni).or_default() += 1);
    if upstream.write_all(&buf).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
