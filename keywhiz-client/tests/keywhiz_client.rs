//! keywhiz-client's behaviour against mock-keywhiz (real mTLS, real
//! certificates): the automation flows the provider uses, the delivery API
//! the syncer uses, what its errors say, and its retries. The mock's own
//! fidelity to Keywhiz (wire shapes, identity rules, owners) is tested in
//! acceptance-tests/mock-keywhiz/tests.

use keywhiz_client::{
    ClientConfig, CreateClientRequest, CreateGroupRequest, CreateOrUpdateSecretRequest,
    CreateSecretRequest, KeywhizClient, ModifyGroupsRequest, RetryPolicy, SecretContent,
    SecretWrite,
};
use mock_common::{drill, ClientIdentity, IdentitySpec};
use mock_keywhiz::{KeywhizConfig, KeywhizMock};

const APP_SPIFFE: &str = "spiffe://example.internal/payments";
const SECRET: &str = "payments:db.password";

fn client(kw: &KeywhizMock, id: &ClientIdentity, retry: RetryPolicy) -> KeywhizClient {
    let cfg = ClientConfig::from_files(kw.base_url(), &id.cert_path, &id.key_path, &kw.ca_path())
        .expect("config")
        .with_retry(retry);
    KeywhizClient::new(&cfg).expect("client")
}

async fn start() -> KeywhizMock {
    KeywhizMock::start(KeywhizConfig::default())
        .await
        .expect("start mock")
}

/// What the provider does for a new app, through the client: group, client
/// (by SPIFFE ID), secret, grant, enrolment; returns the app's identity.
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
            name: SECRET.into(),
            secret: SecretWrite {
                content: SecretContent::from_bytes(b"hunter2!"),
                metadata: [("mode".to_string(), "0400".to_string())].into(),
                kind: "password".into(),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("create secret");
    // The grant reports the groups that now hold it: an unknown one is not among them.
    let granted = admin
        .modify_secret_groups(
            SECRET,
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
async fn the_delivery_api_lists_fetches_and_decodes_with_one_checksum() {
    let kw = start().await;
    let admin = client(&kw, kw.automation_identity(), RetryPolicy::none());
    let app = client(&kw, &provision(&kw, &admin).await, RetryPolicy::none());

    let listed = app.list_secrets().await.expect("GET /secrets");
    assert_eq!(listed.len(), 1);
    let l = &listed[0];
    assert_eq!(l.name, SECRET);
    assert!(l.secret.is_empty(), "listing carries no content");
    assert_eq!(l.secret_length, 0);
    assert_eq!(l.checksum.len(), 64);
    assert_eq!(
        l.metadata_str("mode"),
        Some("0400"),
        "metadata is flattened"
    );

    let batch = app
        .batch_secrets(&[SECRET.to_string()])
        .await
        .expect("POST /batchsecret");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].checksum, l.checksum);
    assert_eq!(batch[0].secret.expose_base64(), "aHVudGVyMiE=");
    assert_eq!(batch[0].secret.decode().expect("b64"), b"hunter2!");
    assert_eq!(batch[0].secret_length, 8);

    let one = app.get_secret(SECRET).await.expect("GET /secret");
    assert_eq!(one.checksum, l.checksum);

    let detail = admin.secret_detail(SECRET).await.expect("detail");
    assert_eq!(detail.info.checksum, l.checksum);
    assert_eq!(detail.info.expiry, 0);
    assert!(detail.info.version.is_some());
    kw.shutdown().await;
}

#[tokio::test]
async fn the_automation_api_versions_reads_contents_and_deletes() {
    let kw = start().await;
    let admin = client(&kw, kw.automation_identity(), RetryPolicy::none());
    provision(&kw, &admin).await;
    let before = admin.secret_detail(SECRET).await.expect("detail");
    admin
        .create_or_update_secret(
            SECRET,
            &CreateOrUpdateSecretRequest {
                content: SecretContent::from_bytes(b"rotated"),
                expiry: 4_102_444_800,
                ..Default::default()
            },
        )
        .await
        .expect("update");
    let after = admin.secret_detail(SECRET).await.expect("detail");
    assert_ne!(before.info.checksum, after.info.checksum);
    assert!(after.info.version > before.info.version);
    assert_eq!(after.info.expiry, 4_102_444_800);
    let versions = admin
        .secret_versions(SECRET, 0, 10)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].info.version, after.info.version, "newest first");
    let sanitized = admin.list_secrets_sanitized().await.expect("v2 list");
    assert!(sanitized
        .iter()
        .any(|s| s.info.name == SECRET && s.info.expiry == 4_102_444_800));
    let contents = admin
        .secret_contents(&[SECRET.into(), "missing".into()])
        .await
        .expect("contents");
    assert_eq!(
        contents.success_secrets[SECRET].decode().expect("b64"),
        b"rotated"
    );
    assert_eq!(contents.missing_secrets, vec!["missing".to_string()]);
    assert_eq!(
        admin
            .client_secrets("payments")
            .await
            .expect("client secrets"),
        vec![SECRET.to_string()]
    );
    admin
        .delete_secret(SECRET, Default::default())
        .await
        .expect("delete");
    assert!(admin
        .secret_detail(SECRET)
        .await
        .expect_err("gone")
        .is_not_found());
    kw.shutdown().await;
}

#[tokio::test]
async fn errors_name_the_request_its_status_and_keywhiz_s_message() {
    let kw = start().await;
    let admin = client(&kw, kw.automation_identity(), RetryPolicy::none());
    let app = client(&kw, &provision(&kw, &admin).await, RetryPolicy::none());

    let err = app.list_groups().await.expect_err("403 expected");
    assert!(err.is_forbidden(), "{err}");
    assert_eq!(err.status(), Some(403));
    let text = err.to_string();
    assert!(text.contains("GET /automation/v2/groups"), "{text}");
    assert!(
        text.contains("not authorized as a AutomationClient"),
        "{text}"
    );

    let err = app.get_secret("nope").await.expect_err("404 expected");
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("GET /secret/nope"), "{err}");

    let err = admin
        .create_group(&CreateGroupRequest {
            name: "payments-aws".into(),
            ..Default::default()
        })
        .await
        .expect_err("409 expected");
    assert_eq!(err.status(), Some(409));
    assert!(
        err.to_string()
            .contains("Group payments-aws already exists"),
        "{err}"
    );
    kw.shutdown().await;
}

#[tokio::test]
async fn retries_absorb_faults_and_without_them_the_fault_shows() {
    let kw = start().await;
    let retrying = client(&kw, kw.automation_identity(), RetryPolicy::quick());
    kw.server()
        .set_faults(drill::transient_mix())
        .expect("faults");
    for _ in 0..drill::DRILL_REQUESTS {
        retrying.list_groups().await.expect("retries absorb faults");
    }
    let c = kw.server().counters();
    for kind in drill::TRANSIENT_KINDS {
        assert!(
            c.faults.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {c:?}"
        );
    }

    // Without retries the fault shows, with the request named; one attempt only.
    kw.server()
        .set_faults(drill::every_request_fails())
        .expect("faults");
    kw.server().clear_log();
    let once = client(&kw, kw.automation_identity(), RetryPolicy::none());
    let err = once.list_groups().await.expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert!(err.to_string().contains("GET /automation/v2/groups"));
    assert_eq!(kw.server().counters().total, 1, "no retry");
    kw.shutdown().await;
}
