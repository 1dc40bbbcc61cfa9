//! mock-registry: the Registry API of docs/guides/registry-api.md over
//! mTLS, on top of `mock-common` (faults, request log, persistence).

pub mod access;
pub mod apps;
pub mod error;
pub mod functions;
pub mod model;
pub mod routes;
pub mod seed;
pub mod wire;

use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use mock_common::{
    ClientAuth, ClientIdentity, Faults, IdentitySpec, JsonStore, MockServer, ServerOptions, TestPki,
};

pub use access::Authz;
pub use model::State;
pub use seed::Seed;

/// How to start the mock.
pub struct RegistryConfig {
    pub port: u16,
    pub admin_port: u16,
    pub client_auth: ClientAuth,
    pub faults: Faults,
    pub pki: Option<Arc<TestPki>>,
    pub state_path: Option<PathBuf>,
    pub seed: Option<Seed>,
    /// Default `example.internal`.
    pub trust_domain: String,
    /// Extra platform-admin SPIFFE IDs (besides `spiffe://<td>/platform/admin`).
    pub extra_admins: Vec<String>,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            port: 0,
            admin_port: 0,
            client_auth: ClientAuth::Required,
            faults: Faults::none(),
            pki: None,
            state_path: None,
            seed: None,
            trust_domain: "example.internal".into(),
            extra_admins: Vec::new(),
        }
    }
}

/// A running mock Registry.
pub struct RegistryMock {
    server: MockServer,
    shared: access::Shared,
    admin: ClientIdentity,
}

impl std::fmt::Debug for RegistryMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryMock")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl RegistryMock {
    pub async fn start(config: RegistryConfig) -> anyhow::Result<Self> {
        let pki = TestPki::given_or_temporary(config.pki)?;
        let store = JsonStore::new(config.state_path.clone());
        let state: State = store.load_or_seed(|state| match &config.seed {
            Some(seed) => seed::apply(state, seed),
            None => Ok(()),
        })?;
        let mut authz = Authz::new(&config.trust_domain);
        authz.admins.extend(config.extra_admins);
        let admin_id = authz.admins[0].clone();
        let admin = pki.mint(&IdentitySpec {
            name: "registry-admin".into(),
            cn: Some("registry-admin".into()),
            spiffe_id: Some(admin_id),
            ..Default::default()
        })?;
        let shared = access::Shared::new(state, store, authz);
        let admin_routes = {
            let s = shared.clone();
            Router::new().route(
                "/__admin/state",
                get(move || {
                    let s = s.clone();
                    async move { Json(s.lock().map(|st| st.clone()).unwrap_or_default()) }
                }),
            )
        };
        let server = MockServer::start(
            pki,
            routes::router(shared.clone()),
            ServerOptions {
                port: config.port,
                admin_port: config.admin_port,
                client_auth: config.client_auth,
                faults: config.faults,
                error_body: Arc::new(error::body),
                admin_routes: Some(admin_routes),
            },
        )
        .await?;
        Ok(Self {
            server,
            shared,
            admin,
        })
    }

    pub fn server(&self) -> &MockServer {
        &self.server
    }

    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn ca_path(&self) -> PathBuf {
        self.server.ca_path()
    }

    pub fn trust_domain(&self) -> &str {
        &self.shared.authz.trust_domain
    }

    /// The platform admin identity (minted at start).
    pub fn admin_identity(&self) -> &ClientIdentity {
        &self.admin
    }

    /// Mint the CI identity of `app` (`spiffe://<td>/ci/<app>`).
    pub fn ci_identity(&self, app: &str) -> anyhow::Result<ClientIdentity> {
        Ok(self.server.mint_identity(&IdentitySpec {
            name: format!("ci-{app}"),
            cn: Some(format!("ci-{app}")),
            spiffe_id: Some(self.shared.authz.ci_identity(app)),
            ..Default::default()
        })?)
    }

    /// Mint any identity.
    pub fn mint_identity(&self, spec: &IdentitySpec) -> anyhow::Result<ClientIdentity> {
        Ok(self.server.mint_identity(spec)?)
    }

    /// A copy of the model.
    pub fn state(&self) -> anyhow::Result<State> {
        self.shared
            .lock()
            .map(|s| s.clone())
            .map_err(|e| anyhow::anyhow!("{e:?}"))
    }

    pub fn report(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut r = self.server.report();
        r.insert("mock".into(), "registry".into());
        r.insert("trust_domain".into(), self.trust_domain().into());
        r.insert(
            "admin_identity".into(),
            serde_json::json!({"name": self.admin.name, "cert": self.admin.cert_path, "key": self.admin.key_path, "ca": self.admin.ca_path}),
        );
        r
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await
    }
}
