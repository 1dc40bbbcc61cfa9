//! The systems the s2s resources talk to, started in-process for a test:
//! mock Registry and mock Keywhiz sharing one test PKI (so the provider's
//! single `ca_bundle` verifies both), moto when asked, and the provider's
//! identity — a Keywhiz automation client whose SPIFFE ID Registry treats as
//! a platform admin.

use std::future::Future;
use std::sync::Arc;

use keywhiz_client::KeywhizClient;
use mock_common::{ClientIdentity, Faults, TestPki};
use mock_keywhiz::{AutomationClientSpec, KeywhizConfig, KeywhizMock};
use mock_registry::{RegistryConfig, RegistryMock};
use registry_client::RegistryClient;

use crate::{Moto, Terraform};

/// The trust domain of every stack.
pub const TRUST_DOMAIN: &str = "example.internal";
/// The mesh domain of every stack.
pub const MESH_DOMAIN: &str = "meshproxy.example.internal";
/// The SPIFFE ID of the provider's identity.
pub const PROVIDER_SPIFFE_ID: &str = "spiffe://example.internal/platform/terraform";

/// What to start.
#[derive(Default)]
pub struct StackOptions {
    pub registry_seed: Option<mock_registry::Seed>,
    pub keywhiz_seed: Option<mock_keywhiz::Seed>,
    /// Also start moto and give the provider AWS settings (STS checks on).
    pub moto: bool,
}

/// Running mocks (and moto) plus the provider's identity. Stopped on drop.
pub struct Stack {
    rt: tokio::runtime::Runtime,
    registry: Option<RegistryMock>,
    keywhiz: Option<KeywhizMock>,
    identity: ClientIdentity,
    moto: Option<Moto>,
    _pki: Arc<TestPki>,
}

impl Stack {
    /// Starts the mocks with these seeds.
    pub fn start(options: StackOptions) -> Stack {
        let rt = runtime();
        let pki = Arc::new(TestPki::temporary().expect("test PKI"));
        let (registry, keywhiz) = rt.block_on(async {
            let keywhiz = KeywhizMock::start(KeywhizConfig {
                pki: Some(pki.clone()),
                seed: options.keywhiz_seed,
                automation_clients: vec![AutomationClientSpec {
                    name: "terraform".into(),
                    spiffe_id: Some(PROVIDER_SPIFFE_ID.into()),
                }],
                ..KeywhizConfig::default()
            })
            .await
            .expect("start mock Keywhiz");
            let registry = RegistryMock::start(RegistryConfig {
                pki: Some(pki.clone()),
                seed: options.registry_seed,
                trust_domain: TRUST_DOMAIN.into(),
                extra_admins: vec![PROVIDER_SPIFFE_ID.into()],
                ..RegistryConfig::default()
            })
            .await
            .expect("start mock Registry");
            (registry, keywhiz)
        });
        let identity = keywhiz.automation_identity().clone();
        let moto = options.moto.then(Moto::start);
        Stack {
            rt,
            registry: Some(registry),
            keywhiz: Some(keywhiz),
            identity,
            moto,
            _pki: pki,
        }
    }

    pub fn registry(&self) -> &RegistryMock {
        self.registry.as_ref().expect("registry running")
    }

    pub fn keywhiz(&self) -> &KeywhizMock {
        self.keywhiz.as_ref().expect("keywhiz running")
    }

    pub fn moto(&self) -> Option<&Moto> {
        self.moto.as_ref()
    }

    /// The provider's mTLS identity (PEM files).
    pub fn identity(&self) -> &ClientIdentity {
        &self.identity
    }

    /// Runs a future on the mocks' runtime (for clients used by the test).
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// The provider's settings as `S2S_*` environment variables (plus the
    /// AWS credentials for moto when it runs).
    pub fn env(&self) -> Vec<(String, String)> {
        let id = &self.identity;
        let mut env = vec![
            ("S2S_REGISTRY_URL".into(), self.registry().base_url()),
            ("S2S_KEYWHIZ_URL".into(), self.keywhiz().base_url()),
            (
                "S2S_CLIENT_CERTIFICATE".into(),
                id.cert_path.display().to_string(),
            ),
            ("S2S_CLIENT_KEY".into(), id.key_path.display().to_string()),
            ("S2S_CA_BUNDLE".into(), id.ca_path.display().to_string()),
            ("S2S_TRUST_DOMAIN".into(), TRUST_DOMAIN.into()),
            ("S2S_MESH_DOMAIN".into(), MESH_DOMAIN.into()),
        ];
        if let Some(moto) = &self.moto {
            env.push(("S2S_AWS_ENDPOINT".into(), moto.endpoint()));
            env.push(("S2S_AWS_REGION".into(), "eu-west-1".into()));
            env.extend(moto.credentials());
        }
        env
    }

    /// A new working directory for the s2s provider, pointed at this stack.
    pub fn terraform(&self) -> Terraform {
        let mut tf = Terraform::s2s();
        self.configure(&mut tf);
        tf
    }

    /// Points a Terraform working directory at this stack.
    pub fn configure(&self, tf: &mut Terraform) {
        for (k, v) in self.env() {
            tf.set_env(k, v);
        }
    }

    /// The identity of app `app`'s CI pipeline: `spiffe://<td>/ci/<app>`,
    /// which Registry lets change app `app` only, registered in Keywhiz as an
    /// automation client (as the provider's identity must be).
    pub fn pipeline_identity(&self, app: &str) -> ClientIdentity {
        self.keywhiz()
            .add_automation_client(&AutomationClientSpec {
                name: format!("ci-{app}"),
                spiffe_id: Some(format!("spiffe://{TRUST_DOMAIN}/ci/{app}")),
            })
            .expect("pipeline identity")
    }

    /// Points a Terraform working directory at this stack, presenting
    /// `identity` instead of the provider's platform identity.
    pub fn configure_as(&self, tf: &mut Terraform, identity: &ClientIdentity) {
        self.configure(tf);
        tf.set_env(
            "S2S_CLIENT_CERTIFICATE",
            identity.cert_path.display().to_string(),
        );
        tf.set_env("S2S_CLIENT_KEY", identity.key_path.display().to_string());
        tf.set_env("S2S_CA_BUNDLE", identity.ca_path.display().to_string());
    }

    /// A Registry client as the platform admin (for out-of-band changes).
    pub fn registry_admin(&self) -> RegistryClient {
        let admin = self.registry().admin_identity();
        let config = registry_client::ClientConfig::from_files(
            self.registry().base_url(),
            &admin.cert_path,
            &admin.key_path,
            &admin.ca_path,
        )
        .expect("registry admin config");
        RegistryClient::new(&config).expect("registry admin client")
    }

    /// A Keywhiz automation client (for out-of-band changes and checks).
    pub fn keywhiz_automation(&self) -> KeywhizClient {
        let id = &self.identity;
        let config = keywhiz_client::ClientConfig::from_files(
            self.keywhiz().base_url(),
            &id.cert_path,
            &id.key_path,
            &id.ca_path,
        )
        .expect("keywhiz config");
        KeywhizClient::new(&config).expect("keywhiz client")
    }

    /// Sets the same faults on both mocks.
    pub fn set_faults(&self, faults: Faults) {
        self.registry()
            .server()
            .set_faults(faults.clone())
            .expect("registry faults");
        self.keywhiz()
            .server()
            .set_faults(faults)
            .expect("keywhiz faults");
    }

    /// Clears both request logs and counters.
    pub fn clear_logs(&self) {
        self.registry().server().clear_log();
        self.keywhiz().server().clear_log();
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let registry = self.registry.take();
        let keywhiz = self.keywhiz.take();
        self.rt.block_on(async {
            if let Some(r) = registry {
                r.shutdown().await;
            }
            if let Some(k) = keywhiz {
                k.shutdown().await;
            }
        });
    }
}

/// The runtime in-process servers of a test run on: two workers, whatever the
/// test's own threads do.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A Keywhiz seed secret (contents given as plain text, stored as base64).
pub fn seed_secret(name: &str, plain: &str, expiry: i64) -> mock_keywhiz::seed::SeedSecret {
    mock_keywhiz::seed::SeedSecret {
        name: name.into(),
        content: base64_encode(plain.as_bytes()),
        expiry,
        kind: "password".into(),
        ..Default::default()
    }
}

/// The app's own Keywhiz group (the group named after the app): the owner
/// of the app's secrets in the datacenter.
pub fn app_group(app: &str) -> mock_keywhiz::seed::SeedGroup {
    mock_keywhiz::seed::SeedGroup {
        name: app.into(),
        ..Default::default()
    }
}

/// A Keywhiz seed secret owned by the app's own group, so that the app may
/// assign it (seed [`app_group`] too).
pub fn owned_secret(
    app: &str,
    name: &str,
    plain: &str,
    expiry: i64,
) -> mock_keywhiz::seed::SeedSecret {
    mock_keywhiz::seed::SeedSecret {
        owner: Some(app.into()),
        ..seed_secret(name, plain, expiry)
    }
}

/// A Keywhiz seed holding the app's group and these secrets of it
/// (`(name, plain text, expiry)`).
pub fn app_secrets(app: &str, secrets: &[(&str, &str, i64)]) -> mock_keywhiz::Seed {
    mock_keywhiz::Seed {
        groups: vec![app_group(app)],
        secrets: secrets
            .iter()
            .map(|(name, plain, expiry)| owned_secret(app, name, plain, *expiry))
            .collect(),
        ..Default::default()
    }
}

/// `count` Keywhiz clients of other apps (`client-0000`, ... as
/// `spiffe://example.internal/app-0000`, ...): what a first grant must not
/// have to page through.
pub fn other_clients(count: usize) -> Vec<mock_keywhiz::seed::SeedClient> {
    (0..count)
        .map(|i| mock_keywhiz::seed::SeedClient {
            name: format!("client-{i:04}"),
            spiffe_id: Some(format!("spiffe://example.internal/app-{i:04}")),
            ..Default::default()
        })
        .collect()
}

/// Standard base64 with padding, as Keywhiz stores secret contents.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A Registry seed app.
pub fn seed_app(
    name: &str,
    accounts: &[(&str, &str)],
    certificate_generation: bool,
) -> mock_registry::seed::SeedApp {
    let json = serde_json::json!({
        "name": name,
        "accounts": accounts.iter().map(|(id, env)| serde_json::json!({"account_id": id, "environment": env})).collect::<Vec<_>>(),
        "certificate_generation": certificate_generation,
    });
    serde_json::from_value(json).expect("seed app")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }
}
