//! The two front ends run the same code path: `syncer once --config FILE`
//! (exit codes, JSON report on stdout) and the Lambda binary (`bootstrap`
//! with no arguments) against a local Lambda Runtime API.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{assert_none_in, World};
use mock_common::lambda_runtime::RuntimeApi;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_syncer");

fn base_env(w: &World) -> Vec<(String, String)> {
    w.moto.env()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_once_with_a_config_file() {
    let w = World::start(12).await;
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("syncer.json");
    let settings = serde_json::json!({
        "app": common::APP,
        "trust_domain": common::TRUST_DOMAIN,
        "keywhiz_url": w.kw.base_url(),
        "keywhiz_ca_file": w.kw.ca_path(),
        "write_tps": 10
    });
    std::fs::write(&config, settings.to_string()).expect("config");
    let run = |extra: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(["once", "--config"])
            .arg(&config)
            .args(extra)
            .envs(base_env(&w))
            .stdin(Stdio::null());
        cmd.output().expect("run syncer")
    };
    let out = tokio::task::block_in_place(|| run(&["--write-tps", "50"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    assert_eq!(report["status"], "ok");
    assert_eq!(report["actions"]["created"], 12);
    assert_eq!(w.synced_values().await, w.expected());
    // Logs are JSON lines on stderr; neither they nor the report carry any value the
    // run wrote, nor the key it authenticated with.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines() {
        let v: Value = serde_json::from_str(line).expect("JSON log line");
        assert!(v["event"].is_string());
    }
    let secrets = w.never_logged();
    assert_none_in(&secrets, "the log", &stderr);
    assert_none_in(
        &secrets,
        "the report",
        &String::from_utf8_lossy(&out.stdout),
    );

    // Refused deletes exit 3.
    w.evict_app().await;
    let out = tokio::task::block_in_place(|| run(&[]));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(w.synced_values().await.len(), 12);
    assert_none_in(&secrets, "the log", &String::from_utf8_lossy(&out.stderr));

    // Bad settings exit 64 and name the setting.
    let out = tokio::task::block_in_place(|| run(&["--max-delete-share", "2"]));
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_delete_share"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_bootstrap_serves_invocations_with_clients_built_once() {
    let w = World::start(5).await;
    let rt = RuntimeApi::start("keywhiz-syncer")
        .await
        .expect("runtime API");
    let scheduled = r#"{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}"#;
    rt.push(scheduled);
    rt.push(scheduled);
    let mut child = Command::new(BIN)
        .envs(base_env(&w))
        .envs(rt.env())
        .env("SYNCER_APP", common::APP)
        .env("SYNCER_TRUST_DOMAIN", common::TRUST_DOMAIN)
        .env("SYNCER_KEYWHIZ_URL", w.kw.base_url())
        .env("SYNCER_KEYWHIZ_CA_FILE", w.kw.ca_path())
        .env("SYNCER_WRITE_TPS", "50")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bootstrap");
    // Drained as it comes, so a full pipe never stalls the function.
    let mut stderr = child.stderr.take().expect("stderr");
    let logged = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let responses = rt.wait_for(2, Duration::from_secs(30)).await;
    let _ = child.kill();
    let _ = child.wait();
    let logged = logged.join().expect("stderr reader");
    assert_eq!(responses.len(), 2, "{responses:?}");
    assert_eq!(
        (responses[0].request_id.as_str(), responses[0].kind.as_str()),
        ("req-1", "response")
    );
    let first: Value = serde_json::from_str(&responses[0].body).expect("report");
    assert_eq!(first["actions"]["created"], 5);
    assert_eq!(
        first["secretsmanager"]["calls"]["GetSecretValue"], 1,
        "identity read"
    );
    let second: Value = serde_json::from_str(&responses[1].body).expect("report");
    assert_eq!(second["status"], "ok");
    // Same process, same clients: the identity is not read again.
    assert_eq!(
        second["secretsmanager"]["calls"],
        serde_json::json!({"ListSecrets": 1}),
        "{second}"
    );
    assert_eq!(w.synced_values().await, w.expected());
    // What CloudWatch would get, and what the invocations returned, carry no secret.
    let secrets = w.never_logged();
    assert_none_in(&secrets, "the function's log", &logged);
    for answer in &responses {
        assert_none_in(&secrets, "an invocation's response", &answer.body);
    }
}
