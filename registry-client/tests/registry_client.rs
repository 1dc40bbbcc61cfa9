//! registry-client's behaviour against mock-registry (real mTLS, real
//! certificates): ETag-guarded writes and the conflict a lost race gets,
//! what its errors and access answers say, listings in one request, and its
//! retries. The mock's own fidelity to the Registry API (raw status codes,
//! error bodies, authorisation, fault rates, persistence) is tested in
//! acceptance-tests/mock-registry/tests.

use mock_common::{drill, ClientIdentity};
use mock_registry::{RegistryConfig, RegistryMock};
use registry_client::{
    Account, AppSpec, ClientConfig, Environment, Error, FunctionSpec, RegistryClient, RetryPolicy,
};

fn client(reg: &RegistryMock, id: &ClientIdentity, retry: RetryPolicy) -> RegistryClient {
    let cfg = ClientConfig::from_files(reg.base_url(), &id.cert_path, &id.key_path, &reg.ca_path())
        .expect("config")
        .with_retry(retry);
    RegistryClient::new(&cfg).expect("client")
}

fn staging(id: &str) -> Account {
    Account {
        account_id: id.into(),
        environment: Environment::Staging,
    }
}

fn spec(accounts: Vec<Account>, certs: bool) -> AppSpec {
    AppSpec {
        accounts,
        certificate_generation: certs,
    }
}

async fn start() -> RegistryMock {
    RegistryMock::start(RegistryConfig::default())
        .await
        .expect("start")
}

#[tokio::test]
async fn a_lost_race_is_a_conflict_that_carries_the_current_etag() {
    let reg = start().await;
    let ci = reg.ci_identity("payments").expect("ci");
    let a = client(&reg, &ci, RetryPolicy::none());
    let b = client(&reg, &ci, RetryPolicy::none());
    let created = a
        .create_app("payments", &spec(vec![staging("111111111111")], false))
        .await
        .expect("create");
    assert!(!created.certificate_generation, "off by default");
    assert_eq!(
        created.spiffe_id.as_deref(),
        Some("spiffe://example.internal/payments")
    );

    let seen_by_a = a.get_app("payments").await.expect("get");
    let seen_by_b = b.get_app("payments").await.expect("get");
    assert_eq!(seen_by_a.etag, seen_by_b.etag);
    let won = a
        .update_app(
            "payments",
            &spec(vec![staging("111111111111")], true),
            &seen_by_a.etag,
        )
        .await
        .expect("first writer wins");
    let lost = b
        .update_app(
            "payments",
            &spec(vec![staging("222222222222")], false),
            &seen_by_b.etag,
        )
        .await
        .expect_err("second writer loses");
    match &lost {
        Error::Conflict { current_etag, .. } => {
            assert_eq!(current_etag.as_deref(), Some(won.etag.as_str()))
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    let now = a.get_app("payments").await.expect("get");
    assert_eq!(now.etag, won.etag);
    assert_eq!(now.accounts, vec![staging("111111111111")]);
    assert!(now.certificate_generation);

    // A create over an existing app is a conflict too (If-None-Match: *).
    let again = a
        .create_app("payments", &spec(vec![], false))
        .await
        .expect_err("exists");
    assert!(again.is_conflict(), "{again}");
    reg.shutdown().await;
}

#[tokio::test]
async fn errors_and_access_answers_say_who_may_change_what() {
    let reg = start().await;
    let admin = client(&reg, reg.admin_identity(), RetryPolicy::none());
    admin
        .create_app("payments", &spec(vec![staging("111111111111")], false))
        .await
        .expect("admin creates");
    let other = client(
        &reg,
        &reg.ci_identity("billing").expect("ci"),
        RetryPolicy::none(),
    );
    let current = other.get_app("payments").await.expect("anyone reads");
    let err = other
        .update_app("payments", &spec(vec![], true), &current.etag)
        .await
        .expect_err("403");
    assert!(err.is_forbidden(), "{err}");
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("PUT /v1/apps/payments"), "{err}");

    // The access endpoint reports the same rule, for apps that exist or not.
    let access = other.access("payments").await.expect("access");
    assert!(!access.may_write);
    assert_eq!(
        access.identity.as_deref(),
        Some("spiffe://example.internal/ci/billing")
    );
    assert!(
        access.reason.contains("may not change app payments"),
        "{}",
        access.reason
    );
    assert!(other.access("billing").await.expect("own").may_write);
    assert!(other
        .access("not-yet-there")
        .await
        .is_ok_and(|a| !a.may_write));
    assert!(admin.access("anything").await.expect("admin").may_write);

    // The app's own CI may write it.
    let ci = client(
        &reg,
        &reg.ci_identity("payments").expect("ci"),
        RetryPolicy::none(),
    );
    ci.update_app(
        "payments",
        &spec(vec![staging("111111111111")], true),
        &current.etag,
    )
    .await
    .expect("own CI writes");
    reg.shutdown().await;
}

#[tokio::test]
async fn functions_are_listed_in_one_request_and_refusals_carry_their_status() {
    let reg = start().await;
    let ci = client(
        &reg,
        &reg.ci_identity("payments").expect("ci"),
        RetryPolicy::none(),
    );
    let app = ci
        .create_app("payments", &spec(vec![staging("111111111111")], false))
        .await
        .expect("create");
    for name in ["api", "worker", "cron"] {
        ci.create_function(
            "payments",
            "111111111111",
            name,
            &FunctionSpec {
                environment: Environment::Staging,
                role_name: format!("{name}-role"),
            },
        )
        .await
        .expect("register");
    }
    let unregistered = ci
        .create_function(
            "payments",
            "999999999999",
            "api",
            &FunctionSpec {
                environment: Environment::Staging,
                role_name: "r".into(),
            },
        )
        .await
        .expect_err("account not on app");
    assert_eq!(unregistered.status(), Some(422));

    reg.server().clear_log();
    let fns = ci.list_functions("payments").await.expect("list");
    assert_eq!(fns.len(), 3);
    assert!(fns
        .iter()
        .all(|f| f.id.starts_with("payments/111111111111/") && f.etag.starts_with('"')));
    assert_eq!(reg.server().counters().total, 1, "one call for N functions");

    // Removing an account that has functions → 409, nothing changes.
    let err = ci
        .update_app(
            "payments",
            &spec(vec![staging("222222222222")], false),
            &app.etag,
        )
        .await
        .expect_err("409");
    assert_eq!(err.status(), Some(409));

    // Certificate issuer listing.
    let admin = client(&reg, reg.admin_identity(), RetryPolicy::none());
    admin
        .create_app("billing", &spec(vec![], true))
        .await
        .expect("create");
    let certs = admin.list_certificate_apps().await.expect("list");
    assert_eq!(
        certs.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        vec!["billing"]
    );
    assert_eq!(admin.list_apps().await.expect("all").len(), 2);

    // The issuer's reader roles: every flagged app's functions in one call.
    reg.server().clear_log();
    assert!(admin
        .list_certificate_functions()
        .await
        .expect("none flagged with functions")
        .is_empty());
    admin
        .update_app(
            "payments",
            &spec(vec![staging("111111111111")], true),
            &app.etag,
        )
        .await
        .expect("flag on");
    let fns = admin.list_certificate_functions().await.expect("list");
    assert_eq!(
        fns.iter().map(|f| f.role_name.as_str()).collect::<Vec<_>>(),
        vec!["api-role", "cron-role", "worker-role"]
    );
    assert_eq!(reg.server().counters().total, 3);
    reg.shutdown().await;
}

#[tokio::test]
async fn retries_absorb_faults_and_without_them_the_fault_shows() {
    let reg = start().await;
    let admin = client(&reg, reg.admin_identity(), RetryPolicy::quick());
    admin
        .create_app("payments", &spec(vec![staging("111111111111")], false))
        .await
        .expect("create");
    reg.server()
        .set_faults(drill::transient_mix())
        .expect("faults");
    for _ in 0..drill::DRILL_REQUESTS {
        admin
            .get_app("payments")
            .await
            .expect("retries absorb faults");
    }
    let c = reg.server().counters();
    for kind in drill::TRANSIENT_KINDS {
        assert!(
            c.faults.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {c:?}"
        );
    }

    // Without retries the fault shows, with the request named; one attempt only.
    reg.server()
        .set_faults(drill::every_request_fails())
        .expect("faults");
    reg.server().clear_log();
    let once = client(&reg, reg.admin_identity(), RetryPolicy::none());
    let err = once.get_app("payments").await.expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert!(err.to_string().contains("GET /v1/apps/payments"), "{err}");
    assert_eq!(reg.server().counters().total, 1, "no retry");
    reg.shutdown().await;
}
