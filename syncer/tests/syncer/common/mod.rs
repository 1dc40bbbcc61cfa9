//! The syncer's test world: moto (the acceptance tests' launcher), mock-keywhiz with
//! the app's client and M granted secrets, the app's identity in moto's
//! Secrets Manager, and SDK clients whose requests are recorded (and can be
//! refused) by runtime-support's [`AwsHttp`].

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::config::Credentials;
use aws_sdk_secretsmanager::Client;
use base64::Engine;
use keywhiz_client::{
    ClientConfig, CreateOrUpdateSecretRequest, KeywhizClient, ModifyGroupsRequest, RetryPolicy,
    SecretContent,
};
use mock_common::Moto;
use mock_common::{ClientIdentity, IdentitySpec, TestPki};
use mock_keywhiz::seed::{Seed, SeedClient, SeedGroup, SeedSecret};
use mock_keywhiz::{KeywhizConfig, KeywhizMock};
use syncer::{Settings, Syncer};

pub use runtime_support::aws_http::AwsHttp;

pub const APP: &str = "payments";
pub const TRUST_DOMAIN: &str = "example.internal";
pub const GROUP: &str = "payments-aws";

pub fn spiffe(app: &str) -> String {
    format!("spiffe://{TRUST_DOMAIN}/{app}")
}

/// Keywhiz name of the i-th test secret (with a `:`, as real names have).
pub fn name(i: usize) -> String {
    format!("{APP}:secret-{i:04}")
}

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

pub struct World {
    pub moto: Moto,
    pub kw: KeywhizMock,
    pub pki: Arc<TestPki>,
    pub admin: KeywhizClient,
    pub identity: ClientIdentity,
    /// Counts (and can throttle) what the syncer sends to moto.
    pub sm_http: AwsHttp,
    /// A plain client for setting up and checking moto.
    pub check: Client,
}

async fn sdk(endpoint: &str, http: Option<&AwsHttp>) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .http_client(runtime_support::aws::http_client());
    let base = loader.load().await;
    match http {
        None => base,
        Some(h) => {
            let real = runtime_support::aws::http_client();
            base.into_builder().http_client(h.client(real)).build()
        }
    }
}

impl World {
    /// Keywhiz with `m` secrets granted to the app, moto with the app's identity.
    pub async fn start(m: usize) -> World {
        let moto = tokio::task::spawn_blocking(Moto::start)
            .await
            .expect("moto start");
        let pki = Arc::new(TestPki::temporary().expect("pki"));
        let seed = Seed {
            groups: vec![SeedGroup {
                name: GROUP.into(),
                ..Default::default()
            }],
            clients: vec![SeedClient {
                name: APP.into(),
                spiffe_id: Some(spiffe(APP)),
                groups: vec![GROUP.into()],
                ..Default::default()
            }],
            secrets: (0..m)
                .map(|i| SeedSecret {
                    name: name(i),
                    content: b64(&format!("value-{i}-v1")),
                    groups: vec![GROUP.into()],
                    ..Default::default()
                })
                .collect(),
        };
        let kw = KeywhizMock::start(KeywhizConfig {
            pki: Some(pki.clone()),
            seed: Some(seed),
            ..KeywhizConfig::default()
        })
        .await
        .expect("mock keywhiz");
        let auto = kw.automation_identity();
        let admin = KeywhizClient::new(
            &ClientConfig::from_files(
                kw.base_url(),
                &auto.cert_path,
                &auto.key_path,
                &auto.ca_path,
            )
            .expect("automation identity")
            .with_retry(RetryPolicy::none()),
        )
        .expect("admin client");
        let identity = kw
            .mint_identity(&IdentitySpec::spiffe(APP, &spiffe(APP)))
            .expect("mint");
        let check = Client::new(&sdk(&moto.endpoint(), None).await);
        let world = World {
            moto,
            kw,
            pki,
            admin,
            identity,
            sm_http: AwsHttp::default(),
            check,
        };
        world
            .put_identity(&world.identity, "s2s/payments/tls")
            .await;
        world
    }

    /// The bundle the certificate issuer writes (cert-bundle's one format).
    pub async fn put_identity(&self, id: &ClientIdentity, secret: &str) {
        let bundle =
            cert_bundle::CertBundle::from_parts(&id.cert_pem, &id.key_pem, self.pki.ca_pem())
                .expect("a bundle");
        self.check
            .create_secret()
            .name(secret)
            .secret_string(bundle.to_json())
            .send()
            .await
            .expect("put identity");
    }

    /// Settings for a fast test run (write limit at the quota's 50 TPS).
    pub fn settings(&self) -> Settings {
        Settings {
            app: APP.into(),
            trust_domain: TRUST_DOMAIN.into(),
            keywhiz_url: self.kw.base_url(),
            keywhiz_ca_file: Some(self.kw.ca_path()),
            write_tps: 50.0,
            keywhiz_attempts: 3,
            keywhiz_timeout_secs: 10,
            ..Settings::default()
        }
    }

    /// A syncer whose Secrets Manager traffic goes through `sm_http`.
    pub async fn syncer(&self, settings: Settings) -> Syncer {
        settings.validate().expect("valid settings");
        Syncer::new(
            settings,
            &sdk(&self.moto.endpoint(), Some(&self.sm_http)).await,
        )
    }

    /// Keywhiz requests seen by the mock since the last `clear`.
    pub fn keywhiz_counters(&self) -> mock_common::Counters {
        self.kw.server().counters()
    }

    /// Take the app out of its Keywhiz group: it may read none of the secrets.
    pub async fn evict_app(&self) {
        self.admin
            .modify_client_groups(
                APP,
                &keywhiz_client::ModifyGroupsRequest {
                    add_groups: vec![],
                    remove_groups: vec![GROUP.into()],
                },
            )
            .await
            .expect("evict");
    }

    pub fn clear_counters(&self) {
        self.kw.server().clear_log();
        self.sm_http.clear();
    }

    /// Write a new version of a Keywhiz secret.
    pub async fn set_secret(&self, name: &str, value: &str, metadata: BTreeMap<String, String>) {
        self.admin
            .create_or_update_secret(
                name,
                &CreateOrUpdateSecretRequest {
                    content: SecretContent::from_base64(b64(value)),
                    metadata,
                    ..Default::default()
                },
            )
            .await
            .expect("update secret");
    }

    /// Create a new secret and grant it to the app.
    pub async fn add_secret(&self, name: &str, value: &str) {
        self.set_secret(name, value, BTreeMap::new()).await;
        self.grant(name, true).await;
    }

    pub async fn grant(&self, name: &str, on: bool) {
        let g = vec![GROUP.to_owned()];
        let req = if on {
            ModifyGroupsRequest {
                add_groups: g,
                remove_groups: vec![],
            }
        } else {
            ModifyGroupsRequest {
                add_groups: vec![],
                remove_groups: g,
            }
        };
        self.admin
            .modify_secret_groups(name, &req)
            .await
            .expect("modify groups");
    }

    /// What the app should see: Secrets Manager name → value, from the mock's model.
    pub fn expected(&self) -> BTreeMap<String, String> {
        let state = self.kw.state().expect("state");
        let client = state.clients.get(APP).expect("app client").clone();
        state
            .visible_secrets(&client)
            .into_iter()
            .filter_map(|s| {
                let v = s.current_version()?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&v.content)
                    .expect("b64");
                Some((
                    s2s_core::secretsmanager_name_for_keywhiz(&s.name).expect("name"),
                    String::from_utf8(bytes).expect("utf8"),
                ))
            })
            .collect()
    }

    /// Live (not pending deletion) secrets under `keywhiz/` with values and tags.
    pub async fn actual(&self) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
        let mut out = BTreeMap::new();
        let mut pages = self
            .check
            .list_secrets()
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for e in page.expect("list").secret_list() {
                let name = e.name().unwrap_or_default().to_owned();
                if !name.starts_with("keywhiz/") {
                    continue;
                }
                let tags = e
                    .tags()
                    .iter()
                    .map(|t| {
                        (
                            t.key().unwrap_or_default().to_owned(),
                            t.value().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                // AWS reads AWSCURRENT by default; moto 5.2.5 reads its own
                // "default version", which UpdateSecretVersionStage does not move.
                let v = self
                    .check
                    .get_secret_value()
                    .secret_id(&name)
                    .version_stage("AWSCURRENT")
                    .send()
                    .await
                    .expect("get value");
                out.insert(
                    name,
                    (v.secret_string().unwrap_or_default().to_owned(), tags),
                );
            }
        }
        out
    }

    /// Only the syncer's secrets, name → value.
    pub async fn synced_values(&self) -> BTreeMap<String, String> {
        self.actual()
            .await
            .into_iter()
            .filter(|(_, (_, t))| {
                t.get("managed-by").map(String::as_str) == Some("s2s-keywhiz-syncer")
            })
            .map(|(k, (v, _))| (k, v))
            .collect()
    }

    /// A secret made by hand under `keywhiz/`, without the syncer's tag.
    pub async fn hand_made(&self, sm_name: &str, value: &str) {
        self.check
            .create_secret()
            .name(sm_name)
            .secret_string(value)
            .send()
            .await
            .expect("hand-made secret");
    }

    /// Everything the syncer must never print: every value Keywhiz lets the app read (as
    /// text and as Keywhiz's base64), and the app's private key, as each base64 line of
    /// its PEM, so a key escaped into a JSON string is found as well.
    pub fn never_logged(&self) -> Vec<String> {
        let values = self.expected();
        let key_lines: Vec<String> = self
            .identity
            .key_pem
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
            .map(str::to_owned)
            .collect();
        assert!(
            !values.is_empty() && !key_lines.is_empty(),
            "nothing to look for"
        );
        let mut needles: Vec<String> = values.into_values().flat_map(|v| [b64(&v), v]).collect();
        needles.extend(key_lines);
        needles
    }
}

/// `output` (log lines, a report) contains none of `secrets` ([`World::never_logged`]),
/// neither as printed nor inside a JSON string once unescaped.
pub fn assert_none_in(secrets: &[String], what: &str, output: &str) {
    let mut haystack = output.to_owned();
    for line in output.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            strings_of(&v, &mut haystack);
        }
    }
    for n in secrets {
        assert!(
            !haystack.contains(n.as_str()),
            "{what} carries a secret ({n:?} is a value or a line of the app's key)"
        );
    }
}

/// Every string in `v` (keys and values), appended to `out` one per line.
fn strings_of(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            out.push('\n');
            out.push_str(s);
        }
        Value::Array(a) => a.iter().for_each(|x| strings_of(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.push('\n');
                out.push_str(k);
                strings_of(x, out);
            }
        }
        _ => {}
    }
}
