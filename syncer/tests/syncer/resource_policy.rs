//! Every synced secret carries the bundle's resource policy
//! (`iam/secret-keywhiz-resource`, which keeps an account's administrators
//! away from the values): put on create, repaired when missing or stale, put
//! back after an out-of-band edit on a verifying run, counted in the report,
//! and free on a no-op run (the digest tag says it is in place).

use crate::common;

use std::collections::BTreeMap;

use ::policy::Bundle;
use common::{World, APP};
use syncer::{policy, tags, Settings, Status};

const M: usize = 120;

fn rendered(account: &str) -> String {
    let params: BTreeMap<String, String> = [("account_id", account), ("app", APP)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let b = Bundle::embedded().expect("bundle");
    let json = b
        .render("iam/secret-keywhiz-resource", &params)
        .expect("render");
    ::policy::minify(&json)
}

async fn policy_of(w: &World, name: &str) -> Option<String> {
    w.check
        .get_resource_policy()
        .secret_id(name)
        .send()
        .await
        .expect("get policy")
        .resource_policy()
        .map(str::to_owned)
}

async fn untag_digest(w: &World, name: &str) {
    w.check
        .untag_resource()
        .secret_id(name)
        .tag_keys(tags::KEYWHIZ_POLICY)
        .send()
        .await
        .expect("untag");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_secret_carries_the_bundle_s_resource_policy() {
    let w = World::start(M).await;
    let want = rendered("123456789012");
    let with_policy = Settings {
        resource_policy: Some(want.clone()),
        ..w.settings()
    };
    let digest = policy::digest(&want).expect("digest");

    // Created secrets carry the policy and its digest.
    let r = w.syncer(with_policy.clone()).await.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.created, M as u64);
    let f = w.sm_http.by_operation();
    assert_eq!(f.get("PutResourcePolicy"), Some(&(M as u64)), "{f:?}");
    let actual = w.actual().await;
    assert_eq!(actual.len(), M);
    for (name, (_, t)) in &actual {
        assert_eq!(t.get(tags::KEYWHIZ_POLICY), Some(&digest), "{name}");
    }
    let some = "keywhiz/payments@secret-0007";
    let have = policy_of(&w, some).await.expect("a policy");
    assert!(policy::same(&have, &want), "{have}");

    // A no-op run costs what it cost before there were policies: the listing only.
    let pages = M.div_ceil(100) as u64;
    w.clear_counters();
    let r = w.syncer(with_policy.clone()).await.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.unchanged, M as u64);
    assert_eq!(r.actions.policies_repaired, 0);
    let f = w.sm_http.by_operation();
    // ListSecrets pages plus the one read of the syncer's own certificate.
    let identity_reads = f.get("GetSecretValue").copied().unwrap_or(0);
    assert_eq!(f.get("ListSecrets"), Some(&pages), "{f:?}");
    assert_eq!(w.sm_http.total(), pages + identity_reads, "{f:?}");
    assert!(identity_reads <= 1, "{f:?}");

    // A missing policy (a secret synced before policies, or one removed outside
    // the guardrails: no digest tag) is put back on the next plain run.
    w.check
        .delete_resource_policy()
        .secret_id(some)
        .send()
        .await
        .expect("delete policy");
    untag_digest(&w, some).await;
    assert_eq!(policy_of(&w, some).await, None);
    let r = w.syncer(with_policy.clone()).await.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.policies_repaired, 1, "{:?}", r.actions);
    assert!(policy::same(
        &policy_of(&w, some).await.expect("back"),
        &want
    ));

    // An edited policy with the tag left alone is seen by a verifying run.
    let edited = want.replace("role/app/payments/*", "role/*");
    w.check
        .put_resource_policy()
        .secret_id(some)
        .resource_policy(&edited)
        .send()
        .await
        .expect("edit policy");
    w.clear_counters();
    let verify = Settings {
        verify_resource_policies: true,
        ..with_policy.clone()
    };
    let r = w.syncer(verify).await.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.policies_repaired, 1, "{:?}", r.actions);
    let f = w.sm_http.by_operation();
    assert_eq!(f.get("GetResourcePolicy"), Some(&(M as u64)), "{f:?}");
    assert_eq!(f.get("PutResourcePolicy"), Some(&1), "{f:?}");
    assert!(policy::same(
        &policy_of(&w, some).await.expect("back"),
        &want
    ));

    // A new rendering (the bundle or the module's inputs changed): every
    // secret gets it on the next run, and the report counts them.
    let newer = rendered("210987654321");
    let r = w
        .syncer(Settings {
            resource_policy: Some(newer.clone()),
            ..w.settings()
        })
        .await
        .run_once()
        .await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.policies_repaired, M as u64);
    assert!(policy::same(
        &policy_of(&w, some).await.expect("new"),
        &newer
    ));
}
