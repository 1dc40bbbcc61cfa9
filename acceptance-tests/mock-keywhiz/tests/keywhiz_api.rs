//! mock-keywhiz driven by the real keywhiz-client and by raw reqwest, with real
//! certificates: the flows and the exact wire shapes Keywhiz has.

use std::sync::Arc;
use std::time::Duration;

use keywhiz_client::{
    ClientConfig, CreateClientRequest, CreateGroupRequest, CreateOrUpdateSecretRequest,
    CreateSecretRequest, KeywhizClient, ModifyGroupsRequest, RetryPolicy, SecretContent,
};
use mock_common::{ClientAuth, ClientIdentity, Faults, IdentitySpec, TestPki};
use mock_keywhiz::{KeywhizConfig, KeywhizMock};
use serde_json::{json, Value};

const APP_SPIFFE: &str = "spiffe://example.internal/payments";

fn typed(kw: &KeywhizMock, id: &ClientIdentity) -> KeywhizClient {
    let cfg = ClientConfig::from_files(kw.base_url(), &id.cert_path, &id.key_path, &kw.ca_path())
        .expect("config")
        .with_retry(RetryPolicy::none());
    KeywhizClient::new(&cfg).expect("client")
}

fn raw(kw: &KeywhizMock, id: Option<&ClientIdentity>) -> reqwest::Client {
    let ca = std::fs::read(kw.ca_path()).expect("ca");
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("ca pem"));
    if let Some(id) = id {
        b = b.identity(reqwest::Identity::from_pem(id.combined_pem().as_bytes()).expect("id"));
    }
    b.build().expect("reqwest")
}

async fn body_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let v = resp.json::<Value>().await.expect("json body");
    (status, v)
}

async fn start() -> KeywhizMock {
    KeywhizMock::start(KeywhizConfig::default())
        .await
        .expect("start mock")
}

/// Automation creates group, client (SPIFFE ID), secret, grants; returns the
/// app's identity (SPIFFE URI SAN only, no CN).
async fn provision(kw: &KeywhizMock, admin: &KeywhizClient) -> ClientIdentity {
    admin
        .create_group(&CreateGroupRequest {
            name: "payments-aws".into(),
            description: "payments AWS accounts".into(),
            metadata: [("app".to_string(), "payments".to_string())].into(),
        })
        .await
        .expect("create group");
    admin
        .create_client(&CreateClientRequest {
            name: "payments".into(),
            description: "payments lambdas".into(),
            groups: vec![],
            spiffe_id: Some(APP_SPIFFE.into()),
        })
        .await
        .expect("create client");
    admin
        .create_secret(&CreateSecretRequest {
            name: "payments:db.password".into(),
            content: SecretContent::from_bytes(b"hunter2!"),
            metadata: [("mode".to_string(), "0400".to_string())].into(),
            kind: "password".into(),
            ..Default::default()
        })
        .await
        .expect("create secret");
    let granted = admin
        .modify_secret_groups(
            "payments:db.password",
            &ModifyGroupsRequest {
                add_groups: vec!["payments-aws".into(), "no-such-group".into()],
                remove_groups: vec![],
            },
        )
        .await
        .expect("grant");
    assert_eq!(granted, vec!["payments-aws".to_string()]);
    let enrolled = admin
        .modify_client_groups(
            "payments",
            &ModifyGroupsRequest {
                add_groups: vec!["payments-aws".into()],
                remove_groups: vec![],
            },
        )
        .await
        .expect("enroll");
    assert_eq!(enrolled, vec!["payments-aws".to_string()]);
    kw.mint_identity(&IdentitySpec {
        name: "payments-lambda".into(),
        cn: None,
        spiffe_id: Some(APP_SPIFFE.into()),
        ..Default::default()
    })
    .expect("mint")
}

#[tokio::test]
async fn spiffe_client_sees_granted_secret_with_one_checksum() {
    let kw = start().await;
    let admin = typed(&kw, kw.automation_identity());
    let app_id = provision(&kw, &admin).await;
    let app = typed(&kw, &app_id);

    let listed = app.list_secrets().await.expect("GET /secrets");
    assert_eq!(listed.len(), 1);
    let l = &listed[0];
    assert_eq!(l.name, "payments:db.password");
    assert!(l.secret.is_empty(), "listing carries no content");
    assert_eq!(l.secret_length, 0);
    assert_eq!(l.checksum.len(), 64);
    assert!(l
        .checksum
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
    assert_eq!(
        l.metadata_str("mode"),
        Some("0400"),
        "metadata is flattened"
    );

    let batch = app
        .batch_secrets(&["payments:db.password".to_string()])
        .await
        .expect("POST /batchsecret");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].checksum, l.checksum);
    assert_eq!(batch[0].secret.expose_base64(), "aHVudGVyMiE=");
    assert_eq!(batch[0].secret.decode().expect("b64"), b"hunter2!");
    assert_eq!(batch[0].secret_length, 8);

    let one = app
        .get_secret("payments:db.password")
        .await
        .expect("GET /secret");
    assert_eq!(one.checksum, l.checksum);

    let detail = admin
        .secret_detail("payments:db.password")
        .await
        .expect("detail");
    assert_eq!(detail.checksum, l.checksum);
    assert_eq!(detail.expiry, 0);
    assert!(detail.version.is_some());

    // Raw wire shape of the listing.
    let (status, v) = body_of(
        raw(&kw, Some(&app_id))
            .get(format!("{}/secrets", kw.base_url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200);
    let entry = &v[0];
    assert_eq!(entry["secret"], json!(""));
    assert_eq!(entry["secretLength"], json!(0));
    assert_eq!(entry["mode"], json!("0400"));
    assert!(entry["creationDate"]
        .as_str()
        .is_some_and(|d| d.ends_with(".000Z") && d.len() == 24));

    // The request log names the caller by SPIFFE ID.
    assert!(kw
        .server()
        .request_log()
        .iter()
        .any(|r| r.caller == APP_SPIFFE && r.path == "/secrets" && r.status == 200));
    kw.shutdown().await;
}

#[tokio::test]
async fn error_bodies_have_keywhiz_shape() {
    let kw = start().await;
    let admin = typed(&kw, kw.automation_identity());
    let app_id = provision(&kw, &admin).await;
    let base = kw.base_url();
    let app = raw(&kw, Some(&app_id));
    let auto = raw(&kw, Some(kw.automation_identity()));

    // Non-automation client on the automation API → 403.
    let (s, v) = body_of(
        app.get(format!("{base}/automation/v2/secrets"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        v,
        json!({"code":403,"message":"Client payments not authorized as a AutomationClient"})
    );

    // Unknown (but CA-signed) certificate → 401 with WWW-Authenticate.
    let stranger = kw
        .mint_identity(&IdentitySpec::cn("stranger"))
        .expect("mint");
    let resp = raw(&kw, Some(&stranger))
        .get(format!("{base}/secrets"))
        .send()
        .await
        .expect("send");
    assert!(resp.headers().contains_key("www-authenticate"));
    let (s, v) = body_of(resp).await;
    assert_eq!(
        (s, v),
        (401, json!({"code":401,"message":"HTTP 401 Unauthorized"}))
    );

    // Unknown secret → 404; existing but not granted → 403.
    let (s, v) = body_of(
        app.get(format!("{base}/secret/nope"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, v),
        (404, json!({"code":404,"message":"HTTP 404 Not Found"}))
    );
    typed(&kw, kw.automation_identity())
        .create_secret(&CreateSecretRequest {
            name: "other".into(),
            content: SecretContent::from_bytes(b"x"),
            ..Default::default()
        })
        .await
        .expect("create other");
    let (s, v) = body_of(
        app.get(format!("{base}/secret/other"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, 403);
    assert!(v["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Access denied: payments at '/secret/other'")));
    let (s, _) = body_of(
        app.post(format!("{base}/batchsecret"))
            .json(&json!({"secrets":["payments:db.password","other"]}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, 403);

    // Empty batch → 500 with Dropwizard's text.
    let (s, v) = body_of(
        app.post(format!("{base}/batchsecret"))
            .json(&json!({"secrets":[]}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, 500);
    assert_eq!(v["code"], json!(500));
    assert!(v["message"]
        .as_str()
        .is_some_and(|m| m
            .starts_with("There was an error processing your request. It has been logged (ID ")));

    // 409 texts and Location.
    let (s, v) = body_of(
        auto.post(format!("{base}/automation/v2/groups"))
            .json(&json!({"name":"payments-aws"}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, v),
        (
            409,
            json!({"code":409,"message":"Group payments-aws already exists"})
        )
    );
    let (s, v) = body_of(
        auto.post(format!("{base}/automation/v2/secrets"))
            .json(&json!({"name":"payments:db.password","content":"eA=="}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, v),
        (
            409,
            json!({"code":409,"message":"Cannot create secret payments:db.password."})
        )
    );
    let (s, v) = body_of(
        auto.post(format!("{base}/automation/v2/clients"))
            .json(&json!({"name":"payments"}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, v),
        (
            409,
            json!({"code":409,"message":"Client name already exists."})
        )
    );
    let resp = auto
        .post(format!("{base}/automation/v2/groups"))
        .json(&json!({"name":"fresh"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(
        resp.headers().get("location").and_then(|h| h.to_str().ok()),
        Some(format!("{base}/automation/v2/groups/fresh").as_str())
    );
    assert_eq!(resp.text().await.expect("body"), "");

    // Name rules: leading '.', > 195 chars → 400.
    for name in [".hidden".to_string(), "a".repeat(196)] {
        let (s, v) = body_of(
            auto.post(format!("{base}/automation/v2/secrets"))
                .json(&json!({"name": name, "content":"eA=="}))
                .send()
                .await
                .expect("send"),
        )
        .await;
        assert_eq!(s, 400, "{name}");
        assert_eq!(v["code"], json!(400));
    }

    // The typed client carries method, path, status and message.
    let err = typed(&kw, &app_id)
        .list_groups()
        .await
        .expect_err("403 expected");
    assert!(err.is_forbidden());
    let text = err.to_string();
    assert!(text.contains("GET /automation/v2/groups"), "{text}");
    assert!(
        text.contains("not authorized as a AutomationClient"),
        "{text}"
    );
    kw.shutdown().await;
}

#[tokio::test]
async fn identity_rules_follow_keywhiz() {
    let kw = start().await;
    let admin = typed(&kw, kw.automation_identity());
    provision(&kw, &admin).await;
    let base = kw.base_url();

    // SPIFFE ID next to another URI SAN is not used; CN unknown → 401.
    let mut spec = IdentitySpec {
        name: "two-uris".into(),
        spiffe_id: Some(APP_SPIFFE.into()),
        ..Default::default()
    };
    spec.extra_uris.push("https://example.internal/x".into());
    let two = kw.mint_identity(&spec).expect("mint");
    let s = raw(&kw, Some(&two))
        .get(format!("{base}/secrets"))
        .send()
        .await
        .expect("send")
        .status();
    assert_eq!(s.as_u16(), 401);

    // CN names one client, SPIFFE ID another → 401.
    let mismatch = kw
        .mint_identity(&IdentitySpec {
            name: "mismatch".into(),
            cn: Some("automation".into()),
            spiffe_id: Some(APP_SPIFFE.into()),
            ..Default::default()
        })
        .expect("mint");
    let s = raw(&kw, Some(&mismatch))
        .get(format!("{base}/secrets"))
        .send()
        .await
        .expect("send")
        .status();
    assert_eq!(s.as_u16(), 401);

    // CN alone identifies a client too.
    let by_cn = kw
        .mint_identity(&IdentitySpec::cn("payments"))
        .expect("mint");
    let listed = typed(&kw, &by_cn).list_secrets().await.expect("list");
    assert_eq!(listed.len(), 1);

    // No certificate: the handshake is refused (client auth required).
    let err = raw(&kw, None)
        .get(format!("{base}/secrets"))
        .send()
        .await
        .expect_err("handshake must fail");
    assert!(err.status().is_none());
    // A certificate from another CA: refused too.
    let rogue = kw
        .server()
        .pki()
        .mint_rogue(&IdentitySpec::cn("automation"))
        .expect("rogue");
    assert!(raw(&kw, Some(&rogue))
        .get(format!("{base}/secrets"))
        .send()
        .await
        .is_err());
    assert!(kw.server().counters().handshake_failures >= 2);
    kw.shutdown().await;
}

#[tokio::test]
async fn want_client_auth_answers_401_without_certificate() {
    let kw = KeywhizMock::start(KeywhizConfig {
        client_auth: ClientAuth::Optional,
        ..KeywhizConfig::default()
    })
    .await
    .expect("start");
    let resp = raw(&kw, None)
        .get(format!("{}/secrets", kw.base_url()))
        .send()
        .await
        .expect("send");
    assert!(resp.headers().contains_key("www-authenticate"));
    let (s, v) = body_of(resp).await;
    assert_eq!(
        (s, v),
        (401, json!({"code":401,"message":"HTTP 401 Unauthorized"}))
    );
    kw.shutdown().await;
}

#[tokio::test]
async fn versions_are_global_ids_and_checksums_change() {
    let kw = start().await;
    let admin = typed(&kw, kw.automation_identity());
    provision(&kw, &admin).await;
    let before = admin
        .secret_detail("payments:db.password")
        .await
        .expect("detail");
    admin
        .create_or_update_secret(
            "payments:db.password",
            &CreateOrUpdateSecretRequest {
                content: SecretContent::from_bytes(b"rotated"),
                expiry: 4_102_444_800,
                ..Default::default()
            },
        )
        .await
        .expect("update");
    let after = admin
        .secret_detail("payments:db.password")
        .await
        .expect("detail");
    assert_ne!(before.checksum, after.checksum);
    assert!(after.version > before.version);
    assert_eq!(after.expiry, 4_102_444_800);
    let versions = admin
        .secret_versions("payments:db.password", 0, 10)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].version, after.version, "newest first");
    let sanitized = admin.list_secrets_sanitized().await.expect("v2 list");
    assert!(sanitized
        .iter()
        .any(|s| s.name == "payments:db.password" && s.expiry == 4_102_444_800));
    let contents = admin
        .secret_contents(&["payments:db.password".into(), "missing".into()])
        .await
        .expect("contents");
    assert_eq!(
        contents.success_secrets["payments:db.password"]
            .decode()
            .expect("b64"),
        b"rotated"
    );
    assert_eq!(contents.missing_secrets, vec!["missing".to_string()]);
    assert_eq!(
        admin
            .client_secrets("payments")
            .await
            .expect("client secrets"),
        vec!["payments:db.password".to_string()]
    );
    admin
        .delete_secret("payments:db.password", Default::default())
        .await
        .expect("delete");
    assert!(admin
        .secret_detail("payments:db.password")
        .await
        .expect_err("gone")
        .is_not_found());
    kw.shutdown().await;
}

#[tokio::test]
async fn client_retries_recover_from_injected_faults() {
    let kw = start().await;
    let id = kw.automation_identity().clone();
    let cfg = ClientConfig::from_files(kw.base_url(), &id.cert_path, &id.key_path, &kw.ca_path())
        .expect("config")
        .with_retry(RetryPolicy {
            max_attempts: 20,
            total_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
        });
    let client = KeywhizClient::new(&cfg).expect("client");
    kw.server()
        .set_faults(Faults {
            error_rate: 0.2,
            throttle_rate: 0.1,
            reset_rate: 0.1,
            ..Faults::none()
        })
        .expect("faults");
    for _ in 0..40 {
        client.list_groups().await.expect("retries absorb faults");
    }
    let c = kw.server().counters();
    assert!(c.faults.get("error").copied().unwrap_or(0) > 0, "{c:?}");
    assert!(c.faults.get("reset").copied().unwrap_or(0) > 0, "{c:?}");
    assert!(c.faults.get("throttle").copied().unwrap_or(0) > 0, "{c:?}");

    // Without retries the faults show, with the request named.
    kw.server()
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::none()
        })
        .expect("faults");
    let once = KeywhizClient::new(&cfg.clone().with_retry(RetryPolicy::none())).expect("client");
    let err = once.list_groups().await.expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert!(err.to_string().contains("GET /automation/v2/groups"));
    kw.shutdown().await;
}

#[tokio::test]
async fn state_survives_restart() {
    let dir = tempfile_dir();
    let pki = Arc::new(TestPki::open(&dir.join("pki")).expect("pki"));
    let state = dir.join("state.json");
    let config = || KeywhizConfig {
        pki: Some(pki.clone()),
        state_path: Some(state.clone()),
        ..KeywhizConfig::default()
    };
    let kw = KeywhizMock::start(config()).await.expect("start");
    let admin = typed(&kw, kw.automation_identity());
    let app_id = provision(&kw, &admin).await;
    let checksum = typed(&kw, &app_id).list_secrets().await.expect("list")[0]
        .checksum
        .clone();
    kw.shutdown().await;

    let kw = KeywhizMock::start(config()).await.expect("restart");
    let listed = typed(&kw, &app_id).list_secrets().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].checksum, checksum);
    kw.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mock-keywhiz-test-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `owner` as Keywhiz keeps it (keywhiz-api.md §2.1, §7): a group, named in
/// the automation API, none when empty, kept by a create-or-update without
/// one, cleared by a partial update, dropped when the group is deleted; and
/// never in the delivery API, whose `owner` is the file-owner metadata key.
#[tokio::test]
async fn owner_follows_keywhiz() {
    let kw = start().await;
    let admin = typed(&kw, kw.automation_identity());
    let app = provision(&kw, &admin).await;
    let base = kw.base_url();
    let group = |name: &str| CreateGroupRequest {
        name: name.into(),
        ..Default::default()
    };
    admin.create_group(&group("orders")).await.expect("group");
    let secret = |name: &str, owner: Option<&str>| CreateSecretRequest {
        name: name.into(),
        content: SecretContent::from_bytes(b"v"),
        metadata: [("owner".to_string(), "root".to_string())].into(),
        owner: owner.map(str::to_owned),
        groups: vec!["payments-aws".into()],
        ..Default::default()
    };
    admin
        .create_secret(&secret("orders:db", Some("orders")))
        .await
        .expect("owned");
    admin
        .create_secret(&secret("loose", Some("")))
        .await
        .expect("empty owner is none");
    let unknown = admin
        .create_secret(&secret("ghost-owned", Some("no-such-group")))
        .await
        .expect_err("unknown owner");
    assert_eq!(unknown.status(), Some(500), "{unknown}");
    assert_eq!(
        admin
            .secret_detail("orders:db")
            .await
            .expect("detail")
            .owner
            .as_deref(),
        Some("orders")
    );
    let (_, loose) = body_of(
        raw(&kw, Some(kw.automation_identity()))
            .get(format!("{base}/automation/v2/secrets/loose"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert!(loose.get("owner").is_none(), "NON_NULL drops it: {loose}");
    let sanitized = admin.group_secrets("payments-aws").await.expect("listing");
    let owned = sanitized
        .iter()
        .find(|s| s.name == "orders:db")
        .expect("listed");
    assert_eq!(owned.owner.as_deref(), Some("orders"));

    // The app reads the metadata key `owner`, not the owner group.
    let listed = typed(&kw, &app).list_secrets().await.expect("list");
    let delivered = listed
        .iter()
        .find(|s| s.name == "orders:db")
        .expect("granted");
    assert_eq!(delivered.metadata_str("owner"), Some("root"));

    // A new version without an owner keeps it; a partial update clears it.
    admin
        .create_or_update_secret(
            "orders:db",
            &CreateOrUpdateSecretRequest {
                content: SecretContent::from_bytes(b"v2"),
                ..Default::default()
            },
        )
        .await
        .expect("new version");
    assert_eq!(
        admin
            .secret_detail("orders:db")
            .await
            .expect("detail")
            .owner
            .as_deref(),
        Some("orders")
    );
    admin
        .create_secret(&secret("billing:key", Some("orders")))
        .await
        .expect("owned");
    let resp = raw(&kw, Some(kw.automation_identity()))
        .post(format!(
            "{base}/automation/v2/secrets/billing:key/partialupdate"
        ))
        .json(&json!({"ownerPresent": true, "owner": null}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(
        admin.secret_detail("billing:key").await.expect("d").owner,
        None
    );

    // Deleting the owner group leaves the secret without an owner, also
    // after a group of the same name is created again.
    admin.delete_group("orders").await.expect("delete group");
    admin.create_group(&group("orders")).await.expect("again");
    assert_eq!(
        admin.secret_detail("orders:db").await.expect("d").owner,
        None
    );
    kw.shutdown().await;
}
