//! Under Secrets Manager throttling (30% of calls) and Keywhiz faults (30% of
//! requests), repeated runs write what they can, leave the rest, and converge
//! to exactly the Keywhiz state; then a run is a no-op.
//!
//! The faults come from a seed: `S2S_FAULT_SEED` to replay or explore, else a fixed one.
//! The syncer's Keywhiz requests are sequential, so with one seed the mock's draws meet
//! the same requests in the same order on every run, whatever the machine's load.

use crate::common;

use std::collections::BTreeMap;

use common::{name, World};
use mock_common::Faults;
use runtime_support::aws_http::Fault;
use syncer::Status;

const M: usize = 60;

/// A seed whose first draw is a fault: each phase starts with a failed listing.
const SEED: u64 = 7;

async fn converge(w: &World, syncer: &syncer::Syncer, what: &str) -> usize {
    for run in 1..=12 {
        let r = syncer.run_once().await;
        assert_ne!(r.status, Status::DeletesRefused, "{what}: {r:?}");
        if r.status == Status::Ok && w.synced_values().await == w.expected() {
            return run;
        }
    }
    panic!("{what}: did not converge in 12 runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_both_sides_converge_to_keywhiz() {
    let w = World::start(M).await;
    w.hand_made("keywhiz/hand-made", "mine").await;
    let settings = syncer::Settings {
        // Few retries, so that some calls really fail and are left for later.
        sm_attempts: 2,
        keywhiz_attempts: 2,
        ..w.settings()
    };
    let syncer = w.syncer(settings).await;
    let seed = mock_common::faults::env_seed()
        .expect("S2S_FAULT_SEED")
        .unwrap_or(SEED);
    let keywhiz_faults = Faults {
        error_rate: 0.2,
        throttle_rate: 0.1,
        seed: Some(seed),
        ..Faults::none()
    };
    // The premise, checked before relying on it (every `set_faults` restarts the draws
    // from the seed, so this holds for both phases).
    let first = keywhiz_faults.preview(1).expect("preview");
    assert!(
        first[0].1.is_some(),
        "seed {seed} does not fault the first Keywhiz request; this test needs one that does"
    );
    let faults_on = |on: bool| {
        w.sm_http.set_faults(
            if on { 0.3 } else { 0.0 },
            &["secretsmanager"],
            &[Fault::Throttle],
            seed,
        );
        let f = if on {
            keywhiz_faults.clone()
        } else {
            Faults::none()
        };
        w.kw.server().set_faults(f).expect("faults");
    };
    faults_on(true);

    let keywhiz_faulted = || w.kw.server().counters().faults.values().sum::<u64>();
    let runs = converge(&w, &syncer, "initial").await;
    eprintln!("initial sync converged in {runs} runs");
    let initial_faults = keywhiz_faulted();
    assert!(initial_faults > 0, "Keywhiz faults were injected (initial)");

    // Rotate, add, and remove a few (faults off for the admin); converge again.
    faults_on(false);
    for i in 0..6 {
        w.set_secret(&name(i), &format!("value-{i}-v2"), BTreeMap::new())
            .await;
    }
    w.add_secret("payments:added", "new one").await;
    for i in 50..55 {
        w.grant(&name(i), false).await;
    }
    faults_on(true);
    let runs = converge(&w, &syncer, "changes").await;
    eprintln!("changes converged in {runs} runs");

    assert!(
        keywhiz_faulted() > initial_faults,
        "Keywhiz faults were injected (changes)"
    );
    assert!(
        w.sm_http.injected().get("throttle").is_some_and(|n| *n > 0),
        "throttling was injected"
    );

    // Exact state: values equal Keywhiz, tags name the original and the checksum.
    faults_on(false);
    let actual = w.actual().await;
    assert_eq!(actual["keywhiz/hand-made"].0, "mine");
    let expected = w.expected();
    assert_eq!(w.synced_values().await, expected);
    let (v, tags) = &actual["keywhiz/payments@added"];
    assert_eq!(v, "new one");
    assert_eq!(tags["keywhiz-name"], "payments:added");

    // And a run now is a no-op.
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok);
    assert_eq!(r.contents_fetched, 0);
    assert_eq!(w.keywhiz_counters().total, 1);
    assert_eq!(w.sm_http.total(), 1, "{:?}", w.sm_http.by_operation());
}
