//! The two things the syncer's README promises around settings and the end
//! of an app, against moto and mock-keywhiz: without a configured Keywhiz CA
//! the identity secret's `ca_bundle` verifies Keywhiz; and once an app's
//! grants are gone, the guard refuses the mass delete until the explicit
//! decommissioning run deletes the mirror (recovery window, hand-made
//! secrets untouched), after which runs are quiet.

use crate::common;

use common::{name, World};
use syncer::{lambda, Status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_secret_may_bring_the_keywhiz_ca() {
    let w = World::start(3).await;
    // The one bundle format (cert-bundle), whose ca_bundle is the mock's CA.
    w.put_identity(&w.identity, "s2s/payments/tls-with-ca")
        .await;
    let mut settings = w.settings();
    settings.keywhiz_ca_file = None;
    settings.keywhiz_ca_pem = None;
    settings.identity_secret = Some("s2s/payments/tls-with-ca".into());
    let report = w.syncer(settings).await.run_once().await;
    assert_eq!(report.status, Status::Ok, "{report:?}");
    assert_eq!(report.actions.created, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decommissioned_app_is_cleaned_up_by_the_explicit_run() {
    const M: usize = 4;
    let w = World::start(M).await;
    w.hand_made("keywhiz/hand-made", "keep me").await;
    let syncer = w.syncer(w.settings()).await;
    assert_eq!(syncer.run_once().await.actions.created, M as u64);

    // The app's assignments are destroyed: every grant is revoked.
    for i in 0..M {
        w.grant(&name(i), false).await;
    }
    let refused = syncer.run_once().await;
    assert_eq!(refused.status, Status::DeletesRefused, "{refused:?}");
    assert_eq!(
        w.synced_values().await.len(),
        M,
        "the guard deleted nothing"
    );

    // The explicit run, as the Lambda gets it from `aws lambda invoke`.
    w.clear_counters();
    let done = lambda::handle(&syncer, &serde_json::json!({"decommission": true}))
        .await
        .expect("decommissioned");
    assert_eq!(done["status"], "ok", "{done}");
    assert_eq!(done["actions"]["deleted"], M as u64);
    assert_eq!(w.keywhiz_counters().total, 0, "Keywhiz is not asked");
    assert_eq!(
        w.sm_http.by_operation().get("DeleteSecret"),
        Some(&(M as u64))
    );
    assert!(w.synced_values().await.is_empty());
    let left = w.actual().await;
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        vec!["keywhiz/hand-made"],
        "hand-made secrets stay"
    );

    // Afterwards the scheduled runs are quiet: nothing left to delete.
    let quiet = syncer.run_once().await;
    assert_eq!(quiet.status, Status::Ok, "{quiet:?}");
    assert_eq!(quiet.actions.deleted + quiet.actions.deletes_refused, 0);
}
