//! What the mtls-proxy tests share: a raw HTTP/1.1 exchange (what curl or a
//! Python client sends, absolute-form included) and a proxy started
//! in-process in front of a test mesh.

#![allow(dead_code)]

use std::sync::Arc;

use mtls_proxy::proxy::Proxy;
use mtls_proxy::{
    Addressing, CertificateHolder, MemorySource, MeshClient, MeshClientConfig, RefreshPolicy,
};
use s2s_core::Environment;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// One response: status, headers (lowercase names), body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (request line and headers, without the blank line) with
/// `Connection: close` and reads the whole answer.
pub async fn exchange(addr: &str, head: &str) -> Answer {
    let mut tcp = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the proxy");
    let request = format!("{head}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A proxy on a free loopback port in front of `gateway`, for `spiffe_id`'s
/// function in staging, reading its bundle from `source`.
pub struct RunningProxy {
    pub addr: String,
    pub client: Arc<MeshClient>,
    pub holder: Arc<CertificateHolder>,
    _stop: watch::Sender<bool>,
}

pub async fn start_proxy(
    gateway: &str,
    trust_domain: &str,
    spiffe_id: &str,
    source: Arc<MemorySource>,
    token: Option<&str>,
    policy: RefreshPolicy,
    holder_edit: impl FnOnce(CertificateHolder) -> CertificateHolder,
) -> RunningProxy {
    let addressing = Addressing::new(
        Environment::Staging,
        trust_domain,
        "meshproxy.example.internal",
    )
    .expect("addressing");
    let holder = Arc::new(holder_edit(CertificateHolder::new(
        source, spiffe_id, policy,
    )));
    let client = Arc::new(MeshClient::new(
        MeshClientConfig::new(addressing, gateway),
        holder.clone(),
    ));
    let proxy = Proxy::new(client.clone(), token.map(str::to_owned));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(proxy.serve(listener, stopped));
    RunningProxy {
        addr,
        client,
        holder,
        _stop: stop,
    }
}
