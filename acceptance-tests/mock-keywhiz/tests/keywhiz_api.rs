//! mock-keywhiz against Keywhiz's wire API, with real certificates: the exact
//! shapes, status codes and error bodies (raw reqwest), the identity rules,
//! owners, persistence. keywhiz-client's own behaviour against the mock
//! (flows, decoding, errors, retries) is tested in keywhiz-client/tests.

use std::sync::Arc;

use keywhiz_client::{
    ClientConfig, CreateGroupRequest, CreateOrUpdateSecretRequest, CreateSecretRequest,
    KeywhizClient, RetryPolicy, SecretContent, SecretWrite,
};
use mock_common::{ClientAuth, ClientIdentity, IdentitySpec, TestPki};
use mock_keywhiz::seed::{Seed, SeedClient, SeedGroup, SeedSecret};
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

/// `GET url` is refused as Keywhiz refuses an unknown client: 401 with
/// `WWW-Authenticate` and Dropwizard's body.
async fn assert_unauthorized(client: &reqwest::Client, url: String) {
    let resp = client.get(url).send().await.expect("send");
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_eq!(
        body_of(resp).await,
        (401, json!({"code":401,"message":"HTTP 401 Unauthorized"}))
    );
}

/// `GET url`: the status and the JSON body.
async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    body_of(client.get(url).send().await.expect("send")).await
}

/// `POST url` with a JSON body: the status and the JSON body.
async fn post(client: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    body_of(client.post(url).json(body).send().await.expect("send")).await
}

/// The app's world, seeded: group `payments-aws` holding secret
/// `payments:db.password`, client `payments` (by SPIFFE ID) in the group.
fn payments_seed() -> Seed {
    Seed {
        groups: vec![SeedGroup {
            name: "payments-aws".into(),
            ..Default::default()
        }],
        clients: vec![SeedClient {
            name: "payments".into(),
            spiffe_id: Some(APP_SPIFFE.into()),
            groups: vec!["payments-aws".into()],
            ..Default::default()
        }],
        secrets: vec![SeedSecret {
            name: "payments:db.password".into(),
            content: "aHVudGVyMiE=".into(),
            metadata: [("mode".to_string(), "0400".to_string())].into(),
            kind: "password".into(),
            groups: vec!["payments-aws".into()],
            ..Default::default()
        }],
    }
}

fn seeded() -> KeywhizConfig {
    KeywhizConfig {
        seed: Some(payments_seed()),
        ..KeywhizConfig::default()
    }
}

/// The app's identity (SPIFFE URI SAN only, no CN).
fn app_identity(kw: &KeywhizMock) -> ClientIdentity {
    kw.mint_identity(&IdentitySpec {
        name: "payments-lambda".into(),
        cn: None,
        spiffe_id: Some(APP_SPIFFE.into()),
        ..Default::default()
    })
    .expect("mint")
}

#[tokio::test]
async fn the_listing_has_keywhiz_s_wire_shape_and_one_checksum() {
    let kw = KeywhizMock::start(seeded()).await.expect("start");
    let app_id = app_identity(&kw);
    let base = kw.base_url();
    let (status, v) = get(&raw(&kw, Some(&app_id)), format!("{base}/secrets")).await;
    assert_eq!(status, 200);
    let entry = &v[0];
    assert_eq!(entry["name"], json!("payments:db.password"));
    assert_eq!(entry["secret"], json!(""));
    assert_eq!(entry["secretLength"], json!(0));
    assert_eq!(entry["mode"], json!("0400"), "metadata is flattened");
    assert!(entry["creationDate"]
        .as_str()
        .is_some_and(|d| d.ends_with(".000Z") && d.len() == 24));
    // Uppercase hex of HMAC-SHA256, the same in every API.
    let checksum = entry["checksum"].as_str().expect("checksum").to_owned();
    assert!(
        checksum.len() == 64
            && checksum
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{checksum}"
    );
    let (_, one) = get(
        &raw(&kw, Some(&app_id)),
        format!("{base}/secret/payments:db.password"),
    )
    .await;
    assert_eq!(one["checksum"], json!(checksum));
    assert_eq!(
        one["secret"],
        json!("aHVudGVyMiE="),
        "content re-encoded with padding"
    );
    let (_, detail) = get(
        &raw(&kw, Some(kw.automation_identity())),
        format!("{base}/automation/v2/secrets/payments:db.password"),
    )
    .await;
    assert_eq!(detail["checksum"], json!(checksum));

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
    let kw = KeywhizMock::start(seeded()).await.expect("start");
    let app_id = app_identity(&kw);
    let base = kw.base_url();
    let app = raw(&kw, Some(&app_id));
    let auto = raw(&kw, Some(kw.automation_identity()));

    // Non-automation client on the automation API → 403.
    let (s, v) = get(&app, format!("{base}/automation/v2/secrets")).await;
    assert_eq!(s, 403);
    assert_eq!(
        v,
        json!({"code":403,"message":"Client payments not authorized as a AutomationClient"})
    );

    // Unknown (but CA-signed) certificate → 401 with WWW-Authenticate.
    let stranger = kw
        .mint_identity(&IdentitySpec::cn("stranger"))
        .expect("mint");
    assert_unauthorized(&raw(&kw, Some(&stranger)), format!("{base}/secrets")).await;

    // Unknown secret → 404; existing but not granted → 403.
    let (s, v) = get(&app, format!("{base}/secret/nope")).await;
    assert_eq!(
        (s, v),
        (404, json!({"code":404,"message":"HTTP 404 Not Found"}))
    );
    typed(&kw, kw.automation_identity())
        .create_secret(&CreateSecretRequest {
            name: "other".into(),
            secret: SecretWrite {
                content: SecretContent::from_bytes(b"x"),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("create other");
    let (s, v) = get(&app, format!("{base}/secret/other")).await;
    assert_eq!(s, 403);
    assert!(v["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Access denied: payments at '/secret/other'")));
    let (s, _) = post(
        &app,
        format!("{base}/batchsecret"),
        &json!({"secrets":["payments:db.password","other"]}),
    )
    .await;
    assert_eq!(s, 403);

    // Empty batch → 500 with Dropwizard's text.
    let (s, v) = post(&app, format!("{base}/batchsecret"), &json!({"secrets":[]})).await;
    assert_eq!(s, 500);
    assert_eq!(v["code"], json!(500));
    assert!(v["message"]
        .as_str()
        .is_some_and(|m| m
            .starts_with("There was an error processing your request. It has been logged (ID ")));

    // 409 texts (what exists already, by collection), and Location.
    let conflicts = [
        (
            "groups",
            json!({"name":"payments-aws"}),
            "Group payments-aws already exists",
        ),
        (
            "secrets",
            json!({"name":"payments:db.password","content":"eA=="}),
            "Cannot create secret payments:db.password.",
        ),
        (
            "clients",
            json!({"name":"payments"}),
            "Client name already exists.",
        ),
    ];
    for (collection, body, message) in conflicts {
        let url = format!("{base}/automation/v2/{collection}");
        assert_eq!(
            post(&auto, url, &body).await,
            (409, json!({"code":409,"message":message})),
            "{collection}"
        );
    }
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
        let (s, v) = post(
            &auto,
            format!("{base}/automation/v2/secrets"),
            &json!({"name": name, "content":"eA=="}),
        )
        .await;
        assert_eq!(s, 400, "{name}");
        assert_eq!(v["code"], json!(400));
    }

    kw.shutdown().await;
}

#[tokio::test]
async fn identity_rules_follow_keywhiz() {
    let kw = KeywhizMock::start(seeded()).await.expect("start");
    let base = kw.base_url();

    // SPIFFE ID next to another URI SAN is not used; CN unknown → 401.
    let mut spec = IdentitySpec {
        name: "two-uris".into(),
        spiffe_id: Some(APP_SPIFFE.into()),
        ..Default::default()
    };
    spec.extra_uris.push("https://example.internal/x".into());
    let two = kw.mint_identity(&spec).expect("mint");
    let (s, _) = get(&raw(&kw, Some(&two)), format!("{base}/secrets")).await;
    assert_eq!(s, 401);

    // CN names one client, SPIFFE ID another → 401.
    let mismatch = kw
        .mint_identity(&IdentitySpec {
            name: "mismatch".into(),
            cn: Some("automation".into()),
            spiffe_id: Some(APP_SPIFFE.into()),
            ..Default::default()
        })
        .expect("mint");
    let (s, _) = get(&raw(&kw, Some(&mismatch)), format!("{base}/secrets")).await;
    assert_eq!(s, 401);

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
    assert_unauthorized(&raw(&kw, None), format!("{}/secrets", kw.base_url())).await;
    kw.shutdown().await;
}

#[tokio::test]
async fn state_survives_restart() {
    let dir = tempfile_dir();
    let pki = Arc::new(TestPki::open(&dir.join("pki")).expect("pki"));
    let state = dir.join("state.json");
    let config = |seed: Option<Seed>| KeywhizConfig {
        pki: Some(pki.clone()),
        state_path: Some(state.clone()),
        seed,
        ..KeywhizConfig::default()
    };
    let kw = KeywhizMock::start(config(Some(payments_seed())))
        .await
        .expect("start");
    let app_id = app_identity(&kw);
    let checksum = typed(&kw, &app_id).list_secrets().await.expect("list")[0]
        .checksum
        .clone();
    kw.shutdown().await;

    // No seed the second time: what it lists comes from the state file.
    let kw = KeywhizMock::start(config(None)).await.expect("restart");
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
    let kw = KeywhizMock::start(seeded()).await.expect("start");
    let admin = typed(&kw, kw.automation_identity());
    let app = app_identity(&kw);
    let base = kw.base_url();
    let group = |name: &str| CreateGroupRequest {
        name: name.into(),
        ..Default::default()
    };
    admin.create_group(&group("orders")).await.expect("group");
    let secret = |name: &str, owner: Option<&str>| CreateSecretRequest {
        name: name.into(),
        secret: SecretWrite {
            content: SecretContent::from_bytes(b"v"),
            metadata: [("owner".to_string(), "root".to_string())].into(),
            owner: owner.map(str::to_owned),
            ..Default::default()
        },
        groups: vec!["payments-aws".into()],
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
            .info
            .owner
            .as_deref(),
        Some("orders")
    );
    let (_, loose) = get(
        &raw(&kw, Some(kw.automation_identity())),
        format!("{base}/automation/v2/secrets/loose"),
    )
    .await;
    assert!(loose.get("owner").is_none(), "NON_NULL drops it: {loose}");
    let sanitized = admin.group_secrets("payments-aws").await.expect("listing");
    let owned = sanitized
        .iter()
        .find(|s| s.info.name == "orders:db")
        .expect("listed");
    assert_eq!(owned.info.owner.as_deref(), Some("orders"));

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
            .info
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
        admin
            .secret_detail("billing:key")
            .await
            .expect("d")
            .info
            .owner,
        None
    );

    // Deleting the owner group leaves the secret without an owner, also
    // after a group of the same name is created again.
    admin.delete_group("orders").await.expect("delete group");
    admin.create_group(&group("orders")).await.expect("again");
    assert_eq!(
        admin
            .secret_detail("orders:db")
            .await
            .expect("d")
            .info
            .owner,
        None
    );
    kw.shutdown().await;
}
