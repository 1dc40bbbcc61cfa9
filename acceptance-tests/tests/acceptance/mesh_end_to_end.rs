//! The seeds' whole story, end to end, with real Terraform and the real
//! binaries: `terraform apply` of examples/quickstart (the app with
//! certificate generation on, its function, two secret assignments) →
//! `cert-issuer once` writes `s2s/payments/tls` → `syncer once` (which
//! authenticates to Keywhiz with that certificate) writes `keywhiz/*` →
//! the extension starts as in a Lambda (Extensions API stub) → the Python
//! function calls `payments` through the SNI gateway as
//! `spiffe://example.internal/payments` and reads its synced secret.
//!
//! Then what must be refused, and what must survive: a backend expecting
//! another app refuses; a certificate of another trust domain is refused by
//! the backend; a server presenting the wrong SPIFFE ID is refused by the
//! proxy; with the flag off the issuer deletes the certificate and issues
//! none, the proxy serves the certificate it holds while it is valid and
//! answers 503 once it has expired; and a renewal by the issuer during a
//! steady stream of requests fails none and is presented from the first
//! request past the refresh margin.
//!
//! Short certificate lifetimes: the issuer's shortest is 2 h (1 h margin), so
//! the certificates that must expire or be renewed during the test are
//! issued by `cert-issuer` run under `faketime` with its clock set back,
//! which makes them end seconds from now. The mock servers' certificates
//! are back-dated two days for this. `faketime` is a Debian package that
//! `make test` installs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use acceptance_tests::config::copy_example;
use acceptance_tests::stack::{app_secrets, TRUST_DOMAIN};
use acceptance_tests::{built_binary, repo_root, venv_dir, Stack, StackOptions, Terraform};
use mock_common::IdentitySpec;
use mock_mesh::{MeshOptions, Sandbox, Service, TestMesh};
use serde_json::{json, Value};

const REGION: &str = "eu-west-1";
const PAYMENTS: &str = "spiffe://example.internal/payments";
const DB_PASSWORD: &str = "e2e-db-password-value";
const SESSION_TOKEN: &str = "e2e-session-token";
/// The proxy re-reads the bundle when less than this is left.
const MARGIN: i64 = 10;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn binary(name: &str) -> PathBuf {
    built_binary(name, false)
}

fn faketime() -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("faketime"))
        .find(|p| p.is_file());
    found.expect("faketime is not installed: `apt-get install faketime` (make test installs it)")
}

/// Runs a command to completion; its output goes to the test log.
fn run(mut command: Command, what: &str) -> (i32, String, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!(
        "--- {what}: exit {:?}\n{stdout}\n{stderr}",
        out.status.code()
    );
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// The running story: mocks, moto, the test mesh, files.
struct World {
    stack: Stack,
    mesh: TestMesh,
    _work: tempfile::TempDir,
    issuer_config: PathBuf,
    syncer_config: PathBuf,
}

impl World {
    fn aws_env(&self) -> Vec<(String, String)> {
        let moto = self.stack.moto().expect("moto");
        vec![
            ("AWS_ENDPOINT_URL".into(), moto.endpoint()),
            ("AWS_REGION".into(), REGION.into()),
            ("AWS_DEFAULT_REGION".into(), REGION.into()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_SESSION_TOKEN".into(), SESSION_TOKEN.into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ]
    }

    /// `cert-issuer once`; with `ends_in`, under faketime so that the
    /// certificates it issues end that many seconds from now.
    fn issue(&self, ends_in: Option<i64>) -> Value {
        let issuer = binary("cert-issuer");
        let mut command = match ends_in {
            Some(seconds) => {
                // Lifetime 2 h, not_before = now - 60 s: not_after = fake now + 7140 s.
                let shift = seconds - 7140;
                let mut c = Command::new(faketime());
                c.arg("-f").arg(format!("{shift:+}s")).arg(&issuer);
                c.env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
                c.env("CERT_ISSUER_LIFETIME_HOURS", "2");
                c.env("CERT_ISSUER_RENEW_MARGIN_HOURS", "1");
                c.env("CERT_ISSUER_ALARM_REMAINING_HOURS", "0");
                c
            }
            None => Command::new(&issuer),
        };
        command
            .arg("once")
            .arg("--config")
            .arg(&self.issuer_config)
            .envs(self.aws_env());
        let (code, stdout, _) = run(command, "cert-issuer once");
        assert_eq!(code, 0, "cert-issuer once failed");
        serde_json::from_str(stdout.trim()).expect("the issuer's report")
    }

    fn sync(&self) -> Value {
        let mut command = Command::new(binary("syncer"));
        command
            .arg("once")
            .arg("--config")
            .arg(&self.syncer_config)
            .envs(self.aws_env());
        let (code, stdout, _) = run(command, "syncer once");
        assert_eq!(code, 0, "syncer once failed");
        serde_json::from_str(stdout.trim()).expect("the syncer's report")
    }
}

/// What the lambda-s2s module sets besides `s2s_lambda_function`'s variables.
fn module_environment(computed: &Value, gateway: &str, port: u16) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = computed
        .as_object()
        .expect("lambda_environment_variables is a map")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    env.extend([
        ("S2S_MESH_GATEWAY".into(), gateway.to_owned()),
        ("S2S_PROXY_PORT".into(), port.to_string()),
        (
            "S2S_PROXY_TOKEN_VARIABLE".into(),
            "AWS_SESSION_TOKEN".into(),
        ),
        ("HTTP_PROXY".into(), format!("http://127.0.0.1:{port}")),
        (
            "NO_PROXY".into(),
            "localhost,127.0.0.1,169.254.169.254,169.254.170.2".into(),
        ),
    ]);
    env
}

/// The quickstart's Python function, run as Lambda would (its environment only).
fn function(env: &[(String, String)], event: Value) -> Value {
    let mut command = Command::new(venv_dir().join("bin").join("python"));
    command
        .arg(repo_root().join("examples/quickstart/function/handler.py"))
        .arg(event.to_string())
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (code, stdout, _) = run(command, "the function");
    assert_eq!(code, 0, "the function failed");
    serde_json::from_str(stdout.trim()).expect("the function's answer")
}

/// One request through the proxy, as the function's HTTP client sends it.
fn through_proxy(world: &World, port: u16, path: &str) -> (u16, String) {
    world.stack.block_on(async {
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = "staging.payments.meshproxy.example.internal";
        let request = format!(
            "GET http://{host}{path} HTTP/1.1\r\nHost: {host}\r\nX-S2S-Token: {SESSION_TOKEN}\r\nConnection: close\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).await.expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    })
}

fn serial_of(body: &str) -> String {
    // The body may be chunked; the JSON object is on one line.
    let line = body
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_default();
    let v: Value = serde_json::from_str(line).unwrap_or(Value::Null);
    v["caller_serial"].as_str().unwrap_or_default().to_owned()
}

/// The certificate the proxy holds (`/__s2s/health`).
fn held(world: &World, port: u16) -> Value {
    world.stack.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        tcp.write_all(b"GET /__s2s/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).await.expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let line = text
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap_or_default();
        serde_json::from_str::<Value>(line).unwrap_or(Value::Null)["certificate"].clone()
    })
}

fn rfc3339_unix(text: &str) -> i64 {
    cert_bundle::parse_rfc3339(text).unwrap_or_else(|| panic!("not a time: {text}"))
}

fn set_flag(world: &World, on: bool) {
    let admin = world.stack.registry_admin();
    world.stack.block_on(async {
        let current = admin.get_app("payments").await.expect("get payments");
        let spec = registry_client::AppSpec {
            accounts: current.accounts.clone(),
            certificate_generation: on,
        };
        admin
            .update_app("payments", &spec, &current.etag)
            .await
            .expect("flip the flag");
    });
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).expect("json")).expect("write");
}

#[test]
fn the_seeds_story_from_terraform_apply_to_a_mesh_call() {
    faketime();
    // The secrets are the payments group's own, so the app may assign them.
    let kw_seed = app_secrets(
        "payments",
        &[
            ("payments:db-password", DB_PASSWORD, 0),
            ("payments-api-key", "e2e-api-key", 0),
        ],
    );
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(kw_seed),
        moto: true,
        ..Default::default()
    });
    // One CA for the story: Keywhiz and Registry trust it, the issuer's
    // local CA signs with it, and it signs the mesh services' certificates.
    let pki = stack.keywhiz().server().pki().clone();
    let mesh = stack
        .block_on(TestMesh::start(MeshOptions {
            pki: Some(pki.clone()),
            ..MeshOptions::new(vec![
                Service::new("payments"),
                Service {
                    allowed_callers: Some(vec!["spiffe://example.internal/billing".into()]),
                    ..Service::new("ledger")
                },
                Service {
                    presents: Some("spiffe://example.internal/ledger".into()),
                    ..Service::new("inventory")
                },
            ])
        }))
        .expect("test mesh");
    let work = tempfile::Builder::new()
        .prefix("s2s-e2e-")
        .tempdir()
        .expect("work dir");
    let registry_identity = stack
        .registry()
        .mint_identity(&IdentitySpec::spiffe(
            "cert-issuer",
            "spiffe://example.internal/platform/cert-issuer",
        ))
        .expect("issuer identity");
    let issuer_config = work.path().join("issuer.json");
    write_json(
        &issuer_config,
        &json!({
            "trust_domain": TRUST_DOMAIN,
            "registry_url": stack.registry().base_url(),
            "registry_cert_file": registry_identity.cert_path,
            "registry_key_file": registry_identity.key_path,
            "registry_ca_file": pki.ca_path(),
            "mesh_ca_bundle_file": pki.ca_path(),
            "ca_backend": "local",
            "local_ca_dir": pki.dir(),
            "region": REGION,
            "ledger_file": work.path().join("ledger.jsonl"),
        }),
    );
    let syncer_config = work.path().join("syncer.json");
    write_json(
        &syncer_config,
        &json!({
            "app": "payments",
            "trust_domain": TRUST_DOMAIN,
            "keywhiz_url": stack.keywhiz().base_url(),
            "keywhiz_ca_file": pki.ca_path(),
        }),
    );
    let world = World {
        stack,
        mesh,
        _work: work,
        issuer_config,
        syncer_config,
    };

    // 1. terraform apply of the quickstart: app, flag on, function, assignments.
    let mut tf = Terraform::s2s();
    world.stack.configure(&mut tf);
    copy_example(&tf, "quickstart");
    tf.apply();
    tf.assert_plans_empty();
    let computed = tf.output("lambda_environment_variables");
    assert_eq!(computed["S2S_SPIFFE_ID"], PAYMENTS);
    assert_eq!(computed["S2S_CERTIFICATE_SECRET"], "s2s/payments/tls");

    // 2. The issuer writes the certificate (ending 35 s from now, see above).
    let report = world.issue(Some(35));
    assert_eq!(report["issued"], 1, "{report}");

    // 3. The syncer, as the app, copies the app's secrets into Secrets Manager.
    let report = world.sync();
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(
        report["actions"]["created"], 2,
        "both assigned secrets synced: {report}"
    );

    // 4. The extension starts as in a Lambda; the function calls the mesh.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let function_env: Vec<(String, String)> =
        module_environment(&computed, &world.mesh.gateway_address(), port)
            .into_iter()
            .chain(world.aws_env())
            .collect();
    let mut extension_env = function_env.clone();
    extension_env.extend([
        ("S2S_REFRESH_MARGIN_SECONDS".to_owned(), MARGIN.to_string()),
        ("S2S_VERSION_CHECK_SECONDS".to_owned(), "0".to_owned()),
        ("S2S_REFRESH_RETRY_SECONDS".to_owned(), "1".to_owned()),
        ("S2S_LOG_LEVEL".to_owned(), "debug".to_owned()),
    ]);
    let mut sandbox = world
        .stack
        .block_on(Sandbox::start(&binary("s2s-mtls-proxy"), &extension_env))
        .expect("start the extension");
    world
        .stack
        .block_on(sandbox.init(Duration::from_secs(10)))
        .expect("init");
    world
        .stack
        .block_on(sandbox.invoke("invoke-1"))
        .expect("INVOKE");

    let answer = function(
        &function_env,
        json!({"service": "payments", "path": "/charges", "secret": "keywhiz/payments@db-password"}),
    );
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(
        answer["answer"]["caller"], PAYMENTS,
        "the backend sees the app's SPIFFE ID"
    );
    assert_eq!(answer["answer"]["service"], PAYMENTS);
    assert_eq!(answer["answer"]["path"], "/charges");
    assert_eq!(answer["secret"]["length"], DB_PASSWORD.len());
    assert_eq!(answer["secret"]["sha256"], sha256_hex(DB_PASSWORD));
    assert_eq!(
        world
            .mesh
            .gateway()
            .stats()
            .routed
            .get("staging.payments.meshproxy.example.internal"),
        Some(&1),
        "through the SNI gateway"
    );
    let first = held(&world, port);
    let first_not_after = rfc3339_unix(first["not_after"].as_str().expect("not_after"));
    assert!(
        first_not_after <= now() + 35,
        "the short certificate is the one held: {first}"
    );

    // 5. Refusals. A backend expecting another app:
    let answer = function(&function_env, json!({"service": "ledger"}));
    assert_eq!(answer["status"], 403, "{answer}");
    assert!(
        answer["answer"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("may not call"),
        "{answer}"
    );
    // A server presenting the wrong SPIFFE ID:
    let answer = function(&function_env, json!({"service": "inventory"}));
    assert_eq!(answer["status"], 502, "{answer}");
    assert!(
        answer["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("presented spiffe://example.internal/ledger"),
        "{answer}"
    );
    assert!(world.mesh.backend("inventory").seen().is_empty());
    // A certificate of another trust domain, from the same CA:
    let foreign = pki
        .mint(&IdentitySpec::spiffe(
            "other-domain-payments",
            "spiffe://other.example/payments",
        ))
        .expect("foreign identity");
    let (status, body) = world
        .stack
        .block_on(mock_mesh::probe::get(
            &world.mesh.gateway_address(),
            "staging.payments.meshproxy.example.internal",
            &foreign.cert_pem,
            &foreign.key_pem,
            "/charges",
        ))
        .expect("probe");
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("not in the trust domain example.internal"),
        "{body}"
    );

    // 6. Flag off: the issuer deletes the certificate and issues none. The
    //    proxy serves the one it holds while it is valid, then answers 503.
    set_flag(&world, false);
    let report = world.issue(None);
    assert_eq!(
        (report["issued"].as_u64(), report["deleted"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    let (status, body) = through_proxy(&world, port, "/while-valid");
    assert_eq!(status, 200, "still valid, still served: {body}");
    let deadline = Instant::now() + Duration::from_secs(40);
    let body = loop {
        let (status, body) = through_proxy(&world, port, "/after-expiry");
        if status == 503 {
            break body;
        }
        assert_eq!(status, 200, "{body}");
        assert!(
            now() < first_not_after + 2,
            "an expired certificate was presented: {body}"
        );
        assert!(
            Instant::now() < deadline,
            "no 503 after the certificate expired"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        now() >= first_not_after - 1,
        "503 before the certificate expired: {body}"
    );
    assert!(
        body.contains("no valid certificate for spiffe://example.internal/payments"),
        "{body}"
    );
    let report = world.issue(None);
    assert_eq!(
        report["issued"], 0,
        "no issuance while the flag is off: {report}"
    );

    // 7. Flag on: a certificate again (ending 16 s from now), picked up by
    //    the proxy within its retry interval.
    set_flag(&world, true);
    let report = world.issue(Some(16));
    assert_eq!(report["issued"], 1, "{report}");
    world
        .stack
        .block_on(sandbox.invoke("invoke-2"))
        .expect("INVOKE");
    std::thread::sleep(Duration::from_millis(1100));
    let (status, body) = through_proxy(&world, port, "/again");
    assert_eq!(status, 200, "{body}");
    let second = held(&world, port);
    let second_serial = second["serial"].as_str().expect("serial").to_owned();
    let second_not_after = rfc3339_unix(second["not_after"].as_str().expect("not_after"));
    assert_eq!(serial_of(&body), second_serial);

    // 8. Rotation under a steady stream: the issuer renews (real clock, so a
    //    24 h certificate); the proxy presents it from the first request past
    //    its margin; no request fails.
    let crossing = second_not_after - MARGIN + 1;
    let mut seen: Vec<(f64, u16, String)> = Vec::new();
    let mut renewed = false;
    while (now() as f64) < crossing as f64 + 2.0 {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let (status, body) = through_proxy(&world, port, "/stream");
        seen.push((started, status, serial_of(&body)));
        if !renewed && started > crossing as f64 - 4.0 {
            let report = world.issue(None);
            assert_eq!(report["issued"], 1, "the issuer renews: {report}");
            renewed = true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(renewed);
    assert!(
        seen.iter().all(|(_, status, _)| *status == 200),
        "a request failed during the renewal: {seen:?}"
    );
    let third = held(&world, port);
    let third_serial = third["serial"].as_str().expect("serial").to_owned();
    assert_ne!(
        third_serial, second_serial,
        "the renewed certificate is held"
    );
    assert!(rfc3339_unix(third["not_after"].as_str().expect("not_after")) > now() + 23 * 3600);
    let before: Vec<_> = seen
        .iter()
        .filter(|(t, _, _)| *t < crossing as f64 - 1.0)
        .collect();
    assert!(
        before.iter().all(|(_, _, s)| *s == second_serial),
        "before the margin the held one is presented: {seen:?}"
    );
    let after: Vec<_> = seen
        .iter()
        .filter(|(t, _, _)| *t >= crossing as f64)
        .collect();
    assert!(!after.is_empty(), "no request after the margin: {seen:?}");
    assert!(
        after.iter().skip(1).all(|(_, _, s)| *s == third_serial),
        "the new certificate within one request of the margin: {seen:?}"
    );

    // The extension logged JSON only, and never a key, a certificate or the token.
    for line in sandbox.logs() {
        assert!(
            serde_json::from_str::<Value>(&line).is_ok(),
            "not JSON: {line}"
        );
        assert!(
            !line.contains("PRIVATE KEY")
                && !line.contains("BEGIN CERTIFICATE")
                && !line.contains(SESSION_TOKEN),
            "{line}"
        );
    }
    let record = sandbox.api.record();
    assert!(
        record.init_errors.is_empty() && record.exit_errors.is_empty(),
        "{record:?}"
    );
    let shutdown = world.stack.block_on(sandbox.shutdown()).expect("shutdown");
    assert!(
        !shutdown.killed && shutdown.exit_code == Some(0),
        "{shutdown:?}"
    );
}

/// SHA-256 as lowercase hex (what the function prints instead of a value).
fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
