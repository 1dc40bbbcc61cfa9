//! A whole test mesh in one value: a mesh CA (mock-common's test PKI), one
//! mTLS backend per service and the SNI gateway routing
//! `<environment>.<app>.<mesh_domain>` to them. It can also mint the
//! certificate bundle a function of an app would get, for tests that run
//! without the cert-issuer.

use std::collections::HashMap;
use std::sync::Arc;

use cert_bundle::CertBundle;
use mock_common::{IdentitySpec, TestPki};

use crate::backend::{Backend, BackendConfig};
use crate::gateway::Gateway;

/// One mesh service.
#[derive(Debug, Clone)]
pub struct Service {
    /// The app it serves (its route is `<environment>.<app>.<mesh_domain>`).
    pub app: String,
    /// The SPIFFE ID its certificate carries (default: the app's own); set
    /// another to stand up an impostor.
    pub presents: Option<String>,
    /// Only these callers are served (default: anyone in the trust domain).
    pub allowed_callers: Option<Vec<String>>,
}

impl Service {
    pub fn new(app: &str) -> Service {
        Service {
            app: app.to_owned(),
            presents: None,
            allowed_callers: None,
        }
    }
}

pub struct MeshOptions {
    pub trust_domain: String,
    pub mesh_domain: String,
    pub environment: String,
    pub services: Vec<Service>,
    /// Roots the backends trust for callers (default: the mesh CA). The
    /// cert-issuer's CA goes here when it issues the functions' certificates.
    pub client_roots_pem: Option<String>,
    /// The mesh CA; a fresh temporary one by default.
    pub pki: Option<Arc<TestPki>>,
    /// Gateway port (0 = a free one).
    pub gateway_port: u16,
}

impl MeshOptions {
    pub fn new(services: Vec<Service>) -> MeshOptions {
        MeshOptions {
            trust_domain: "example.internal".into(),
            mesh_domain: "meshproxy.example.internal".into(),
            environment: "staging".into(),
            services,
            client_roots_pem: None,
            pki: None,
            gateway_port: 0,
        }
    }
}

pub struct TestMesh {
    pki: Arc<TestPki>,
    gateway: Gateway,
    backends: HashMap<String, Backend>,
    trust_domain: String,
    mesh_domain: String,
    environment: String,
}

impl TestMesh {
    pub async fn start(options: MeshOptions) -> anyhow::Result<TestMesh> {
        let pki = match options.pki {
            Some(pki) => pki,
            None => Arc::new(TestPki::temporary()?),
        };
        let client_roots = options
            .client_roots_pem
            .unwrap_or_else(|| pki.ca_pem().to_owned());
        let mut backends = HashMap::new();
        let mut routes = HashMap::new();
        for service in options.services {
            let spiffe_id = service
                .presents
                .clone()
                .unwrap_or_else(|| format!("spiffe://{}/{}", options.trust_domain, service.app));
            let id = pki.mint(&IdentitySpec {
                name: format!("service-{}", service.app),
                spiffe_id: Some(spiffe_id.clone()),
                ..IdentitySpec::default()
            })?;
            let backend = Backend::start(BackendConfig {
                spiffe_id,
                cert_pem: id.cert_pem.clone(),
                key_pem: id.key_pem.clone(),
                client_roots_pem: client_roots.clone(),
                trust_domain: options.trust_domain.clone(),
                allowed_callers: service.allowed_callers.clone(),
            })
            .await?;
            routes.insert(
                format!(
                    "{}.{}.{}",
                    options.environment, service.app, options.mesh_domain
                ),
                backend.addr(),
            );
            backends.insert(service.app, backend);
        }
        let gateway = Gateway::start(options.gateway_port, routes).await?;
        Ok(TestMesh {
            pki,
            gateway,
            backends,
            trust_domain: options.trust_domain,
            mesh_domain: options.mesh_domain,
            environment: options.environment,
        })
    }

    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// `127.0.0.1:port`, for `S2S_MESH_GATEWAY`.
    pub fn gateway_address(&self) -> String {
        self.gateway.addr().to_string()
    }

    pub fn backend(&self, app: &str) -> &Backend {
        &self.backends[app]
    }

    /// The mesh roots (PEM): a bundle's `ca_bundle`.
    pub fn ca_pem(&self) -> &str {
        self.pki.ca_pem()
    }

    pub fn pki(&self) -> &Arc<TestPki> {
        &self.pki
    }

    pub fn hostname(&self, app: &str) -> String {
        format!("{}.{}.{}", self.environment, app, self.mesh_domain)
    }

    pub fn spiffe_id(&self, app: &str) -> String {
        format!("spiffe://{}/{}", self.trust_domain, app)
    }

    /// A bundle for a function of `app`, signed by the mesh CA, valid for
    /// `valid_days` (negative: already expired), named `name` on disk.
    pub fn bundle_for(
        &self,
        name: &str,
        spiffe_id: &str,
        valid_days: i64,
    ) -> anyhow::Result<CertBundle> {
        let id = self.pki.mint(&IdentitySpec {
            name: name.to_owned(),
            spiffe_id: Some(spiffe_id.to_owned()),
            valid_days: Some(valid_days),
            ..IdentitySpec::default()
        })?;
        Ok(CertBundle::from_parts(
            &id.cert_pem,
            &id.key_pem,
            self.pki.ca_pem(),
        )?)
    }
}
