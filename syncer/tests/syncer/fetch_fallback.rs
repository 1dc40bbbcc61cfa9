//! Keywhiz answers `POST /batchsecret` all-or-nothing: one secret revoked or
//! deleted between the listing and the fetch fails the whole batch. The
//! syncer then asks for each name on its own, keeps what it may still read,
//! and marks the rest as gone.

use crate::common;

use common::{b64, name, World};
use keywhiz_client::{ClientConfig, KeywhizClient, RetryPolicy};
use syncer::source::{fetch, Calls};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_falls_back_to_one_request_per_name() {
    let w = World::start(3).await;
    // Revoke one of the app's secrets after it was "listed".
    w.grant(&name(2), false).await;
    let app = KeywhizClient::new(
        &ClientConfig::from_files(
            w.kw.base_url(),
            &w.identity.cert_path,
            &w.identity.key_path,
            &w.identity.ca_path,
        )
        .expect("app identity")
        .with_retry(RetryPolicy::none()),
    )
    .expect("app client");
    let names: Vec<String> = (0..3).map(name).collect();
    w.clear_counters();
    let calls = Calls::default();

    let contents = fetch(&app, &names, 100, &calls).await;

    // The two readable secrets arrive with their contents; the revoked one is gone.
    assert_eq!(contents.fetched.len(), 2, "{:?}", contents.fetched.keys());
    for i in 0..2 {
        let fetched = &contents.fetched[&name(i)];
        assert_eq!(
            fetched.content.expose_base64(),
            b64(&format!("value-{i}-v1"))
        );
    }
    assert_eq!(contents.gone, vec![name(2)]);
    assert!(contents.failed.is_empty(), "{:?}", contents.failed);
    // One batch that failed, then one request per name, as counted by Keywhiz.
    let seen = w.keywhiz_counters();
    assert_eq!(seen.count("POST", "/batchsecret"), 1);
    let singles: u64 = names
        .iter()
        .map(|n| seen.count("GET", &format!("/secret/{n}")))
        .sum();
    assert_eq!(singles, 3, "{:?}", seen.by_route);
    assert_eq!(calls.total(), 4);
}
