//! The syncer's settings: a JSON file (Terraform can `jsonencode` it),
//! overridden by flags or environment variables (the Lambda uses those).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use runtime_support::settings::invalid;
pub use runtime_support::settings::SettingsError;

use crate::plan::DeleteGuard;

/// Where the app's mTLS identity comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// A Secrets Manager secret (name or ARN) holding the certificate bundle.
    Secret(String),
    /// PEM files.
    Files { cert: PathBuf, key: PathBuf },
}

/// Everything one run needs to know.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The app whose secrets are synced (a DNS label).
    pub app: String,
    /// SPIFFE trust domain; the identity must be `spiffe://<trust_domain>/<app>`.
    pub trust_domain: String,
    /// e.g. `https://keywhiz.example.internal:4444`.
    pub keywhiz_url: String,
    /// CA bundle verifying Keywhiz's server certificate: a file, or PEM text.
    /// Unset: the `ca_bundle` of the identity secret is used.
    pub keywhiz_ca_file: Option<PathBuf>,
    pub keywhiz_ca_pem: Option<String>,
    /// Identity from files (both set), else from this secret (default `s2s/<app>/tls`).
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub identity_secret: Option<String>,
    /// Share of the synced secrets one run may delete, 0..=1 (0: a run deletes
    /// nothing and alarms instead).
    pub max_delete_share: f64,
    /// Allow deleting every synced secret (one-off operator runs only).
    pub allow_delete_all: bool,
    /// The large-delete override CI applies for one review (module input
    /// `delete_override_until`): until this RFC 3339 time, runs may delete any
    /// share, all included. Expires by itself; a later apply removes it.
    pub delete_override_until: Option<String>,
    /// The resource policy every synced secret carries (`iam/secret-keywhiz-resource`
    /// rendered for the account and app). Without it an administrator of the
    /// account could read every value.
    pub resource_policy: Option<String>,
    /// Read every secret's policy back (one `GetResourcePolicy` each) instead of
    /// trusting the digest tag; for runs after a change outside the guardrails.
    pub verify_resource_policies: bool,
    /// DeleteSecret recovery window, 7..=30 days.
    pub recovery_window_days: i64,
    /// Secrets expiring within this many days are reported and tagged.
    pub expiry_warning_days: i64,
    /// Client-side limit on Secrets Manager writes per second (quota: 50).
    pub write_tps: f64,
    /// Secrets written at the same time.
    pub write_concurrency: usize,
    /// Names per `POST /batchsecret`.
    pub batch_size: usize,
    /// Attempts per Keywhiz request and the time budget for all of them.
    pub keywhiz_attempts: u32,
    pub keywhiz_timeout_secs: u64,
    /// Attempts per Secrets Manager call (the SDK backs off on throttling).
    pub sm_attempts: u32,
    /// Plan and report only: no content fetch, no write.
    pub dry_run: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            app: String::new(),
            trust_domain: String::new(),
            keywhiz_url: String::new(),
            keywhiz_ca_file: None,
            keywhiz_ca_pem: None,
            cert_file: None,
            key_file: None,
            identity_secret: None,
            max_delete_share: 0.5,
            allow_delete_all: false,
            delete_override_until: None,
            resource_policy: None,
            verify_resource_policies: false,
            recovery_window_days: 30,
            expiry_warning_days: 30,
            write_tps: 20.0,
            write_concurrency: 8,
            batch_size: 100,
            keywhiz_attempts: 5,
            keywhiz_timeout_secs: 60,
            sm_attempts: 6,
            dry_run: false,
        }
    }
}

impl Settings {
    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        runtime_support::settings::from_file(path)
    }

    /// Check every field; the error names the setting.
    pub fn validate(&self) -> Result<(), SettingsError> {
        s2s_core::validate_app(&self.app).map_err(|e| invalid("app", e.to_string()))?;
        s2s_core::validate_trust_domain(&self.trust_domain)
            .map_err(|e| invalid("trust_domain", e.to_string()))?;
        if !self.keywhiz_url.starts_with("https://") {
            return Err(invalid("keywhiz_url", "must be an https:// URL"));
        }
        if self.cert_file.is_some() != self.key_file.is_some() {
            return Err(invalid("cert_file", "cert_file and key_file go together"));
        }
        // Without a configured CA the identity bundle's `ca_bundle` verifies
        // Keywhiz; identity files bring no CA, so they need one.
        let no_ca = self.keywhiz_ca_file.is_none() && self.keywhiz_ca_pem.is_none();
        if no_ca && matches!(self.identity(), IdentitySource::Files { .. }) {
            return Err(invalid(
                "keywhiz_ca_file",
                "with cert_file/key_file a CA bundle for Keywhiz is required (keywhiz_ca_file or keywhiz_ca_pem); only an identity secret can bring its own (ca_bundle)",
            ));
        }
        if !(0.0..=1.0).contains(&self.max_delete_share) {
            return Err(invalid("max_delete_share", "must be in [0, 1]"));
        }
        if let Some(until) = &self.delete_override_until {
            crate::clock::parse_rfc3339(until).ok_or_else(|| {
                invalid(
                    "delete_override_until",
                    "must be an RFC 3339 UTC time such as 2026-12-01T18:00:00Z",
                )
            })?;
        }
        if let Some(p) = &self.resource_policy {
            let ok = serde_json::from_str::<serde_json::Value>(p)
                .ok()
                .is_some_and(|v| v.get("Statement").is_some());
            if !ok {
                return Err(invalid(
                    "resource_policy",
                    "must be a policy document (JSON with a Statement)",
                ));
            }
        }
        if !(7..=30).contains(&self.recovery_window_days) {
            return Err(invalid("recovery_window_days", "must be 7..=30"));
        }
        if self.expiry_warning_days < 0 {
            return Err(invalid("expiry_warning_days", "must be >= 0"));
        }
        if !(self.write_tps > 0.0 && self.write_tps <= 50.0) {
            return Err(invalid(
                "write_tps",
                "must be in (0, 50] (the account's write quota is 50 TPS)",
            ));
        }
        if self.write_concurrency == 0 || self.batch_size == 0 {
            return Err(invalid(
                "write_concurrency",
                "must be >= 1 (and batch_size too)",
            ));
        }
        if self.keywhiz_attempts == 0 || self.sm_attempts == 0 {
            return Err(invalid("keywhiz_attempts", "attempts must be >= 1"));
        }
        Ok(())
    }

    pub fn spiffe_id(&self) -> String {
        format!("spiffe://{}/{}", self.trust_domain, self.app)
    }

    pub fn identity(&self) -> IdentitySource {
        match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => IdentitySource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ => IdentitySource::Secret(
                self.identity_secret
                    .clone()
                    .unwrap_or_else(|| format!("s2s/{}/tls", self.app)),
            ),
        }
    }

    /// The delete guard at `now` (epoch seconds): the settings', or wide open
    /// while a delete override has not expired.
    pub fn guard(&self, now: i64) -> DeleteGuard {
        let overridden = self
            .delete_override_until
            .as_deref()
            .and_then(crate::clock::parse_rfc3339)
            .is_some_and(|until| now < until);
        if overridden {
            return DeleteGuard {
                max_share: 1.0,
                allow_all: true,
            };
        }
        DeleteGuard {
            max_share: self.max_delete_share,
            allow_all: self.allow_delete_all,
        }
    }

    pub fn keywhiz_timeout(&self) -> Duration {
        Duration::from_secs(self.keywhiz_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Settings {
        Settings {
            app: "payments".into(),
            trust_domain: "example.internal".into(),
            keywhiz_url: "https://kw:4444".into(),
            keywhiz_ca_pem: Some("pem".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn defaults_are_valid_and_safe() {
        let s = good();
        s.validate().expect("valid");
        assert_eq!(s.max_delete_share, 0.5);
        assert_eq!(
            s.identity(),
            IdentitySource::Secret("s2s/payments/tls".into())
        );
        assert_eq!(s.spiffe_id(), "spiffe://example.internal/payments");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases: Vec<(Settings, &str)> = vec![
            (
                Settings {
                    app: "Pay".into(),
                    ..good()
                },
                "app",
            ),
            (
                Settings {
                    keywhiz_url: "http://kw".into(),
                    ..good()
                },
                "keywhiz_url",
            ),
            (
                Settings {
                    max_delete_share: -0.1,
                    ..good()
                },
                "max_delete_share",
            ),
            (
                Settings {
                    max_delete_share: 1.5,
                    ..good()
                },
                "max_delete_share",
            ),
            (
                Settings {
                    delete_override_until: Some("tomorrow".into()),
                    ..good()
                },
                "delete_override_until",
            ),
            (
                Settings {
                    resource_policy: Some("{}".into()),
                    ..good()
                },
                "resource_policy",
            ),
            (
                Settings {
                    recovery_window_days: 0,
                    ..good()
                },
                "recovery_window_days",
            ),
            (
                Settings {
                    write_tps: 80.0,
                    ..good()
                },
                "write_tps",
            ),
            (
                Settings {
                    cert_file: Some("c".into()),
                    ..good()
                },
                "cert_file",
            ),
        ];
        for (s, field) in cases {
            let e = s.validate().expect_err(field).to_string();
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn the_keywhiz_ca_may_come_from_the_identity_secret() {
        let from_secret = Settings {
            keywhiz_ca_pem: None,
            ..good()
        };
        from_secret
            .validate()
            .expect("the bundle's ca_bundle is used");
        let from_files = Settings {
            keywhiz_ca_pem: None,
            cert_file: Some("c.pem".into()),
            key_file: Some("k.pem".into()),
            ..good()
        };
        let e = from_files
            .validate()
            .expect_err("files bring no CA")
            .to_string();
        assert!(e.contains("keywhiz_ca_file"), "{e}");
    }

    #[test]
    fn the_module_s_range_is_the_syncer_s_range() {
        // modules/secrets-syncer validates 0 <= max_delete_share <= 1: both ends run.
        for share in [0.0, 1.0] {
            Settings {
                max_delete_share: share,
                ..good()
            }
            .validate()
            .expect("in range");
        }
    }

    #[test]
    fn a_delete_override_opens_the_guard_until_it_expires() {
        let s = Settings {
            delete_override_until: Some("2026-12-01T18:00:00Z".into()),
            ..good()
        };
        s.validate().expect("valid");
        let until = crate::clock::parse_rfc3339("2026-12-01T18:00:00Z").expect("time");
        assert!(s.guard(until - 1).allow_all);
        assert_eq!(s.guard(until - 1).max_share, 1.0);
        assert!(!s.guard(until).allow_all, "expired");
        assert_eq!(s.guard(until).max_share, 0.5);
        assert!(!good().guard(0).allow_all);
    }

    #[test]
    fn file_rejects_unknown_keys() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("s.json");
        std::fs::write(&p, r#"{"app":"a","typo_key":1}"#).expect("write");
        assert!(Settings::from_file(&p).is_err());
        std::fs::write(&p, r#"{"app":"a","write_tps":5}"#).expect("write");
        let s = Settings::from_file(&p).expect("parse");
        assert_eq!(s.write_tps, 5.0);
        assert_eq!(s.batch_size, 100);
    }
}
