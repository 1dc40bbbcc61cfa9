//! The provider configuration block, resolved: each attribute falls back to
//! its `S2S_...` environment variable, and every value is checked here so
//! that a bad one fails `terraform plan` with the attribute's name, never a
//! confusing error deep inside a request.

use std::fmt;

use serde::{Deserialize, Serialize};
use tfplugin::{attr_name, Number};

/// The configuration block's model: each attribute as written (`None` when
/// null; the provider refuses unknown values before it decodes the block).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RawSettings {
    pub(crate) registry_url: Option<String>,
    pub(crate) keywhiz_url: Option<String>,
    pub(crate) client_certificate: Option<String>,
    pub(crate) client_key: Option<String>,
    pub(crate) ca_bundle: Option<String>,
    pub(crate) trust_domain: Option<String>,
    pub(crate) mesh_domain: Option<String>,
    pub(crate) expiry_warning_days: Option<Number>,
    pub(crate) request_timeout_seconds: Option<Number>,
    pub(crate) aws: Option<RawAwsSettings>,
}

/// The `aws { ... }` block: where STS answers "which account is this?".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RawAwsSettings {
    pub(crate) region: Option<String>,
    pub(crate) endpoint: Option<String>,
    pub(crate) assume_role_arn: Option<String>,
}

/// A configuration value that is wrong, with the attribute it belongs to
/// (`aws.region` for nested attributes) and a message saying what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub attribute: Vec<&'static str>,
    pub message: String,
}

/// PEM material for mutual TLS to Registry and Keywhiz. The key's Debug
/// output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsIdentity {
    pub certificate_pem: String,
    pub key_pem: String,
    pub ca_pem: String,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field(
                "certificate_pem",
                &format!("{} bytes", self.certificate_pem.len()),
            )
            .field("key_pem", &"<redacted>")
            .field("ca_pem", &format!("{} bytes", self.ca_pem.len()))
            .finish()
    }
}

/// The AWS settings, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub assume_role_arn: Option<String>,
}

/// The resolved, validated provider configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub registry_url: Option<String>,
    pub keywhiz_url: Option<String>,
    pub identity: Option<TlsIdentity>,
    pub trust_domain: Option<String>,
    pub mesh_domain: Option<String>,
    pub expiry_warning_days: u32,
    pub request_timeout_seconds: u32,
    pub aws: Option<AwsSettings>,
}

pub const DEFAULT_EXPIRY_WARNING_DAYS: u32 = 30;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u32 = 120;

/// Resolves the block against the environment (`env` looks a variable up, so
/// tests can pass a map). Returns every problem at once, not just the first.
pub fn resolve(
    raw: &RawSettings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Vec<SettingError>> {
    let mut errors = Vec::new();
    let pick = |value: &Option<String>, var: &str| -> Option<(String, Source)> {
        match value {
            Some(v) => Some((v.clone(), Source::Config)),
            None => env(var)
                .filter(|v| !v.is_empty())
                .map(|v| (v, Source::Env(var.to_owned()))),
        }
    };
    let registry_url = pick(&raw.registry_url, "S2S_REGISTRY_URL");
    let keywhiz_url = pick(&raw.keywhiz_url, "S2S_KEYWHIZ_URL");
    let certificate = pick(&raw.client_certificate, "S2S_CLIENT_CERTIFICATE");
    let key = pick(&raw.client_key, "S2S_CLIENT_KEY");
    let ca = pick(&raw.ca_bundle, "S2S_CA_BUNDLE");
    let trust_domain = pick(&raw.trust_domain, "S2S_TRUST_DOMAIN");
    let mesh_domain = pick(&raw.mesh_domain, "S2S_MESH_DOMAIN");
    let raw_aws = raw.aws.clone().unwrap_or_default();
    let region = pick(&raw_aws.region, "S2S_AWS_REGION");
    let endpoint = pick(&raw_aws.endpoint, "S2S_AWS_ENDPOINT");
    let assume_role_arn = pick(&raw_aws.assume_role_arn, "S2S_AWS_ASSUME_ROLE_ARN");

    let mut check = |attribute: Vec<&'static str>,
                     value: Option<(String, Source)>,
                     rule: fn(&str) -> Result<String, String>| {
        let (value, source) = value?;
        match rule(&value) {
            Ok(v) => Some(v),
            Err(message) => {
                errors.push(SettingError {
                    attribute,
                    message: format!("{message}{source}"),
                });
                None
            }
        }
    };
    let registry_url = check(
        vec![attr_name!(RawSettings.registry_url)],
        registry_url,
        check_https_url,
    );
    let keywhiz_url = check(
        vec![attr_name!(RawSettings.keywhiz_url)],
        keywhiz_url,
        check_https_url,
    );
    let trust_domain = check(
        vec![attr_name!(RawSettings.trust_domain)],
        trust_domain,
        |v| {
            s2s_core::validate_trust_domain(v)
                .map(|()| v.to_owned())
                .map_err(|e| e.to_string())
        },
    );
    let mesh_domain = check(
        vec![attr_name!(RawSettings.mesh_domain)],
        mesh_domain,
        |v| {
            s2s_core::validate_mesh_domain(v)
                .map(|()| v.to_owned())
                .map_err(|e| e.to_string())
        },
    );
    let certificate_present = certificate.is_some();
    let key_present = key.is_some();
    let ca_present = ca.is_some();
    let certificate_pem = check(
        vec![attr_name!(RawSettings.client_certificate)],
        certificate,
        |v| load_pem(v, "CERTIFICATE"),
    );
    let key_pem = check(vec![attr_name!(RawSettings.client_key)], key, |v| {
        load_pem(v, "PRIVATE KEY")
    });
    let ca_pem = check(vec![attr_name!(RawSettings.ca_bundle)], ca, |v| {
        load_pem(v, "CERTIFICATE")
    });
    let aws = attr_name!(RawSettings.aws);
    let region = check(
        vec![aws, attr_name!(RawAwsSettings.region)],
        region,
        check_region,
    );
    let endpoint = check(
        vec![aws, attr_name!(RawAwsSettings.endpoint)],
        endpoint,
        check_any_url,
    );
    let assume_role_arn = check(
        vec![aws, attr_name!(RawAwsSettings.assume_role_arn)],
        assume_role_arn,
        check_role_arn,
    );

    let identity = match (certificate_pem, key_pem, ca_pem) {
        (Some(certificate_pem), Some(key_pem), Some(ca_pem)) => Some(TlsIdentity {
            certificate_pem,
            key_pem,
            ca_pem,
        }),
        _ => {
            let given = [certificate_present, key_present, ca_present];
            if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
                for (present, attribute, var) in [
                    (
                        certificate_present,
                        attr_name!(RawSettings.client_certificate),
                        "S2S_CLIENT_CERTIFICATE",
                    ),
                    (
                        key_present,
                        attr_name!(RawSettings.client_key),
                        "S2S_CLIENT_KEY",
                    ),
                    (
                        ca_present,
                        attr_name!(RawSettings.ca_bundle),
                        "S2S_CA_BUNDLE",
                    ),
                ] {
                    if !present {
                        errors.push(SettingError {
                            attribute: vec![attribute],
                            message: format!(
                                "the mTLS identity needs client_certificate, client_key and ca_bundle together; {attribute} is missing (set it, or {var})"
                            ),
                        });
                    }
                }
            }
            None
        }
    };
    let mut counted =
        |attribute: &'static str, value: &Option<Number>, range, default| match whole_in_range(
            attribute,
            value.as_ref(),
            range,
        ) {
            Ok(n) => n.unwrap_or(default),
            Err(message) => {
                errors.push(SettingError {
                    attribute: vec![attribute],
                    message,
                });
                default
            }
        };
    let expiry_warning_days = counted(
        attr_name!(RawSettings.expiry_warning_days),
        &raw.expiry_warning_days,
        0..=3650,
        DEFAULT_EXPIRY_WARNING_DAYS,
    );
    let request_timeout_seconds = counted(
        attr_name!(RawSettings.request_timeout_seconds),
        &raw.request_timeout_seconds,
        1..=3600,
        DEFAULT_REQUEST_TIMEOUT_SECONDS,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let aws =
        (raw.aws.is_some() || region.is_some() || endpoint.is_some() || assume_role_arn.is_some())
            .then_some(AwsSettings {
                region,
                endpoint,
                assume_role_arn,
            });
    Ok(Settings {
        registry_url,
        keywhiz_url,
        identity,
        trust_domain,
        mesh_domain,
        expiry_warning_days,
        request_timeout_seconds,
        aws,
    })
}

/// A count of whole units within `range`, or `None` when not set.
fn whole_in_range(
    attribute: &str,
    value: Option<&Number>,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>, String> {
    let Some(number) = value else {
        return Ok(None);
    };
    let Some(n) = number.as_i64() else {
        return Err(format!(
            "{} is not a whole number: {attribute} counts whole units",
            number.to_decimal_string()
        ));
    };
    match u32::try_from(n) {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "{n} is out of range: {attribute} must be between {} and {}",
            range.start(),
            range.end()
        )),
    }
}

/// Where a value came from, appended to messages so an environment variable
/// is never blamed on the configuration block.
enum Source {
    Config,
    Env(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Config => Ok(()),
            Source::Env(var) => write!(f, " (the value came from the environment variable {var})"),
        }
    }
}

/// Registry and Keywhiz are only spoken to over mutual TLS.
fn check_https_url(value: &str) -> Result<String, String> {
    let rest = value.strip_prefix("https://").ok_or_else(|| {
        format!(
            "{value:?} is not an https:// URL: Registry and Keywhiz are reached over mutual TLS"
        )
    })?;
    check_authority(value, rest)?;
    Ok(value.trim_end_matches('/').to_owned())
}

/// The AWS endpoint may be plain http (a local moto) or https.
fn check_any_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| format!("{value:?} is not an http:// or https:// URL"))?;
    check_authority(value, rest)?;
    Ok(value.trim_end_matches('/').to_owned())
}

fn check_authority(value: &str, rest: &str) -> Result<(), String> {
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, Some(p)),
        _ => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok && !rest.contains(['?', '#', ' ']) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a valid URL: expected scheme://host[:port][/path]"
        ))
    }
}

fn check_region(value: &str) -> Result<String, String> {
    crate::validation::check_region(value).map(|()| value.to_owned())
}

fn check_role_arn(value: &str) -> Result<String, String> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{value:?} is not an IAM role ARN: expected arn:aws:iam::<12-digit account>:role/<name>"
        ))
    }
}

/// A PEM value or the path of a file holding one; checks that it holds at
/// least one block of the expected kind (`PRIVATE KEY` matches PKCS#8, EC and
/// RSA keys). Never echoes the contents.
fn load_pem(value: &str, kind: &str) -> Result<String, String> {
    let pem = if value.trim_start().starts_with("-----BEGIN") {
        value.to_owned()
    } else {
        std::fs::read_to_string(value)
            .map_err(|e| format!("cannot read the PEM file {value:?}: {e}"))?
    };
    let has_kind = pem.lines().any(|line| {
        line.trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
            .is_some_and(|label| label.ends_with(kind))
    });
    if has_kind && pem.contains("-----END") {
        Ok(pem)
    } else {
        Err(format!(
            "expected PEM with a {kind} block (inline, or the path of a file holding it)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

    #[test]
    fn empty_block_resolves_to_defaults() {
        let s = resolve(&RawSettings::default(), no_env).unwrap();
        assert_eq!(s.expiry_warning_days, 30);
        assert_eq!(s.identity, None);
        assert_eq!(s.aws, None);
    }

    #[test]
    fn environment_fills_what_the_block_leaves_null() {
        let env: HashMap<&str, &str> = [
            (
                "S2S_REGISTRY_URL",
                "https://registry.example.internal:8443/",
            ),
            ("S2S_TRUST_DOMAIN", "example.internal"),
            ("S2S_AWS_REGION", "eu-west-2"),
        ]
        .into();
        let raw = RawSettings {
            trust_domain: Some("config.internal".into()),
            ..Default::default()
        };
        let s = resolve(&raw, |k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(
            s.registry_url.as_deref(),
            Some("https://registry.example.internal:8443")
        );
        assert_eq!(s.trust_domain.as_deref(), Some("config.internal"));
        assert_eq!(s.aws.unwrap().region.as_deref(), Some("eu-west-2"));
    }

    #[test]
    fn every_bad_value_is_reported_at_its_attribute() {
        let raw = RawSettings {
            registry_url: Some("http://registry".into()),
            keywhiz_url: Some("https://".into()),
            trust_domain: Some("Example".into()),
            mesh_domain: Some("a..b".into()),
            expiry_warning_days: Some(Number::from(-1i64)),
            request_timeout_seconds: Some(Number::from(0i64)),
            aws: Some(RawAwsSettings {
                region: Some("useast1".into()),
                endpoint: Some("ftp://x".into()),
                assume_role_arn: Some("arn:aws:iam::123:role/x".into()),
            }),
            ..Default::default()
        };
        let errors = resolve(&raw, no_env).unwrap_err();
        let attrs: Vec<String> = errors.iter().map(|e| e.attribute.join(".")).collect();
        for expected in [
            "registry_url",
            "keywhiz_url",
            "trust_domain",
            "mesh_domain",
            "expiry_warning_days",
            "request_timeout_seconds",
            "aws.region",
            "aws.endpoint",
            "aws.assume_role_arn",
        ] {
            assert!(
                attrs.iter().any(|a| a == expected),
                "{expected} not in {attrs:?}"
            );
        }
        let url_error = &errors[0];
        assert!(
            url_error.message.contains("https://"),
            "{}",
            url_error.message
        );
    }

    #[test]
    fn counts_are_whole_numbers_in_range() {
        let raw = RawSettings {
            expiry_warning_days: Some(Number::parse("1.5").unwrap()),
            request_timeout_seconds: Some(Number::from(3601i64)),
            ..Default::default()
        };
        let errors = resolve(&raw, no_env).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "1.5 is not a whole number: expiry_warning_days counts whole units",
                "3601 is out of range: request_timeout_seconds must be between 1 and 3600"
            ]
        );
        let raw = RawSettings {
            expiry_warning_days: Some(Number::from(0i64)),
            request_timeout_seconds: Some(Number::from(3600i64)),
            ..Default::default()
        };
        let s = resolve(&raw, no_env).unwrap();
        assert_eq!(
            (s.expiry_warning_days, s.request_timeout_seconds),
            (0, 3600)
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        let errors = resolve(&RawSettings::default(), |k| {
            (k == "S2S_MESH_DOMAIN").then(|| "not a domain".to_owned())
        })
        .unwrap_err();
        assert_eq!(errors[0].attribute, vec!["mesh_domain"]);
        assert!(
            errors[0].message.contains("S2S_MESH_DOMAIN"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn identity_needs_all_three_parts() {
        let raw = RawSettings {
            client_certificate: Some(CERT.into()),
            ..Default::default()
        };
        let errors = resolve(&raw, no_env).unwrap_err();
        let attrs: Vec<_> = errors.iter().map(|e| e.attribute[0]).collect();
        assert_eq!(attrs, vec!["client_key", "ca_bundle"]);
    }

    #[test]
    fn identity_accepts_pem_or_files_and_redacts_the_key() {
        let dir = std::env::temp_dir().join(format!("s2s-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key_path = dir.join("key.pem");
        std::fs::write(&key_path, KEY).unwrap();
        let raw = RawSettings {
            client_certificate: Some(CERT.into()),
            client_key: Some(key_path.display().to_string()),
            ca_bundle: Some(CERT.into()),
            ..Default::default()
        };
        let s = resolve(&raw, no_env).unwrap();
        let identity = s.identity.unwrap();
        assert_eq!(identity.key_pem, KEY);
        assert!(!format!("{identity:?}").contains("MIIE"));
        let bad = RawSettings {
            client_key: Some(CERT.into()),
            ..raw
        };
        let errors = resolve(&bad, no_env).unwrap_err();
        assert_eq!(errors[0].attribute, vec!["client_key"]);
        assert!(!errors[0].message.contains("MIIB"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn urls_regions_and_arns() {
        assert!(check_https_url("https://keywhiz.example.internal:4444").is_ok());
        assert!(check_https_url("https://127.0.0.1:4444/base").is_ok());
        assert!(check_https_url("https://host:99999").is_err());
        assert!(check_any_url("http://127.0.0.1:5000").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        assert!(check_region("US-east-1").is_err());
        assert!(check_role_arn("arn:aws:iam::123456789012:role/platform/ci").is_ok());
        assert!(check_role_arn("arn:aws:iam::123456789012:user/x").is_err());
    }
}
