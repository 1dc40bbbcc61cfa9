//! The front ends run the same code path: `cert-issuer once --config FILE`
//! (what `make demo` runs: moto, mock Registry and the local CA, a ledger
//! file), `cert-issuer ca-chain`, and the binary as `bootstrap` under a local
//! Lambda Runtime API: a scheduled event plans and enqueues, an SQS event is
//! worked and answered with `batchItemFailures`.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{seed, spiffe, AppSeed, World};
use mock_common::lambda_runtime::RuntimeApi;
use serde_json::Value;
use x509_parser::prelude::{FromDer, X509Certificate};

const BIN: &str = env!("CARGO_BIN_EXE_cert-issuer");
const A1: &str = "111111111111";
/// How long the bootstrap may take to answer an invocation.
const PATIENCE: Duration = Duration::from_secs(30);

fn world_seed() -> mock_registry::Seed {
    seed(&[AppSeed {
        name: "payments",
        accounts: &[(A1, "staging")],
        on: true,
        functions: &[(A1, "payments-api", "payments-api-role")],
    }])
}

fn settings_json(w: &World, queue: bool) -> Value {
    let mut s = serde_json::json!({
        "trust_domain": common::TRUST_DOMAIN,
        "registry_url": w.registry.base_url(),
        "registry_cert_file": w.identity.cert_path,
        "registry_key_file": w.identity.key_path,
        "registry_ca_file": w.identity.ca_path,
        "mesh_ca_bundle_file": w.pki.ca_path(),
        "ca_backend": "local",
        "local_ca_dir": w.dir.path().join("ca"),
        "ledger_file": w.dir.path().join("ledger.jsonl"),
        "issue_tps": 50,
    });
    if queue {
        s["queue_url"] = w.queue_url.clone().into();
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_once_and_ca_chain_from_a_settings_file() {
    let w = World::start(world_seed()).await;
    let config = w.dir.path().join("cert-issuer.json");
    std::fs::write(&config, settings_json(&w, false).to_string()).expect("config");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .arg("--config")
            .arg(&config)
            .envs(w.moto.env())
            .stdin(Stdio::null())
            .output()
            .expect("run cert-issuer")
    };
    let out = tokio::task::block_in_place(|| run(&["once"]));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    assert_eq!(
        (report["status"].as_str(), report["issued"].as_u64()),
        (Some("ok"), Some(1))
    );
    assert_eq!(
        report["aws"]["calls"]["secretsmanager.GetSecretValue"],
        Value::Null
    );
    // JSON lines; the last one is the report with its EMF metrics; no key material.
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON log line"))
        .collect();
    let done = lines
        .iter()
        .find(|l| l["event"] == "run.done")
        .expect("run.done");
    assert_eq!(
        done["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "s2s/cert-issuer"
    );
    assert_eq!(done["Issued"], 1);
    assert!(!stderr.contains("PRIVATE KEY"), "key material in the log");

    // The CA chain the mesh must trust signs the certificate written.
    let out = tokio::task::block_in_place(|| run(&["ca-chain"]));
    assert_eq!(out.status.code(), Some(0));
    let chain = String::from_utf8(out.stdout).expect("PEM");
    let ca_der = cert_bundle::pem::certificates("ca", &chain).expect("a CA certificate");
    let stored = w.stored(A1, "payments").await.expect("written");
    stored.bundle.check(&spiffe("payments")).expect("bundle");
    let leaf_der = stored.bundle.certificate_chain().expect("chain");
    let (_, leaf) = X509Certificate::from_der(&leaf_der[0]).expect("leaf");
    let (_, ca) = X509Certificate::from_der(&ca_der[0]).expect("ca");
    leaf.verify_signature(Some(ca.public_key()))
        .expect("issued by the published CA");

    // The ledger file remembers: a second run issues nothing.
    let out = tokio::task::block_in_place(|| run(&["once"]));
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(
        (report["issued"].as_u64(), report["skipped"].as_u64()),
        (Some(0), Some(1))
    );

    // Bad settings exit 64 and name the setting.
    let out = tokio::task::block_in_place(|| run(&["once", "--renew-margin-hours", "30"]));
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("renew_margin_hours"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_bootstrap_plans_on_schedule_and_works_sqs_batches() {
    let w = World::start(world_seed()).await;
    let rt = RuntimeApi::start("s2s-cert-issuer")
        .await
        .expect("runtime API");
    rt.push(r#"{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}"#);
    let config = w.dir.path().join("cert-issuer.json");
    std::fs::write(&config, settings_json(&w, true).to_string()).expect("config");
    let mut child = Command::new(BIN)
        .envs(w.moto.env())
        .envs(rt.env())
        .env("CERT_ISSUER_CONFIG", &config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bootstrap");

    let first = rt.wait_for(1, PATIENCE).await;
    assert_eq!(first.len(), 1, "no answer from the bootstrap");
    let plan: Value = serde_json::from_str(&first[0].body).expect("report");
    assert_eq!(
        (plan["mode"].as_str(), plan["enqueued"].as_u64()),
        (Some("plan"), Some(1)),
        "{plan}"
    );
    assert!(
        w.stored(A1, "payments").await.is_none(),
        "planning issues nothing"
    );

    // The event source's batch, from what is in the queue.
    let records: Vec<Value> = w
        .receive()
        .await
        .iter()
        .map(|m| {
            serde_json::json!({"messageId": m.message_id(), "eventSource": "aws:sqs",
                               "body": m.body(), "receiptHandle": m.receipt_handle()})
        })
        .chain(std::iter::once(serde_json::json!({
            "messageId": "garbage", "eventSource": "aws:sqs", "body": "not a job"
        })))
        .collect();
    assert_eq!(records.len(), 2);
    rt.push(serde_json::json!({ "Records": records }).to_string());
    let second = rt.wait_for(2, PATIENCE).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(second.len(), 2, "no second answer from the bootstrap");
    assert_eq!(
        (second[1].request_id.as_str(), second[1].kind.as_str()),
        ("req-2", "response")
    );
    let answer: Value = serde_json::from_str(&second[1].body).expect("answer");
    assert_eq!(
        answer,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "garbage"}]})
    );
    let stored = w.stored(A1, "payments").await.expect("worked");
    stored.bundle.check(&spiffe("payments")).expect("bundle");
}
