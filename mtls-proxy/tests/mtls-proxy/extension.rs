//! The extension as Lambda runs it: the real binary under the Extensions API
//! stub, its bundle in Secrets Manager (moto), the test mesh behind it.
//! A bad setting is one init/error naming the variable; nothing is read
//! before the first INVOKE; a newer version in Secrets Manager is picked up
//! by the version check; a missing secret is a 503, never an init error;
//! SHUTDOWN ends the process well inside the 2,000 ms budget.

use crate::common;

use std::path::Path;
use std::time::Duration;

use acceptance_tests::Moto;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use common::exchange;
use mock_mesh::{MeshOptions, Sandbox, Service, TestMesh};

const ORDERS: &str = "spiffe://example.internal/orders";
const SESSION_TOKEN: &str = "session-token-of-this-sandbox";

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_s2s-mtls-proxy"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn secrets_manager(moto: &Moto) -> aws_sdk_secretsmanager::Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .http_client(http)
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

fn environment(moto: &Moto, gateway: &str, port: u16, secret: &str) -> Vec<(String, String)> {
    [
        ("S2S_APP", "orders"),
        ("S2S_ENVIRONMENT", "staging"),
        ("S2S_TRUST_DOMAIN", "example.internal"),
        ("S2S_MESH_DOMAIN", "meshproxy.example.internal"),
        ("S2S_SPIFFE_ID", ORDERS),
        ("S2S_CERTIFICATE_SECRET", secret),
        ("S2S_MESH_GATEWAY", gateway),
        ("S2S_PROXY_PORT", &port.to_string()),
        ("S2S_VERSION_CHECK_SECONDS", "1"),
        ("S2S_LOG_LEVEL", "debug"),
        ("AWS_ENDPOINT_URL", &moto.endpoint()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        // The function's own proxy setting must not capture the extension's SDK calls.
        ("HTTP_PROXY", &format!("http://127.0.0.1:{port}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Polls `probe` every 20 ms until it gives something, or `limit` passes.
async fn eventually<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if started.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn call() -> String {
    format!(
        "GET http://staging.payments.meshproxy.example.internal/charge HTTP/1.1\r\nHost: staging.payments.meshproxy.example.internal\r\nX-S2S-Token: {SESSION_TOKEN}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_extension_lives_as_lambda_runs_it() {
    let moto = tokio::task::spawn_blocking(Moto::start).await.unwrap();
    let mesh = TestMesh::start(MeshOptions::new(vec![Service::new("payments")]))
        .await
        .unwrap();
    let sm = secrets_manager(&moto);
    let first = mesh.bundle_for("orders-1", ORDERS, 30).unwrap();
    sm.create_secret()
        .name("s2s/orders/tls")
        .secret_string(first.to_json())
        .send()
        .await
        .expect("create the bundle secret");

    // A setting that cannot work is one init/error that names it.
    let mut env = environment(
        &moto,
        &mesh.gateway_address(),
        free_port(),
        "s2s/orders/tls",
    );
    env.retain(|(k, _)| k != "S2S_MESH_GATEWAY");
    let mut broken = Sandbox::start(binary(), &env).await.unwrap();
    let err = broken
        .init(Duration::from_secs(10))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Extension.ConfigInvalid") && err.contains("S2S_MESH_GATEWAY"),
        "{err}"
    );
    // It exits at once; the bound only keeps a hung process from hanging the test.
    let exited = eventually(Duration::from_secs(30), || broken.exited()).await;
    assert_eq!(exited.and_then(|s| s.code()), Some(1));

    // The real thing.
    let port = free_port();
    let mut sandbox = Sandbox::start(
        binary(),
        &environment(&moto, &mesh.gateway_address(), port, "s2s/orders/tls"),
    )
    .await
    .unwrap();
    // Within Lambda's 10 s init phase (how fast is bench/mesh.sh's to measure).
    sandbox.init(Duration::from_secs(10)).await.unwrap();
    let record = sandbox.api.record();
    assert_eq!(record.registered_name.as_deref(), Some("s2s-mtls-proxy"));
    assert_eq!(record.registered_events, ["INVOKE", "SHUTDOWN"]);
    let addr = format!("127.0.0.1:{port}");

    let early = exchange(&addr, &call()).await;
    assert_eq!(early.status, 503, "{}", early.body);
    assert!(early.body.contains("first invocation"), "{}", early.body);
    assert!(
        !sandbox
            .logs()
            .iter()
            .any(|l| l.contains("certificate.loaded")),
        "nothing is loaded during init"
    );

    sandbox.invoke("request-1").await.unwrap();
    let answer = exchange(&addr, &call()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["caller"], ORDERS);
    assert_eq!(answer.json()["caller_serial"], first.serial.as_str());

    // The issuer writes a new version; the version check finds it.
    let second = mesh.bundle_for("orders-2", ORDERS, 31).unwrap();
    sm.put_secret_value()
        .secret_id("s2s/orders/tls")
        .secret_string(second.to_json())
        .send()
        .await
        .unwrap();
    // Checked at most once a second (S2S_VERSION_CHECK_SECONDS=1), and a check that
    // fails (Secrets Manager slow under load) keeps the old certificate until the
    // next: invocations and calls until the new serial is presented, every answer a 200.
    let mut invocations = 1;
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        invocations += 1;
        sandbox
            .invoke(&format!("request-{invocations}"))
            .await
            .unwrap();
        let answer = exchange(&addr, &call()).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let serial = answer.json()["caller_serial"].clone();
        if serial == second.serial.as_str() {
            break;
        }
        assert_eq!(serial, first.serial.as_str());
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the new version was never picked up ({} invocations)",
            invocations - 1
        );
    }

    let logs = sandbox.logs();
    let loaded = logs
        .iter()
        .filter(|l| l.contains("\"certificate.loaded\""))
        .count();
    assert_eq!(loaded, 2, "{logs:#?}");
    assert!(logs
        .iter()
        .any(|l| l.contains("\"event\":\"request\"") && l.contains("\"status\":200")));
    for line in &logs {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON line: {line}"));
        assert!(
            !line.contains("PRIVATE KEY") && !line.contains("BEGIN CERTIFICATE"),
            "{line}"
        );
        assert!(!line.contains(SESSION_TOKEN), "{line}");
    }

    let shutdown = sandbox.shutdown().await.unwrap();
    assert!(!shutdown.killed, "{shutdown:?}");
    assert_eq!(shutdown.exit_code, Some(0));
    assert!(shutdown.took < Duration::from_millis(2000), "{shutdown:?}");

    // A missing secret is a 503 with the reason, never an init error.
    let port = free_port();
    let mut missing = Sandbox::start(
        binary(),
        &environment(&moto, &mesh.gateway_address(), port, "s2s/nobody/tls"),
    )
    .await
    .unwrap();
    missing.init(Duration::from_secs(10)).await.unwrap();
    missing.invoke("request-1").await.unwrap();
    let answer = exchange(&format!("127.0.0.1:{port}"), &call()).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(
        answer.body.contains("GetSecretValue s2s/nobody/tls"),
        "{}",
        answer.body
    );
    missing.invoke("request-2").await.unwrap();
    let record = missing.api.record();
    assert!(
        record.init_errors.is_empty() && record.exit_errors.is_empty(),
        "{record:?}"
    );
    let shutdown = missing.shutdown().await.unwrap();
    assert_eq!(shutdown.exit_code, Some(0));
}
