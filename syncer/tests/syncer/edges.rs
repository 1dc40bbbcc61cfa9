//! Real-world edges: recovery-window restore, out-of-band edits, rotation
//! back to an earlier value, expiry warnings, checksum-less secrets, binary values.

use crate::common;

use std::collections::BTreeMap;

use common::{name, World};
use runtime_support::aws_http::Answer;
use syncer::Status;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_then_returning_secret_is_restored_not_recreated() {
    let w = World::start(10).await;
    let syncer = w.syncer(w.settings()).await;
    assert_eq!(syncer.run_once().await.status, Status::Ok);

    w.grant(&name(3), false).await;
    let r = syncer.run_once().await;
    assert_eq!(r.actions.deleted, 1, "{r:?}");

    // Back, with a new value: restore + write, not a (failing) create.
    w.set_secret(&name(3), "value-3-v2", BTreeMap::new()).await;
    w.grant(&name(3), true).await;
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.restored, 1);
    assert_eq!(r.actions.updated, 1);
    let f = w.sm_http.by_operation();
    assert_eq!(f.get("RestoreSecret"), Some(&1));
    assert_eq!(f.get("CreateSecret"), None);
    assert_eq!(w.synced_values().await, w.expected());

    // Back with the same value: only a restore, no content fetched.
    w.grant(&name(4), false).await;
    assert_eq!(syncer.run_once().await.actions.deleted, 1);
    w.grant(&name(4), true).await;
    let r = syncer.run_once().await;
    assert_eq!(r.actions.restored, 1, "{r:?}");
    assert_eq!(r.contents_fetched, 0);
    assert_eq!(w.synced_values().await, w.expected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_band_edits_are_repaired_without_reading_values() {
    let w = World::start(5).await;
    let syncer = w.syncer(w.settings()).await;
    assert_eq!(syncer.run_once().await.status, Status::Ok);

    // Someone writes a value by hand.
    w.check
        .put_secret_value()
        .secret_id("keywhiz/payments@secret-0002")
        .secret_string("tampered")
        .send()
        .await
        .expect("tamper");
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.restaged, 1);
    assert_eq!(r.contents_fetched, 0, "the syncer's version is still there");
    assert_eq!(w.keywhiz_counters().total, 1);
    assert_eq!(w.sm_http.by_operation().get("GetSecretValue"), None);
    assert_eq!(w.synced_values().await, w.expected());

    // A rotation A -> B -> A relabels the old version instead of writing.
    w.set_secret(&name(1), "value-1-B", BTreeMap::new()).await;
    assert_eq!(syncer.run_once().await.actions.updated, 1);
    w.set_secret(&name(1), "value-1-v1", BTreeMap::new()).await;
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.actions.restaged, 1, "{r:?}");
    assert_eq!(r.contents_fetched, 0);
    assert_eq!(w.sm_http.by_operation().get("PutSecretValue"), None);
    assert_eq!(w.synced_values().await, w.expected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_secrets_are_reported_and_tagged() {
    let w = World::start(2).await;
    let now = syncer::clock::now_epoch();
    let soon = BTreeMap::from([("expiry".to_owned(), (now + 3 * 86_400).to_string())]);
    let later = BTreeMap::from([("expiry".to_owned(), (now + 90 * 86_400).to_string())]);
    w.set_secret(&name(0), "value-0-v1", soon).await;
    w.set_secret(&name(1), "value-1-v1", later).await;
    let syncer = w.syncer(w.settings()).await;
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.expiring.len(), 1);
    assert_eq!(r.expiring[0].name, name(0));
    let actual = w.actual().await;
    let t0 = &actual["keywhiz/payments@secret-0000"].1;
    assert_eq!(t0.get("keywhiz-expiring").map(String::as_str), Some("true"));
    assert!(t0["keywhiz-expiry"].ends_with('Z'));
    let t1 = &actual["keywhiz/payments@secret-0001"].1;
    assert_eq!(t1.get("keywhiz-expiring"), None);
    assert!(t1.contains_key("keywhiz-expiry"));
    // Stable: the next run changes nothing.
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.actions.unchanged, 2, "{r:?}");
    assert_eq!(w.sm_http.total(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_values_and_dry_runs() {
    let w = World::start(1).await;
    // Not UTF-8: stored as SecretBinary, byte for byte.
    w.admin
        .create_or_update_secret(
            "payments:keystore.p12",
            &keywhiz_client::CreateOrUpdateSecretRequest {
                content: keywhiz_client::SecretContent::from_bytes(&[0xff, 0x00, 0xfe, 0x80]),
                ..Default::default()
            },
        )
        .await
        .expect("binary secret");
    w.grant("payments:keystore.p12", true).await;

    let dry = w
        .syncer(syncer::Settings {
            dry_run: true,
            ..w.settings()
        })
        .await;
    w.clear_counters();
    let r = dry.run_once().await;
    assert_eq!(r.status, Status::Ok);
    assert_eq!(r.actions.created, 0);
    assert_eq!(w.keywhiz_counters().count("POST", "/batchsecret"), 0);
    assert_eq!(w.sm_http.by_operation().get("CreateSecret"), None);

    let r = w.syncer(w.settings()).await.run_once().await;
    assert_eq!(r.actions.created, 2, "{r:?}");
    let v = w
        .check
        .get_secret_value()
        .secret_id("keywhiz/payments@keystore.p12")
        .send()
        .await
        .expect("get");
    assert_eq!(
        v.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(vec![0xff, 0x00, 0xfe, 0x80])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_content_fetches_are_left_for_the_next_run() {
    let w = World::start(10).await;
    let syncer = w.syncer(w.settings()).await;
    assert_eq!(syncer.run_once().await.status, Status::Ok);
    let before = w.synced_values().await;
    for i in 0..3 {
        w.set_secret(&name(i), &format!("value-{i}-v2"), BTreeMap::new())
            .await;
    }
    w.kw.server()
        .set_faults(mock_common::Faults {
            error_rate: 1.0,
            path_prefix: "/batchsecret".into(),
            ..mock_common::Faults::none()
        })
        .expect("faults");
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Partial, "{r:?}");
    assert_eq!(r.actions.failed, 3);
    assert_eq!(r.failures.keywhiz, 3, "{r:?}");
    assert_eq!(r.contents_fetched, 0);
    assert_eq!(w.sm_http.by_operation().get("PutSecretValue"), None);
    assert_eq!(w.sm_http.by_operation().get("DeleteSecret"), None);
    assert_eq!(w.synced_values().await, before, "old values stay");

    w.kw.server()
        .set_faults(mock_common::Faults::none())
        .expect("faults");
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.updated, 3);
    assert_eq!(w.synced_values().await, w.expected());
}

/// A failed write is counted by its kind, read from the error's type and the service's
/// code, never its message: throttled, permission, not found, conflict, unavailable (a 5xx
/// or a broken connection), other. The other secrets are written, and the next run
/// converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_writes_are_counted_by_kind() {
    let w = World::start(8).await;
    let settings = syncer::Settings {
        sm_attempts: 2,
        ..w.settings()
    };
    let syncer = w.syncer(settings).await;
    assert_eq!(syncer.run_once().await.status, Status::Ok);
    let refusals = [
        Answer::Error {
            status: 400,
            code: "ThrottlingException",
        },
        Answer::Error {
            status: 400,
            code: "AccessDeniedException",
        },
        Answer::Error {
            status: 400,
            code: "ResourceNotFoundException",
        },
        Answer::Error {
            status: 400,
            code: "InvalidRequestException",
        },
        Answer::Error {
            status: 500,
            code: "InternalServiceError",
        },
        Answer::ConnectionReset,
        Answer::Error {
            status: 400,
            code: "LimitExceededException",
        },
    ];
    for (i, answer) in refusals.iter().enumerate() {
        w.set_secret(&name(i), &format!("value-{i}-v2"), BTreeMap::new())
            .await;
        let sm_name = s2s_core::secretsmanager_name_for_keywhiz(&name(i)).expect("name");
        w.sm_http
            .refuse("secretsmanager.PutSecretValue", &sm_name, answer.clone());
    }
    let changed = refusals.len() + 1;
    w.set_secret(&name(7), "value-7-v2", BTreeMap::new()).await;

    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Partial, "{r:?}");
    assert_eq!(r.error, None);
    assert_eq!(r.contents_fetched, changed as u64);
    assert_eq!(r.actions.updated, 1, "only the unrefused one: {r:?}");
    assert_eq!(r.actions.failed, refusals.len() as u64);
    let report = serde_json::to_value(&r).expect("report JSON");
    assert_eq!(
        report["failures"],
        serde_json::json!({"throttled": 1, "permission": 1, "not_found": 1, "conflict": 1,
                           "unavailable": 2, "keywhiz": 0, "other": 1}),
        "{report}"
    );
    // Every refused write was tried (the SDK retries some of them), none reached moto.
    assert!(w.sm_http.refused() >= refusals.len() as u64);
    assert_eq!(w.sm_http.by_operation().get("PutSecretValue"), Some(&1));

    w.sm_http.clear_refusals();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.updated, refusals.len() as u64);
    assert_eq!(r.failures, syncer::report::Failures::default());
    assert_eq!(w.synced_values().await, w.expected());
}
