//! mock-registry against the Registry API (docs/guides/registry-api.md), raw
//! over mTLS with real certificates: preconditions and their status codes,
//! the error body, who may write, the access endpoint's JSON, fault rates,
//! persistence. registry-client's own behaviour against the mock is tested
//! in registry-client/tests.

use std::sync::Arc;

use mock_common::{ClientIdentity, Faults, IdentitySpec, TestPki};
use mock_registry::{RegistryConfig, RegistryMock, Seed};
use serde_json::{json, Value};

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

/// App `payments` in one staging account.
fn payments_seed() -> Seed {
    serde_json::from_value(json!({"apps": [{
        "name": "payments",
        "accounts": [{"account_id": "111111111111", "environment": "staging"}],
    }]}))
    .expect("seed")
}

async fn seeded() -> RegistryMock {
    RegistryMock::start(RegistryConfig {
        seed: Some(payments_seed()),
        ..RegistryConfig::default()
    })
    .await
    .expect("start")
}

/// `GET /v1/apps/payments`: status, ETag, body.
async fn get_app(reg: &RegistryMock, id: &ClientIdentity) -> (u16, String, Value) {
    let resp = raw(reg, id)
        .get(format!("{}/v1/apps/payments", reg.base_url()))
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, etag, resp.json().await.expect("json"))
}

/// `PUT /v1/apps/payments` as `id`, with a precondition header if given.
async fn put_app(
    reg: &RegistryMock,
    id: &ClientIdentity,
    precondition: Option<(&str, &str)>,
    body: &Value,
) -> reqwest::Response {
    let mut req = raw(reg, id).put(format!("{}/v1/apps/payments", reg.base_url()));
    if let Some((header, value)) = precondition {
        req = req.header(header, value);
    }
    req.json(body).send().await.expect("send")
}

#[tokio::test]
async fn writes_need_their_precondition_and_a_stale_one_changes_nothing() {
    let reg = seeded().await;
    let ci = reg.ci_identity("payments").expect("ci");
    let (status, etag, _) = get_app(&reg, &ci).await;
    assert_eq!(status, 200);
    assert!(etag.starts_with('"'), "a quoted ETag: {etag}");

    // No precondition → 428, with the error shape.
    let resp = put_app(&reg, &ci, None, &json!({"accounts": []})).await;
    assert_eq!(resp.status().as_u16(), 428);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error"]["code"], json!("precondition_required"));
    assert_eq!(v["error"]["status"], json!(428));

    // A stale If-Match → 412; create over an existing app (If-None-Match: *) → 412.
    for (precondition, value) in [("if-match", "\"stale\""), ("if-none-match", "*")] {
        let resp = put_app(
            &reg,
            &ci,
            Some((precondition, value)),
            &json!({"accounts": []}),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 412, "{precondition}: {value}");
    }
    let (_, after, body) = get_app(&reg, &ci).await;
    assert_eq!(after, etag, "nothing changed");
    assert_eq!(body["accounts"][0]["account_id"], json!("111111111111"));

    // The current ETag → 200 and a new ETag.
    let write = json!({"accounts": [], "certificate_generation": true});
    let resp = put_app(&reg, &ci, Some(("if-match", &etag)), &write).await;
    assert_eq!(resp.status().as_u16(), 200);
    let (_, changed, body) = get_app(&reg, &ci).await;
    assert_ne!(changed, etag);
    assert_eq!(body["certificate_generation"], json!(true));
    reg.shutdown().await;
}

#[tokio::test]
async fn only_the_app_ci_and_admins_may_write() {
    let reg = seeded().await;
    let url = format!("{}/v1/apps/payments", reg.base_url());
    let (_, etag, _) = get_app(&reg, reg.admin_identity()).await;
    let put = |id: &ClientIdentity| {
        raw(&reg, id)
            .put(&url)
            .header("if-match", etag.as_str())
            .json(&json!({"accounts": []}))
            .send()
    };

    // Another app's CI, and a certificate without a SPIFFE ID: 403, read only.
    let other = reg.ci_identity("billing").expect("ci");
    let plain = reg
        .mint_identity(&IdentitySpec::cn("someone"))
        .expect("mint");
    for id in [&other, &plain] {
        let resp = put(id).await.expect("send");
        assert_eq!(resp.status().as_u16(), 403);
        let v: Value = resp.json().await.expect("json");
        assert_eq!(v["error"]["code"], json!("forbidden"));
        assert_eq!(get_app(&reg, id).await.0, 200, "anyone reads");
    }
    assert_eq!(get_app(&reg, &plain).await.1, etag, "nothing changed");

    // The access endpoint's JSON says the same.
    let access = |id: ClientIdentity, app: &'static str| {
        let http = raw(&reg, &id);
        let url = format!("{}/v1/access/apps/{app}", reg.base_url());
        async move {
            let resp = http.get(url).send().await.expect("send");
            resp.json::<Value>().await.expect("json")
        }
    };
    let v = access(plain.clone(), "payments").await;
    assert_eq!(v["may_write"], json!(false));
    assert_eq!(v["identity"], Value::Null);
    let v = access(other.clone(), "payments").await;
    assert_eq!(v["may_write"], json!(false));
    assert_eq!(v["identity"], json!("spiffe://example.internal/ci/billing"));
    assert_eq!(access(other, "billing").await["may_write"], json!(true));

    // The app's own CI may write it.
    let ci = reg.ci_identity("payments").expect("ci");
    assert_eq!(put(&ci).await.expect("send").status().as_u16(), 200);
    reg.shutdown().await;
}

#[tokio::test]
async fn faults_are_injected_at_the_asked_rate() {
    let reg = seeded().await;
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
async fn state_survives_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = Arc::new(TestPki::open(&dir.path().join("pki")).expect("pki"));
    let config = |seed: Option<Seed>| RegistryConfig {
        pki: Some(pki.clone()),
        state_path: Some(dir.path().join("state.json")),
        seed,
        ..RegistryConfig::default()
    };
    let reg = RegistryMock::start(config(Some(payments_seed())))
        .await
        .expect("start");
    let ci = reg.ci_identity("payments").expect("ci");
    let (_, etag, _) = get_app(&reg, &ci).await;
    let write = json!({"accounts": [], "certificate_generation": true});
    let resp = put_app(&reg, &ci, Some(("if-match", &etag)), &write).await;
    assert_eq!(resp.status().as_u16(), 200);
    let written = get_app(&reg, &ci).await;
    reg.shutdown().await;

    // No seed the second time: what it serves comes from the state file.
    let reg = RegistryMock::start(config(None)).await.expect("restart");
    assert_eq!(get_app(&reg, &ci).await, written);
    reg.shutdown().await;
}
