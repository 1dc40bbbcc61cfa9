//! The cost contract: a first sync creates everything; a no-op sync makes one
//! Keywhiz request, fetches nothing and makes ceil(M/100) Secrets Manager
//! calls; a rotation of k secrets fetches exactly k contents.

use crate::common;

use std::collections::BTreeMap;

use common::{name, World};
use syncer::Status;

const M: usize = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_then_no_op_then_rotation() {
    let w = World::start(M).await;
    w.hand_made("keywhiz/hand-made", "by a human").await;
    let syncer = w.syncer(w.settings()).await;

    // First sync: M creates with the right values and tags.
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.created, M as u64);
    assert_eq!(r.contents_fetched, M as u64);
    let expected = w.expected();
    assert_eq!(expected.len(), M);
    assert_eq!(w.synced_values().await, expected);
    let actual = w.actual().await;
    let (value, tags) = &actual["keywhiz/payments@secret-0007"];
    assert_eq!(value, "value-7-v1");
    assert_eq!(tags["keywhiz-name"], "payments:secret-0007");
    assert_eq!(tags["managed-by"], "s2s-keywhiz-syncer");
    assert_eq!(tags["keywhiz-checksum"].len(), 64, "Keywhiz HMAC hex");

    // Second sync: nothing changed.
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let kc = w.keywhiz_counters();
    assert_eq!(kc.total, 1, "one Keywhiz request: {:?}", kc.by_route);
    assert_eq!(kc.count("GET", "/secrets"), 1);
    assert_eq!(kc.count("POST", "/batchsecret"), 0, "no content fetch");
    assert_eq!(r.contents_fetched, 0);
    let pages = (M + 1).div_ceil(100) as u64; // + the hand-made secret
    assert_eq!(w.sm_http.total(), pages, "{:?}", w.sm_http.by_operation());
    assert_eq!(w.sm_http.by_operation().get("ListSecrets"), Some(&pages));
    assert_eq!(r.secretsmanager.total_calls(), pages);
    assert_eq!(r.secretsmanager.calls.get("ListSecrets"), Some(&pages));
    assert_eq!(r.actions.unchanged, M as u64);

    // Rotation of k secrets: exactly k contents, one batch request.
    let k = 7;
    for i in 0..k {
        w.set_secret(
            &name(i * 30),
            &format!("value-{}-v2", i * 30),
            BTreeMap::new(),
        )
        .await;
    }
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.contents_fetched, k as u64);
    assert_eq!(r.actions.updated, k as u64);
    let kc = w.keywhiz_counters();
    assert_eq!(kc.count("POST", "/batchsecret"), 1);
    assert_eq!(kc.total, 2);
    let f = w.sm_http.by_operation();
    assert_eq!(f.get("PutSecretValue"), Some(&(k as u64)));
    assert_eq!(
        f.get("TagResource"),
        Some(&(k as u64)),
        "checksum tag follows"
    );
    assert_eq!(f.get("CreateSecret"), None);
    let values = w.synced_values().await;
    assert_eq!(values, w.expected());
    assert_eq!(values["keywhiz/payments@secret-0030"], "value-30-v2");

    // The hand-made secret survived every run, untouched.
    let actual = w.actual().await;
    let (v, tags) = &actual["keywhiz/hand-made"];
    assert_eq!(v, "by a human");
    assert!(tags.is_empty());
}
