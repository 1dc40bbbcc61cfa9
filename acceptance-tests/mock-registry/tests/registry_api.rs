//! mock-registry driven by registry-client and raw reqwest with real certificates.

use std::sync::Arc;
use std::time::Duration;

use mock_common::{ClientIdentity, Faults, IdentitySpec, TestPki};
use mock_registry::{RegistryConfig, RegistryMock};
use registry_client::{
    Account, AppSpec, ClientConfig, Environment, Error, FunctionSpec, RegistryClient, RetryPolicy,
};
use serde_json::{json, Value};

fn client(reg: &RegistryMock, id: &ClientIdentity, retry: RetryPolicy) -> RegistryClient {
    let cfg = ClientConfig::from_files(reg.base_url(), &id.cert_path, &id.key_path, &reg.ca_path())
        .expect("config")
        .with_retry(retry);
    RegistryClient::new(&cfg).expect("client")
}

fn raw(reg: &RegistryMock, id: &ClientIdentity) -> reqwest::Client {
    let ca = std::fs::read(reg.ca_path()).expect("ca");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("ca"))
        .identity(reqwest::Identity::from_pem(id.combined_pem().as_bytes()).expect("id"))
        .build()
        .expect("reqwest")
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
async fn lost_race_gets_412_and_changes_nothing() {
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

    // Create over an existing app → 412 too.
    let again = a
        .create_app("payments", &spec(vec![], false))
        .await
        .expect_err("exists");
    assert!(again.is_conflict());

    // No precondition → 428, with the error shape.
    let resp = raw(&reg, &ci)
        .put(format!("{}/v1/apps/payments", reg.base_url()))
        .json(&json!({"accounts": []}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 428);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error"]["code"], json!("precondition_required"));
    assert_eq!(v["error"]["status"], json!(428));
    assert_eq!(a.get_app("payments").await.expect("get").etag, won.etag);
    reg.shutdown().await;
}

#[tokio::test]
async fn only_the_app_ci_and_admins_may_write() {
    let reg = start().await;
    let admin = client(&reg, reg.admin_identity(), RetryPolicy::none());
    admin
        .create_app("payments", &spec(vec![staging("111111111111")], false))
        .await
        .expect("admin creates");
    let other_ci = reg.ci_identity("billing").expect("ci");
    let other = client(&reg, &other_ci, RetryPolicy::none());
    let current = other.get_app("payments").await.expect("anyone reads");
    let err = other
        .update_app("payments", &spec(vec![], true), &current.etag)
        .await
        .expect_err("403");
    assert!(err.is_forbidden(), "{err}");
    assert!(err.to_string().contains("PUT /v1/apps/payments"));

    // A certificate without a SPIFFE ID reads but cannot write.
    let plain = reg
        .mint_identity(&IdentitySpec::cn("someone"))
        .expect("mint");
    let resp = raw(&reg, &plain)
        .put(format!("{}/v1/apps/payments", reg.base_url()))
        .header("if-match", current.etag.as_str())
        .json(&json!({"accounts": []}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 403);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error"]["code"], json!("forbidden"));
    assert_eq!(
        admin.get_app("payments").await.expect("get").etag,
        current.etag,
        "nothing changed"
    );

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
    let resp = raw(&reg, &plain)
        .get(format!("{}/v1/access/apps/payments", reg.base_url()))
        .send()
        .await
        .expect("send");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["may_write"], json!(false));
    assert_eq!(v["identity"], Value::Null);

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
async fn functions_are_listed_in_one_call_and_guard_accounts() {
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
async fn faults_are_injected_at_the_asked_rate() {
    let reg = start().await;
    let http = raw(&reg, reg.admin_identity());
    reg.server()
        .set_faults(Faults {
            error_rate: 0.2,
            throttle_rate: 0.1,
            retry_after_secs: 1,
            ..Faults::none()
        })
        .expect("faults");
    let n = 1000;
    let (mut errors, mut throttled, mut ok) = (0, 0, 0);
    for _ in 0..n {
        let resp = http
            .get(format!("{}/v1/healthz", reg.base_url()))
            .send()
            .await
            .expect("send");
        match resp.status().as_u16() {
            503 => errors += 1,
            429 => {
                assert_eq!(
                    resp.headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()),
                    Some("1")
                );
                throttled += 1;
            }
            200 => ok += 1,
            s => panic!("unexpected status {s}"),
        }
    }
    // Binomial: sd(0.2) ≈ 12.6, sd(0.1) ≈ 9.5 over 1000; bands are ±4 sd.
    assert!((150..=250).contains(&errors), "503s: {errors}");
    assert!((60..=140).contains(&throttled), "429s: {throttled}");
    assert_eq!(errors + throttled + ok, n);
    let c = reg.server().counters();
    assert_eq!(c.faults.get("error").copied(), Some(errors as u64));
    assert_eq!(c.faults.get("throttle").copied(), Some(throttled as u64));

    // Resets: the connection is dropped without an answer.
    reg.server()
        .set_faults(Faults {
            reset_rate: 1.0,
            ..Faults::none()
        })
        .expect("faults");
    let err = http
        .get(format!("{}/v1/healthz", reg.base_url()))
        .send()
        .await
        .expect_err("reset");
    assert!(err.status().is_none());
    reg.shutdown().await;
}

#[tokio::test]
async fn client_retries_recover_from_faults() {
    let reg = start().await;
    let admin = client(
        &reg,
        reg.admin_identity(),
        RetryPolicy {
            max_attempts: 20,
            total_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
        },
    );
    admin
        .create_app("payments", &spec(vec![staging("111111111111")], false))
        .await
        .expect("create");
    reg.server()
        .set_faults(Faults {
            error_rate: 0.2,
            throttle_rate: 0.1,
            reset_rate: 0.1,
            ..Faults::none()
        })
        .expect("faults");
    for _ in 0..40 {
        admin
            .get_app("payments")
            .await
            .expect("retries absorb faults");
    }
    let c = reg.server().counters();
    assert!(c.faults.values().sum::<u64>() > 0, "{c:?}");
    reg.shutdown().await;
}

#[tokio::test]
async fn state_survives_restart() {
    let dir = std::env::temp_dir().join(format!(
        "mock-registry-test-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let pki = Arc::new(TestPki::open(&dir.join("pki")).expect("pki"));
    let config = || RegistryConfig {
        pki: Some(pki.clone()),
        state_path: Some(dir.join("state.json")),
        ..RegistryConfig::default()
    };
    let reg = RegistryMock::start(config()).await.expect("start");
    let ci_id = reg.ci_identity("payments").expect("ci");
    let written = client(&reg, &ci_id, RetryPolicy::none())
        .create_app("payments", &spec(vec![staging("111111111111")], true))
        .await
        .expect("create");
    reg.shutdown().await;

    let reg = RegistryMock::start(config()).await.expect("restart");
    let read = client(&reg, &ci_id, RetryPolicy::none())
        .get_app("payments")
        .await
        .expect("get after restart");
    assert_eq!(read.etag, written.etag);
    assert_eq!(read, written);
    reg.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
