//! Mesh addressing (ARCHITECTURE.md, "The mesh path"): the app a request is for,
//! and the SNI name and SPIFFE ID that go with it. Calls stay in the caller's
//! own environment: a staging function reaches `staging.<app>.<mesh_domain>`.

use s2s_core as names;
use s2s_core::{Environment, NameError};

/// Why a request names no mesh app this function may call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{host} is not a mesh hostname: call http://{environment}.<app>.{mesh_domain}/... through HTTP_PROXY, or http://127.0.0.1:<port>/<app>/...")]
    NotMesh {
        host: String,
        environment: Environment,
        mesh_domain: String,
    },
    #[error("{host} is in the {found} environment; this function runs in {environment} and calls {environment}.<app>.{mesh_domain} only")]
    OtherEnvironment {
        host: String,
        found: String,
        environment: Environment,
        mesh_domain: String,
    },
    #[error("{0}")]
    App(NameError),
}

/// The caller's environment and the mesh's two domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressing {
    environment: Environment,
    trust_domain: String,
    mesh_domain: String,
}

impl Addressing {
    pub fn new(
        environment: Environment,
        trust_domain: &str,
        mesh_domain: &str,
    ) -> Result<Addressing, NameError> {
        names::validate_trust_domain(trust_domain)?;
        names::validate_mesh_domain(mesh_domain)?;
        Ok(Addressing {
            environment,
            trust_domain: trust_domain.to_owned(),
            mesh_domain: mesh_domain.to_owned(),
        })
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    pub fn trust_domain(&self) -> &str {
        &self.trust_domain
    }

    pub fn mesh_domain(&self) -> &str {
        &self.mesh_domain
    }

    /// `<environment>.<app>.<mesh_domain>`: the SNI of a call to `app`.
    pub fn hostname(&self, app: &str) -> Result<String, AddressError> {
        names::mesh_hostname(self.environment, app, &self.mesh_domain).map_err(AddressError::App)
    }

    /// `spiffe://<trust_domain>/<app>`: the only identity `app`'s server may present.
    pub fn spiffe_id(&self, app: &str) -> Result<String, AddressError> {
        names::spiffe_id(&self.trust_domain, app).map_err(AddressError::App)
    }

    /// The app a forward-proxy host (`Host` or absolute URI) names.
    pub fn app_of_host(&self, host: &str) -> Result<String, AddressError> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let not_mesh = || AddressError::NotMesh {
            host: host.clone(),
            environment: self.environment,
            mesh_domain: self.mesh_domain.clone(),
        };
        let rest = host
            .strip_suffix(&self.mesh_domain)
            .and_then(|r| r.strip_suffix('.'))
            .ok_or_else(not_mesh)?;
        let (environment, app) = rest.split_once('.').ok_or_else(not_mesh)?;
        if app.contains('.') {
            return Err(not_mesh());
        }
        if environment != self.environment.as_str() {
            if environment.parse::<Environment>().is_err() {
                return Err(not_mesh());
            }
            return Err(AddressError::OtherEnvironment {
                host: host.clone(),
                found: environment.to_owned(),
                environment: self.environment,
                mesh_domain: self.mesh_domain.clone(),
            });
        }
        names::validate_app(app).map_err(AddressError::App)?;
        Ok(app.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staging() -> Addressing {
        Addressing::new(
            Environment::Staging,
            "example.internal",
            "meshproxy.example.internal",
        )
        .unwrap()
    }

    #[test]
    fn names_follow_the_contract() {
        let a = staging();
        assert_eq!(
            a.hostname("payments").unwrap(),
            "staging.payments.meshproxy.example.internal"
        );
        assert_eq!(
            a.spiffe_id("payments").unwrap(),
            "spiffe://example.internal/payments"
        );
        assert!(a.hostname("Pay_ments").is_err());
    }

    #[test]
    fn hosts_map_back_to_apps_in_the_callers_environment_only() {
        let a = staging();
        assert_eq!(
            a.app_of_host("staging.payments.meshproxy.example.internal")
                .unwrap(),
            "payments"
        );
        assert_eq!(
            a.app_of_host("STAGING.Payments.meshproxy.example.internal.")
                .unwrap(),
            "payments"
        );
        assert!(matches!(
            a.app_of_host("production.payments.meshproxy.example.internal"),
            Err(AddressError::OtherEnvironment { .. })
        ));
        for bad in [
            "payments.meshproxy.example.internal",
            "staging.a.b.meshproxy.example.internal",
            "staging.payments.example.com",
            "qa.payments.meshproxy.example.internal",
            "xmeshproxy.example.internal",
            "169.254.169.254",
        ] {
            assert!(
                matches!(a.app_of_host(bad), Err(AddressError::NotMesh { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            a.app_of_host("staging.-x.meshproxy.example.internal"),
            Err(AddressError::App(_))
        ));
    }
}
