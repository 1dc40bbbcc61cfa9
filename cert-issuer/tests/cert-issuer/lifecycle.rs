//! The whole life of a certificate, against moto, mock Registry and the local
//! CA, as a user would check it: flag on → one bundle per account (24 h, the
//! SPIFFE ID as the only SAN, the X509-SVID shape, chaining to the mesh root,
//! the bundle's resource policy, written policy-first); a run within the
//! margin issues nothing and calls no account; at the margin it renews with
//! overlap; a new function widens the readers; an account removed and then
//! the flag off delete the secrets; and the issuer never reads a value.

use crate::common;

use cert_issuer::clock::Clock;
use cert_issuer::target::{Target, TargetKey};
use cert_issuer::Status;
use common::{chains_to_the_mesh_root, seed, spiffe, AppSeed, World, HOUR};
use policy::eval::{NamedPolicy, PolicySet, Request, RequestPrincipal};
use policy::{evaluate, Context, Policy};
use registry_client::{Account, AppSpec, Environment, FunctionSpec};

const A1: &str = "111111111111";
const A2: &str = "222222222222";

fn target(account: &str, roles: &[&str]) -> Target {
    Target {
        key: TargetKey {
            app: "payments".into(),
            account_id: account.into(),
        },
        environment: "staging".into(),
        spiffe_id: spiffe("payments"),
        reader_roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("JSON")
}

/// What the policy engine decides for a request against the stored policy,
/// with an identity policy that allows everything (the worst case).
fn decide(policy: &str, principal: &str, action: &str, secret_account: &str) -> bool {
    let allow_all = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}}"#,
    )
    .expect("policy");
    let set = PolicySet {
        identity: vec![NamedPolicy::new("admin", allow_all)],
        resource: Some(NamedPolicy::new(
            "iam/secret-cert-resource",
            Policy::parse(policy).expect("the stored policy parses"),
        )),
        ..PolicySet::default()
    };
    let request = Request {
        principal: RequestPrincipal::role(principal),
        action: action.into(),
        resource: format!(
            "arn:aws:secretsmanager:us-east-1:{secret_account}:secret:s2s/payments/tls-AbCdEf"
        ),
        resource_account: None,
        context: Context::new(),
    };
    evaluate(&request, &set).allowed
}

fn engine_proves_who_reads(policy: &str) {
    let role = |path: &str| format!("arn:aws:iam::{A1}:role/{path}");
    let read = "secretsmanager:GetSecretValue";
    assert!(decide(
        policy,
        &role("app/payments/payments-api-role"),
        read,
        A1
    ));
    assert!(decide(policy, &role("platform/keywhiz-syncer"), read, A1));
    for (who, why) in [
        (role("app/orders/orders-api-role"), "another app's role"),
        (
            role("app/payments/unregistered"),
            "an app role Registry does not list",
        ),
        (role("platform/s2s-cert-writer"), "the writer"),
        (role("admin"), "an administrator of the account"),
        (
            format!("arn:aws:iam::{A2}:role/app/payments/payments-api-role"),
            "the same role name in another account",
        ),
    ] {
        assert!(
            !decide(policy, &who, read, A1),
            "{why} can read the certificate"
        );
    }
    for write in [
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
        "secretsmanager:PutResourcePolicy",
    ] {
        assert!(
            !decide(policy, &role("platform/keywhiz-syncer"), write, A1),
            "the syncer may {write}"
        );
    }
    assert!(decide(
        policy,
        &role("platform/s2s-cert-writer"),
        "secretsmanager:PutSecretValue",
        A1
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_on_issues_renews_at_the_margin_and_flag_off_deletes() {
    let w = World::start(seed(&[
        AppSeed {
            name: "payments",
            accounts: &[(A1, "staging"), (A2, "production")],
            on: true,
            functions: &[
                (A1, "payments-api", "payments-api-role"),
                (A1, "payments-worker", "payments-worker-role"),
            ],
        },
        AppSeed {
            name: "orders",
            accounts: &[(A1, "staging")],
            on: false,
            functions: &[(A1, "orders-api", "orders-api-role")],
        },
    ]))
    .await;
    let issuer = w.issuer(w.settings());
    let t0 = w.clock.now();

    // 1. Flag on: one certificate per listed account.
    let r = issuer.once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(
        (r.listed, r.due, r.issued, r.ca_requests),
        (2, 2, 2, 2),
        "{r:?}"
    );
    assert_eq!(w.ca.issued(), 2);
    let mut first = Vec::new();
    for (account, roles) in [
        (A1, vec!["payments-api-role", "payments-worker-role"]),
        (A2, vec![]),
    ] {
        let s = w
            .stored(account, "payments")
            .await
            .expect("the certificate secret");
        let leaf = s
            .bundle
            .check(&spiffe("payments"))
            .expect("the app's bundle");
        leaf.check_issued()
            .expect("one URI SAN, not a CA, KU digitalSignature (critical), EKU client+server");
        let life = leaf.not_after - leaf.not_before;
        assert!((life - 24 * HOUR).abs() <= 60, "lifetime {life} s");
        assert!((leaf.not_before - (t0 - 60)).abs() <= 60);
        assert!(
            chains_to_the_mesh_root(&s.bundle),
            "leaf → issuing CA → mesh root"
        );
        assert_eq!(
            s.bundle.ca_bundle,
            w.pki.ca_pem(),
            "ca_bundle is the mesh roots"
        );
        let tags = cert_bundle::BundleTags::from_tags(
            s.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        assert_eq!(tags, Some(s.bundle.tags().expect("tags")));
        assert_eq!(
            s.tags.get("managed-by").map(String::as_str),
            Some("s2s-cert-issuer")
        );
        let want = cert_issuer::policy::resource_policy(&target(account, &roles)).expect("render");
        let got = s.policy.clone().expect("a resource policy");
        assert_eq!(
            json(&got),
            json(&want),
            "the bundle's policy for {account}'s roles"
        );
        if account == A1 {
            engine_proves_who_reads(&got);
        }
        first.push(s);
    }
    // Policy before value, value before the lifetime tags; the create carries no value.
    let sm: Vec<(String, bool)> = w
        .http
        .seen()
        .into_iter()
        .filter(|s| s.op.starts_with("secretsmanager."))
        .map(|s| {
            (
                s.op.trim_start_matches("secretsmanager.").to_owned(),
                s.has_value,
            )
        })
        .collect();
    let one = [
        ("DescribeSecret", false),
        ("CreateSecret", false),
        ("PutResourcePolicy", false),
        ("PutSecretValue", true),
        ("TagResource", false),
    ];
    let want: Vec<(String, bool)> = one
        .iter()
        .chain(one.iter())
        .map(|(o, v)| (o.to_string(), *v))
        .collect();
    assert_eq!(sm, want);
    assert!(
        w.stored(A1, "orders").await.is_none(),
        "flag off: nothing for orders"
    );

    // 2. Within the margin: nothing issued, no account touched.
    w.http.clear();
    w.clock.advance(HOUR);
    let r = issuer.once().await;
    assert_eq!(
        (r.status, r.due, r.issued, r.skipped, r.ca_requests),
        (Status::Ok, 0, 0, 2, 0),
        "{r:?}"
    );
    assert_eq!(w.ca.issued(), 2);
    let calls = w.http.counts();
    assert!(
        calls.keys().all(|op| op.starts_with("dynamodb.")),
        "{calls:?}"
    );

    // Registry down: nothing is issued or deleted and no account is touched,
    // and the nearest expiry still reaches the alarm, from the ledger: fine
    // an hour in, below the alarm's 6 h when renewals have failed for 7 h.
    w.registry
        .server()
        .set_faults(mock_common::Faults {
            error_rate: 1.0,
            ..mock_common::Faults::none()
        })
        .expect("faults");
    w.http.clear();
    let r = issuer.once().await;
    assert_eq!(
        (
            r.status,
            r.ledger,
            r.issued,
            r.deleted,
            r.ca_requests,
            r.expiring
        ),
        (Status::Failed, 2, 0, 0, 0, 0),
        "{r:?}"
    );
    let left = r.min_remaining_secs.expect("from the ledger");
    assert!((left - (24 * HOUR - HOUR - 60)).abs() <= 60, "{left}");
    w.clock.set(t0 + 19 * HOUR);
    let r = issuer.once().await;
    assert_eq!(
        (r.status, r.issued, r.expiring),
        (Status::Failed, 0, 2),
        "{r:?}"
    );
    let left = r.min_remaining_secs.expect("from the ledger");
    assert!((left - (5 * HOUR - 60)).abs() <= 60, "{left}");
    let calls = w.http.counts();
    assert!(
        calls.keys().all(|op| op.starts_with("dynamodb.")),
        "Registry down: only the ledger is read, {calls:?}"
    );
    w.registry
        .server()
        .set_faults(mock_common::Faults::none())
        .expect("faults off");

    // 3. At the margin: renewed, and the old certificate is still valid.
    w.clock.set(t0 + 12 * HOUR);
    let r = issuer.once().await;
    assert_eq!((r.issued, r.ca_requests), (2, 2), "{r:?}");
    for old in &first {
        let account = if old
            .policy
            .as_deref()
            .is_some_and(|p| p.contains("payments-api-role"))
        {
            A1
        } else {
            A2
        };
        let new = w.stored(account, "payments").await.expect("renewed");
        assert_ne!(new.bundle.serial, old.bundle.serial);
        let (old_leaf, new_leaf) = (
            old.bundle.check(&spiffe("payments")).expect("old"),
            new.bundle.check(&spiffe("payments")).expect("new"),
        );
        assert!(new_leaf.not_before < old_leaf.not_after, "the two overlap");
        assert!(
            old_leaf.not_after - w.clock.now() > 11 * HOUR,
            "the old one is not about to lapse"
        );
        assert_eq!(new.tags.get("s2s-serial"), Some(&new.bundle.serial));
    }

    // 4. A new function in account 1: its role may read; only that certificate is reissued.
    w.admin()
        .create_function(
            "payments",
            A1,
            "payments-cron",
            &FunctionSpec {
                environment: Environment::Staging,
                role_name: "payments-cron-role".into(),
            },
        )
        .await
        .expect("register");
    w.clock.advance(HOUR);
    let r = issuer.once().await;
    assert_eq!((r.due, r.issued), (1, 1), "{r:?}");
    let s = w.stored(A1, "payments").await.expect("secret");
    assert!(s
        .policy
        .unwrap_or_default()
        .contains("role/app/payments/payments-cron-role"));

    // 5. Account 2 removed in Registry: its secret is deleted, account 1 kept.
    let app = w.admin().get_app("payments").await.expect("app");
    let spec = |on: bool| AppSpec {
        accounts: vec![Account {
            account_id: A1.into(),
            environment: Environment::Staging,
        }],
        certificate_generation: on,
    };
    let app = w
        .admin()
        .update_app("payments", &spec(true), &app.etag)
        .await
        .expect("remove account 2");
    let r = issuer.once().await;
    assert_eq!((r.deleted, r.issued, r.ca_requests), (1, 0, 0), "{r:?}");
    assert!(
        w.stored(A2, "payments").await.is_none(),
        "the removed account lost its secret"
    );
    assert!(w.stored(A1, "payments").await.is_some());

    // 6. Flag off: the secret is gone at once, nothing is issued, nothing is left to do.
    w.admin()
        .update_app("payments", &spec(false), &app.etag)
        .await
        .expect("flag off");
    let r = issuer.once().await;
    assert_eq!(
        (r.listed, r.deleted, r.issued, r.ca_requests),
        (0, 1, 0, 0),
        "{r:?}"
    );
    assert!(w.stored(A1, "payments").await.is_none());
    let r = issuer.once().await;
    assert_eq!((r.due, r.ledger), (0, 0), "{r:?}");

    // The issuer never read a value (the checks above use their own client).
    assert_eq!(w.http.count("secretsmanager.GetSecretValue"), 0);
    assert_eq!(w.ca.issued(), 5);
}
