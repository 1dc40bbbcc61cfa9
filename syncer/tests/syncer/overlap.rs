//! Two runs at once on one account (the module reserves one concurrent
//! execution, so Lambda itself never starts a second; an operator's run or a
//! retry could still overlap one): harmless. Both plan the same writes with
//! the same checksum-derived ClientRequestTokens, so a repeated write is
//! ignored or fails alone and leaves the winner's value; the state is right
//! afterwards and the next run has nothing to do.

use crate::common;

use common::World;
use syncer::{Settings, Status};

const M: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_overlapping_runs_leave_the_right_state() {
    let w = World::start(M).await;
    let settings = Settings {
        resource_policy: Some(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyThisAccount","Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}}]}"#
                .into(),
        ),
        ..w.settings()
    };
    let (a, b) = (
        w.syncer(settings.clone()).await,
        w.syncer(settings.clone()).await,
    );
    let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
    for r in [&ra, &rb] {
        assert!(
            matches!(r.status, Status::Ok | Status::Partial),
            "an overlapping run fails only its lost races: {r:?}"
        );
    }
    // Between them every secret was created (a create repeated with the same
    // token and value is idempotent, so both may count it; neither more).
    let created = ra.actions.created + rb.actions.created;
    assert!((M as u64..=2 * M as u64).contains(&created), "{created}");
    assert_eq!(w.synced_values().await, w.expected());

    // One version per secret: the two runs wrote the same version id.
    for name in w.expected().keys() {
        let v = w
            .check
            .list_secret_version_ids()
            .secret_id(name)
            .send()
            .await
            .expect("versions");
        assert_eq!(v.versions().len(), 1, "{name}: {:?}", v.versions());
    }

    // The next run has nothing to do: whatever a lost race left is repaired.
    let r = w.syncer(settings).await.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let fixed = r.actions.retagged + r.actions.policies_repaired;
    assert_eq!(r.actions.created + r.actions.updated, 0, "{:?}", r.actions);
    assert_eq!(r.actions.unchanged + fixed, M as u64, "{:?}", r.actions);
}
