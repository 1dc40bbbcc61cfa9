//! App names, environments, trust and mesh domains, and the identities built
//! from them.

use std::fmt;
use std::str::FromStr;

/// The rule an app name must follow, as shown to users in diagnostics.
pub const APP_NAME_RULE: &str =
    "a DNS label: 1-63 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen";

/// The environments an app can be deployed to, in the order users see them.
pub const ENVIRONMENTS: [&str; 4] = ["development", "staging", "production", "sandbox"];

/// Why a name was refused; the message says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{value:?} is not a valid app name: it must be {APP_NAME_RULE}")]
    App { value: String },
    #[error("{value:?} is not a valid environment: it must be one of development, staging, production, sandbox")]
    Environment { value: String },
    #[error("{value:?} is not a valid trust domain: it must be a non-empty DNS-style name of lowercase letters, digits, '.', '-' and '_' (no scheme, port or path)")]
    TrustDomain { value: String },
    #[error("{value:?} is not a valid mesh domain: it must be a DNS name made of labels of lowercase letters, digits and hyphens separated by dots")]
    MeshDomain { value: String },
}

/// Checks that `app` is a DNS label (`^[a-z][a-z0-9-]{0,62}$`, no trailing hyphen).
pub fn validate_app(app: &str) -> Result<(), NameError> {
    if is_dns_label(app) && app.as_bytes()[0].is_ascii_lowercase() {
        Ok(())
    } else {
        Err(NameError::App {
            value: app.to_owned(),
        })
    }
}

/// A label of a DNS name: 1-63 of `[a-z0-9-]`, not starting or ending with `-`.
fn is_dns_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// Checks a SPIFFE trust domain (the SPIFFE ID spec's character set).
pub fn validate_trust_domain(domain: &str) -> Result<(), NameError> {
    let ok = !domain.is_empty()
        && domain.len() <= 255
        && domain.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(NameError::TrustDomain {
            value: domain.to_owned(),
        })
    }
}

/// Checks that the mesh domain is a DNS name of at most 253 characters.
pub fn validate_mesh_domain(domain: &str) -> Result<(), NameError> {
    let ok = !domain.is_empty() && domain.len() <= 253 && domain.split('.').all(is_dns_label);
    if ok {
        Ok(())
    } else {
        Err(NameError::MeshDomain {
            value: domain.to_owned(),
        })
    }
}

/// Where an app runs. The mesh hostname starts with it. With the `serde`
/// feature it reads and writes as its lowercase name (`"staging"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Environment {
    Development,
    Staging,
    Production,
    Sandbox,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Staging => "staging",
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" => Ok(Environment::Development),
            "staging" => Ok(Environment::Staging),
            "production" => Ok(Environment::Production),
            "sandbox" => Ok(Environment::Sandbox),
            other => Err(NameError::Environment {
                value: other.to_owned(),
            }),
        }
    }
}

/// `<environment>.<app>.<mesh_domain>`: the SNI name a Lambda dials through the
/// mesh gateway.
pub fn mesh_hostname(
    environment: Environment,
    app: &str,
    mesh_domain: &str,
) -> Result<String, NameError> {
    validate_app(app)?;
    validate_mesh_domain(mesh_domain)?;
    Ok(format!("{environment}.{app}.{mesh_domain}"))
}

/// `spiffe://<trust_domain>/<app>`: the identity Keywhiz and the mesh know an
/// app by.
pub fn spiffe_id(trust_domain: &str, app: &str) -> Result<String, NameError> {
    validate_trust_domain(trust_domain)?;
    validate_app(app)?;
    Ok(format!("spiffe://{trust_domain}/{app}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_follow_the_dns_label_rule() {
        for ok in ["a", "payments", "pay-ments2", &"a".repeat(63)] {
            assert_eq!(validate_app(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "Payments",
            "1payments",
            "-payments",
            "payments-",
            "pay_ments",
            "pay.ments",
            &"a".repeat(64),
        ] {
            assert!(validate_app(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn app_error_says_what_is_allowed() {
        let err = validate_app("Bad").unwrap_err().to_string();
        assert!(err.contains("\"Bad\""), "{err}");
        assert!(err.contains("DNS label"), "{err}");
    }

    #[test]
    fn environments_round_trip() {
        for name in ENVIRONMENTS {
            let env: Environment = name.parse().unwrap();
            assert_eq!(env.as_str(), name);
        }
        assert!("prod".parse::<Environment>().is_err());
        assert!("Production".parse::<Environment>().is_err());
    }

    #[test]
    fn mesh_hostname_joins_environment_app_and_domain() {
        let host = mesh_hostname(
            Environment::Staging,
            "payments",
            "meshproxy.example.internal",
        )
        .unwrap();
        assert_eq!(host, "staging.payments.meshproxy.example.internal");
        assert!(mesh_hostname(Environment::Staging, "payments", "bad_domain").is_err());
        assert!(mesh_hostname(Environment::Staging, "payments", "a..b").is_err());
    }

    #[test]
    fn spiffe_ids_name_the_app_under_the_trust_domain() {
        assert_eq!(
            spiffe_id("example.internal", "payments").unwrap(),
            "spiffe://example.internal/payments"
        );
        assert!(spiffe_id("spiffe://example.internal", "payments").is_err());
        assert!(spiffe_id("Example.internal", "payments").is_err());
        assert!(spiffe_id("example.internal", "Payments").is_err());
    }
}
