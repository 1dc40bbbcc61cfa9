//! mock-keywhiz: a Keywhiz server for tests, speaking Keywhiz's real wire API
//! (client delivery API and automation v2 API), with Keywhiz's mTLS identity
//! rules, on top of `mock-common` (faults, request log, persistence).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let kw = mock_keywhiz::KeywhizMock::start(mock_keywhiz::KeywhizConfig::default()).await?;
//! let automation = kw.automation_identity(); // cert/key/CA paths for the automation client
//! println!("{} {:?}", kw.server().base_url(), automation.cert_path);
//! kw.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod app;
pub mod checksum;
pub mod clients;
pub mod delivery;
pub mod error;
pub mod groups;
pub mod model;
pub mod routes;
pub mod secrets;
pub mod seed;
pub mod time;
pub mod wire;

use std::path::PathBuf;
use std::sync::Arc;

use mock_common::{
    ClientAuth, ClientIdentity, ErrorRenderer, Faults, IdentitySpec, JsonStore, MockServer,
    ServerOptions, TestPki,
};

pub use app::AppState;
pub use model::State;
pub use seed::Seed;

/// An automation client configured at start: a Keywhiz client with
/// `automationAllowed = true` (no API can set that flag, as in Keywhiz).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationClientSpec {
    /// Client name = certificate CN.
    pub name: String,
    /// Optional SPIFFE ID recorded on the client and put into the certificate.
    pub spiffe_id: Option<String>,
}

impl AutomationClientSpec {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            spiffe_id: None,
        }
    }
}

/// How to start the mock.
pub struct KeywhizConfig {
    pub port: u16,
    pub admin_port: u16,
    /// `Required` (default): no certificate → handshake refused. `Optional`:
    /// like Keywhiz's Jetty `wantClientAuth`, no certificate → 401.
    pub client_auth: ClientAuth,
    pub faults: Faults,
    /// The PKI to use (default: a temporary one).
    pub pki: Option<Arc<TestPki>>,
    /// Persist state here (loaded at start if present).
    pub state_path: Option<PathBuf>,
    /// Applied at start when no saved state was loaded.
    pub seed: Option<Seed>,
    /// Default: one client named `automation`.
    pub automation_clients: Vec<AutomationClientSpec>,
}

impl Default for KeywhizConfig {
    fn default() -> Self {
        Self {
            port: 0,
            admin_port: 0,
            client_auth: ClientAuth::Required,
            faults: Faults::none(),
            pki: None,
            state_path: None,
            seed: None,
            automation_clients: vec![AutomationClientSpec::named("automation")],
        }
    }
}

/// A running mock Keywhiz.
pub struct KeywhizMock {
    server: MockServer,
    app: AppState,
    automation: Vec<ClientIdentity>,
}

impl std::fmt::Debug for KeywhizMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywhizMock")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

fn error_renderer() -> ErrorRenderer {
    Arc::new(error::body)
}

impl KeywhizMock {
    pub async fn start(config: KeywhizConfig) -> anyhow::Result<Self> {
        let pki = TestPki::given_or_temporary(config.pki)?;
        let store = JsonStore::new(config.state_path.clone());
        let mut state: State = store.load_or_seed(|state: &mut State| {
            let hmac_key = checksum::derive_key(&state.base_key());
            if let Some(seed) = &config.seed {
                seed::apply(state, seed, |c| checksum::checksum(&hmac_key, c));
            }
            Ok(())
        })?;
        let mut automation = Vec::new();
        for spec in &config.automation_clients {
            seed::upsert_client(
                &mut state,
                &seed::SeedClient {
                    name: spec.name.clone(),
                    spiffe_id: spec.spiffe_id.clone(),
                    automation: true,
                    ..Default::default()
                },
            );
            automation.push(pki.mint(&IdentitySpec {
                name: spec.name.clone(),
                cn: Some(spec.name.clone()),
                spiffe_id: spec.spiffe_id.clone(),
                ..Default::default()
            })?);
        }
        store.save(&state)?;
        let app = AppState::new(state, store);
        let server = MockServer::start(
            pki.clone(),
            routes::router(app.clone()),
            ServerOptions {
                port: config.port,
                admin_port: config.admin_port,
                client_auth: config.client_auth,
                faults: config.faults,
                error_body: error_renderer(),
                admin_routes: Some(admin::router(app.clone(), pki)),
            },
        )
        .await?;
        Ok(Self {
            server,
            app,
            automation,
        })
    }

    /// The generic handle: addresses, CA, faults, request log, minting.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn ca_path(&self) -> PathBuf {
        self.server.ca_path()
    }

    /// The first configured automation client's identity.
    pub fn automation_identity(&self) -> &ClientIdentity {
        // `start` always mints one per configured client; an empty list is a config choice.
        self.automation
            .first()
            .unwrap_or_else(|| panic!("mock-keywhiz started without automation clients"))
    }

    pub fn automation_identities(&self) -> &[ClientIdentity] {
        &self.automation
    }

    /// Mint a certificate (does not create a Keywhiz client).
    pub fn mint_identity(&self, spec: &IdentitySpec) -> anyhow::Result<ClientIdentity> {
        Ok(self.server.mint_identity(spec)?)
    }

    /// Register an automation client at run time and mint its identity.
    pub fn add_automation_client(
        &self,
        spec: &AutomationClientSpec,
    ) -> anyhow::Result<ClientIdentity> {
        admin::add_automation_client(&self.app, self.server.pki(), spec)
    }

    /// A copy of the whole model (secret contents included).
    pub fn state(&self) -> anyhow::Result<State> {
        self.app
            .snapshot()
            .map_err(|e| anyhow::anyhow!("state: {e:?}"))
    }

    /// The JSON line the binary prints.
    pub fn report(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut r = self.server.report();
        r.insert("mock".into(), "keywhiz".into());
        let ids: Vec<serde_json::Value> = self
            .automation
            .iter()
            .map(|i| {
                serde_json::json!({
                    "name": i.name, "cert": i.cert_path, "key": i.key_path, "ca": i.ca_path
                })
            })
            .collect();
        r.insert("automation_clients".into(), ids.into());
        r
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await
    }
}
