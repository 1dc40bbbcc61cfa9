//! Losing secrets is an outage: whenever Keywhiz cannot be trusted nothing is
//! written or deleted, and a listing that would delete too much deletes nothing.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::routing::get;
use common::{name, World};
use mock_common::{ClientAuth, Faults, MockServer, ServerOptions};
use syncer::{Settings, Status};

const M: usize = 20;

/// No delete reached moto and every synced secret still has its value.
async fn assert_intact(w: &World, before: &BTreeMap<String, String>, what: &str) {
    let f = w.sm_http.by_operation();
    assert_eq!(f.get("DeleteSecret"), None, "{what}: {f:?}");
    assert_eq!(&w.synced_values().await, before, "{what}");
}

/// A server with the mock's PKI and mTLS that answers `/secrets` with `body`.
async fn fake_keywhiz(w: &World, body: &'static str) -> MockServer {
    let router = axum::Router::new().route(
        "/secrets",
        get(move || async move { ([("content-type", "application/json")], body) }),
    );
    MockServer::start(
        w.pki.clone(),
        router,
        ServerOptions {
            port: 0,
            admin_port: 0,
            client_auth: ClientAuth::Required,
            faults: Faults::none(),
            error_body: Arc::new(|status, msg| {
                (
                    status,
                    format!("{{\"code\":{},\"message\":\"{msg}\"}}", status.as_u16()),
                )
                    .into_response()
            }),
            admin_routes: None,
        },
    )
    .await
    .expect("fake keywhiz")
}

use axum::response::IntoResponse;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrustworthy_keywhiz_changes_nothing() {
    let w = World::start(M).await;
    let first = w.syncer(w.settings()).await.run_once().await;
    assert_eq!(first.actions.created, M as u64, "{first:?}");
    let before = w.synced_values().await;
    assert_eq!(before.len(), M);

    // Keywhiz down (nothing listens on the port).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let down = Settings {
        keywhiz_url: format!("https://127.0.0.1:{closed}"),
        ..w.settings()
    };
    w.clear_counters();
    let r = w.syncer(down).await.run_once().await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert!(
        r.error.as_deref().unwrap_or("").contains("Keywhiz"),
        "{r:?}"
    );
    assert_intact(&w, &before, "keywhiz down").await;

    // Keywhiz answers 5xx to everything.
    w.kw.server()
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::none()
        })
        .expect("faults");
    w.clear_counters();
    let r = w.syncer(w.settings()).await.run_once().await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert!(w.keywhiz_counters().total >= 3, "retried before giving up");
    assert_intact(&w, &before, "keywhiz 503").await;
    w.kw.server().set_faults(Faults::none()).expect("faults");

    // 401: an identity Keywhiz does not know (another app in the same account).
    let ghost =
        w.kw.mint_identity(&mock_common::IdentitySpec::spiffe(
            "ghost",
            &common::spiffe("ghost"),
        ))
        .expect("mint");
    w.put_identity(&ghost, "s2s/ghost/tls").await;
    w.clear_counters();
    let r = w
        .syncer(Settings {
            app: "ghost".into(),
            ..w.settings()
        })
        .await
        .run_once()
        .await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert!(r.error.as_deref().unwrap_or("").contains("401"), "{r:?}");
    assert_intact(&w, &before, "401").await;

    // A certificate that is not the app's is refused before any call.
    w.clear_counters();
    let r = w
        .syncer(Settings {
            identity_secret: Some("s2s/ghost/tls".into()),
            ..w.settings()
        })
        .await
        .run_once()
        .await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert!(r
        .error
        .as_deref()
        .unwrap_or("")
        .contains("spiffe://example.internal/payments"));
    assert_eq!(w.keywhiz_counters().total, 0);
    assert_intact(&w, &before, "wrong identity").await;

    // Garbage JSON, and a 200 that is not a list.
    for body in ["{not json", r#"{"secrets": []}"#, "[{\"nom\": 1}]"] {
        let fake = fake_keywhiz(&w, body).await;
        w.clear_counters();
        let r = w
            .syncer(Settings {
                keywhiz_url: fake.base_url(),
                ..w.settings()
            })
            .await
            .run_once()
            .await;
        assert_eq!(r.status, Status::Failed, "{body}: {r:?}");
        assert_intact(&w, &before, body).await;
        fake.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrunken_listings_delete_nothing() {
    let w = World::start(M).await;
    let syncer = w.syncer(w.settings()).await;
    assert_eq!(syncer.run_once().await.actions.created, M as u64);
    let before = w.synced_values().await;

    // Empty list: the app lost its group membership.
    w.evict_app().await;
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.keywhiz_listed, 0);
    assert_eq!(r.status, Status::DeletesRefused, "{r:?}");
    assert_eq!(r.actions.deletes_refused, M as u64);
    assert_intact(&w, &before, "empty list").await;

    // Back in the group, then 80% of the grants revoked.
    w.admin
        .modify_client_groups(
            common::APP,
            &keywhiz_client::ModifyGroupsRequest {
                add_groups: vec![common::GROUP.into()],
                remove_groups: vec![],
            },
        )
        .await
        .expect("enroll");
    for i in 0..(M * 8 / 10) {
        w.grant(&name(i), false).await;
    }
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.keywhiz_listed, (M / 5) as u64);
    assert_eq!(r.status, Status::DeletesRefused, "{r:?}");
    assert_intact(&w, &before, "80% dropped").await;

    // A legitimate small removal (10%) goes through, with a recovery window.
    for i in 0..(M * 8 / 10) {
        w.grant(&name(i), true).await;
    }
    w.grant(&name(0), false).await;
    w.grant(&name(1), false).await;
    w.clear_counters();
    let r = syncer.run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.deleted, 2);
    assert_eq!(w.synced_values().await, w.expected());
    let d = w
        .check
        .describe_secret()
        .secret_id("keywhiz/payments@secret-0000")
        .send()
        .await
        .expect("still there, pending deletion");
    assert!(d.deleted_date().is_some());
}
