//! One format, one parser: the Keywhiz syncer of an app account reads its
//! identity from the bundle the issuer wrote (`s2s/<app>/tls`, through
//! `cert-bundle`), presents the issued certificate (leaf + issuing CA) to mock
//! Keywhiz, which accepts it as `spiffe://<td>/<app>` under the mesh root, and
//! syncs the app's secret.

use crate::common;

use common::{seed, spiffe, AppSeed, World, TRUST_DOMAIN};
use mock_keywhiz::seed::{Seed, SeedClient, SeedGroup, SeedSecret};
use mock_keywhiz::{KeywhizConfig, KeywhizMock};
use syncer::{Settings as SyncerSettings, Status, Syncer};

const A1: &str = "111111111111";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_syncer_authenticates_with_the_bundle_the_issuer_wrote() {
    let w = World::start(seed(&[AppSeed {
        name: "payments",
        accounts: &[(A1, "staging")],
        on: true,
        functions: &[],
    }]))
    .await;
    let kw = KeywhizMock::start(KeywhizConfig {
        pki: Some(w.pki.clone()),
        seed: Some(Seed {
            groups: vec![SeedGroup {
                name: "payments-aws".into(),
                ..Default::default()
            }],
            clients: vec![SeedClient {
                name: "payments".into(),
                spiffe_id: Some(spiffe("payments")),
                groups: vec!["payments-aws".into()],
                ..Default::default()
            }],
            secrets: vec![SeedSecret {
                name: "payments:db-password".into(),
                content: base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    b"hunter2",
                ),
                groups: vec!["payments-aws".into()],
                ..Default::default()
            }],
        }),
        ..KeywhizConfig::default()
    })
    .await
    .expect("mock keywhiz");

    // Before the issuer ran there is no identity: the syncer stops, Keywhiz sees nothing.
    let settings = SyncerSettings {
        app: "payments".into(),
        trust_domain: TRUST_DOMAIN.into(),
        keywhiz_url: kw.base_url(),
        keywhiz_ca_file: Some(w.pki.ca_path()),
        write_tps: 50.0,
        ..SyncerSettings::default()
    };
    settings.validate().expect("syncer settings");
    let in_account = w.in_account(A1).await;
    let r = Syncer::new(settings.clone(), &in_account).run_once().await;
    assert_eq!(r.status, Status::Failed, "{r:?}");
    assert_eq!(kw.server().counters().total, 0);

    let issued = w.issuer(w.settings()).once().await;
    assert_eq!(issued.issued, 1, "{issued:?}");

    let r = Syncer::new(settings, &in_account).run_once().await;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.actions.created, 1);
    let sm = aws_sdk_secretsmanager::Client::new(&in_account);
    let value = sm
        .get_secret_value()
        .secret_id("keywhiz/payments@db-password")
        .send()
        .await
        .expect("synced secret");
    assert_eq!(value.secret_string(), Some("hunter2"));
    kw.shutdown().await;
}
