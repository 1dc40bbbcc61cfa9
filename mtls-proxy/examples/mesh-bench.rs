//! `bench/mesh.sh`: the mesh path's figures, measured side by side in one run
//! on loopback against the test mesh (SNI gateway + mTLS backend).
//!
//! * latency per request (p50/p99) and requests/s, warm pool, at 1 and 32
//!   concurrent callers: through the extension (HTTP/1.1 keep-alive to
//!   127.0.0.1, as a function's client) vs the same mTLS core used directly
//!   in-process (`MeshClient`, the "direct mTLS client"), rounds alternated;
//! * connections the backend accepted for those requests (a count);
//! * the extension's peak RSS (VmHWM) after the load;
//! * cold starts of the real binary under the Extensions API stub: init
//!   (spawn → first event/next), the first request after the first INVOKE
//!   (Secrets Manager read from moto + handshake + answer), and shutdown.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use acceptance_tests::stats::{median, percentile};
use acceptance_tests::Moto;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use mock_mesh::{MeshOptions, Sandbox, Service, TestMesh};
use mtls_proxy::{
    full_body, Addressing, CertificateHolder, MemorySource, MeshClient, MeshClientConfig,
    RefreshPolicy,
};
use s2s_core::Environment;

const ORDERS: &str = "spiffe://example.internal/orders";
const TOKEN: &str = "bench-session-token";
const ROUNDS: usize = 3;
const COLD_STARTS: usize = 10;

fn binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|dir| dir.join("s2s-mtls-proxy")))
        .filter(|p| p.is_file())
        .expect("target/<profile>/s2s-mtls-proxy: build it (make bench builds --workspace --bins --examples)")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn environment(moto: &Moto, gateway: &str, port: u16) -> Vec<(String, String)> {
    [
        ("S2S_APP", "orders"),
        ("S2S_ENVIRONMENT", "staging"),
        ("S2S_TRUST_DOMAIN", "example.internal"),
        ("S2S_MESH_DOMAIN", "meshproxy.example.internal"),
        ("S2S_MESH_GATEWAY", gateway),
        ("S2S_PROXY_PORT", &port.to_string()),
        ("S2S_LOG_LEVEL", "warn"),
        ("AWS_ENDPOINT_URL", &moto.endpoint()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", TOKEN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// One caller of the extension: a kept-alive HTTP/1.1 connection.
struct ProxyCaller(hyper::client::conn::http1::SendRequest<Empty<Bytes>>);

impl ProxyCaller {
    async fn connect(port: u16) -> ProxyCaller {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let _ = tcp.set_nodelay(true);
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        ProxyCaller(send)
    }

    async fn call(&mut self, query: &str) -> Duration {
        let request = hyper::Request::get(format!("/payments/bench{query}"))
            .header("host", "127.0.0.1")
            .header("x-s2s-token", TOKEN)
            .body(Empty::new())
            .expect("request");
        let started = Instant::now();
        // The connection turns ready again only once its task has seen the
        // previous answer's end; sending before that is refused.
        self.0.ready().await.expect("proxy connection");
        let response = self.0.send_request(request).await.expect("proxy answer");
        assert_eq!(response.status(), 200);
        let _ = response.into_body().collect().await.expect("body");
        started.elapsed()
    }
}

async fn direct_call(client: &MeshClient, query: &str) -> Duration {
    let request = hyper::Request::get(format!("/bench{query}"))
        .body(full_body(Bytes::new()))
        .expect("request");
    let started = Instant::now();
    let response = client
        .send("payments", request)
        .await
        .expect("direct answer");
    assert_eq!(response.status(), 200);
    let _ = response.into_body().collect().await.expect("body");
    started.elapsed()
}

#[derive(Default)]
struct Samples {
    latencies_ms: Vec<f64>,
    elapsed: Duration,
}

async fn through_proxy(
    port: u16,
    callers: usize,
    per_caller: usize,
    query: &'static str,
) -> Samples {
    let mut conns = Vec::new();
    for _ in 0..callers {
        let mut c = ProxyCaller::connect(port).await;
        c.call(query).await; // warm: the caller's connection
        conns.push(c);
    }
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let mut v = Vec::new();
                for _ in 0..per_caller {
                    v.push(c.call(query).await.as_secs_f64() * 1000.0);
                }
                v
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    for t in tasks {
        latencies_ms.extend(t.await.expect("caller"));
    }
    Samples {
        latencies_ms,
        elapsed: started.elapsed(),
    }
}

async fn direct(
    client: Arc<MeshClient>,
    callers: usize,
    per_caller: usize,
    query: &'static str,
) -> Samples {
    direct_call(&client, query).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut v = Vec::new();
                for _ in 0..per_caller {
                    v.push(direct_call(&client, query).await.as_secs_f64() * 1000.0);
                }
                v
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    for t in tasks {
        latencies_ms.extend(t.await.expect("caller"));
    }
    Samples {
        latencies_ms,
        elapsed: started.elapsed(),
    }
}

fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    mtls_proxy::log::set_level(mtls_proxy::log::Level::Warn);
    let moto = tokio::task::spawn_blocking(Moto::start)
        .await
        .expect("moto");
    let mesh = TestMesh::start(MeshOptions::new(vec![Service::new("payments")]))
        .await
        .expect("mesh");
    let bundle = mesh.bundle_for("orders-bench", ORDERS, 30).expect("bundle");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let sm = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
            .http_client(http)
            .build(),
    );
    sm.create_secret()
        .name("s2s/orders/tls")
        .secret_string(bundle.to_json())
        .send()
        .await
        .expect("bundle secret");

    // Cold starts.
    let (mut inits, mut firsts, mut shutdowns) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..COLD_STARTS {
        let port = free_port();
        let mut sandbox = Sandbox::start(
            &binary(),
            &environment(&moto, &mesh.gateway_address(), port),
        )
        .await
        .expect("spawn");
        inits.push(
            sandbox
                .init(Duration::from_secs(10))
                .await
                .expect("init")
                .as_secs_f64()
                * 1000.0,
        );
        sandbox.invoke(&format!("cold-{i}")).await.expect("invoke");
        let mut caller = ProxyCaller::connect(port).await;
        firsts.push(caller.call("").await.as_secs_f64() * 1000.0);
        drop(caller);
        let shutdown = sandbox.shutdown().await.expect("shutdown");
        assert!(
            !shutdown.killed && shutdown.exit_code == Some(0),
            "{shutdown:?}"
        );
        shutdowns.push(shutdown.took.as_secs_f64() * 1000.0);
    }

    // The warm runs: one extension, one in-process client, rounds alternated.
    let port = free_port();
    let mut sandbox = Sandbox::start(
        &binary(),
        &environment(&moto, &mesh.gateway_address(), port),
    )
    .await
    .expect("spawn");
    sandbox.init(Duration::from_secs(10)).await.expect("init");
    sandbox.invoke("warm").await.expect("invoke");
    let pid = sandbox.pid().expect("pid");
    let source = Arc::new(MemorySource::new());
    source.set(bundle.to_json());
    let addressing = Addressing::new(
        Environment::Staging,
        "example.internal",
        "meshproxy.example.internal",
    )
    .expect("addressing");
    let holder = Arc::new(CertificateHolder::new(
        source,
        ORDERS,
        RefreshPolicy::default(),
    ));
    let client = Arc::new(MeshClient::new(
        MeshClientConfig::new(addressing, mesh.gateway_address()),
        holder,
    ));

    println!("| service time | callers | path | p50 ms | p99 ms | requests/s | new backend connections |");
    println!("|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    // 0 ms: pure loopback, the proxy's whole overhead; 1 ms: the backend
    // takes 1 ms, standing in for the mesh round trip a real call has.
    for (service, query, callers, per_caller) in [
        ("0 ms", "", 1usize, 2000usize),
        ("0 ms", "", 32, 150),
        ("1 ms", "?delay_ms=1", 1, 400),
        ("1 ms", "?delay_ms=1", 32, 60),
    ] {
        let (mut proxied, mut direct_s) = (Samples::default(), Samples::default());
        let connections = || mesh.backend("payments").stats().connections;
        let (mut proxy_connections, mut direct_connections) = (0, 0);
        for _ in 0..ROUNDS {
            let before = connections();
            let p = through_proxy(port, callers, per_caller, query).await;
            proxy_connections += connections() - before;
            proxied.latencies_ms.extend(p.latencies_ms);
            proxied.elapsed += p.elapsed;
            let before = connections();
            let d = direct(client.clone(), callers, per_caller, query).await;
            direct_connections += connections() - before;
            direct_s.latencies_ms.extend(d.latencies_ms);
            direct_s.elapsed += d.elapsed;
        }
        let n = (ROUNDS * callers * per_caller) as f64;
        let p50_proxy = percentile(&mut proxied.latencies_ms, 50.0);
        let p50_direct = percentile(&mut direct_s.latencies_ms, 50.0);
        for (name, s, p50) in [
            ("extension (HTTP/1.1 to 127.0.0.1)", &mut proxied, p50_proxy),
            ("direct (in-process MeshClient)", &mut direct_s, p50_direct),
        ] {
            println!(
                "| {service} | {callers} | {name} | {p50:.3} | {:.3} | {:.0} | {} |",
                percentile(&mut s.latencies_ms, 99.0),
                n / s.elapsed.as_secs_f64(),
                if name.starts_with("direct") {
                    direct_connections
                } else {
                    proxy_connections
                },
            );
        }
        ratios.push((
            service,
            callers,
            p50_proxy / p50_direct,
            p50_proxy - p50_direct,
        ));
    }
    let rss_kb = vm_hwm_kb(pid);
    let shutdown = sandbox.shutdown().await.expect("shutdown");
    println!();
    for (service, callers, ratio, added) in ratios {
        println!(
            "p50 ratio extension/direct, service time {service}, {callers} caller(s): {ratio:.2}x ({:+.0} µs)",
            added * 1000.0
        );
    }
    println!(
        "extension peak RSS (VmHWM) after the load: {:.1} MB",
        rss_kb as f64 / 1024.0
    );
    println!();
    println!("| cold start ({COLD_STARTS} runs) | median ms | max ms |");
    println!("|---|---|---|");
    for (name, samples) in [
        ("init: spawn to first event/next", &mut inits),
        (
            "first request after the first INVOKE (Secrets Manager read + handshake)",
            &mut firsts,
        ),
        ("SHUTDOWN to exit", &mut shutdowns),
    ] {
        let max = samples.iter().copied().fold(0.0, f64::max);
        println!("| {name} | {:.2} | {max:.2} |", median(samples));
    }
    println!(
        "(warm extension exited in {:.1} ms, code {:?})",
        shutdown.took.as_secs_f64() * 1000.0,
        shutdown.exit_code
    );
}
