//! The issuer's settings: a JSON file (Terraform can `jsonencode` it),
//! overridden by flags or `CERT_ISSUER_*` environment variables (the Lambda
//! uses those). One validation, whose errors name the setting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use runtime_support::settings::invalid;
pub use runtime_support::settings::SettingsError;

/// Which CA signs the certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaBackend {
    /// ACM Private CA (`ca_arn`), through the API-passthrough template.
    #[default]
    AcmPca,
    /// An in-process CA from `local_ca_dir` (tests, `make demo`).
    Local,
}

impl std::str::FromStr for CaBackend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "acm-pca" => Ok(CaBackend::AcmPca),
            "local" => Ok(CaBackend::Local),
            other => Err(format!("unknown CA backend {other:?} (acm-pca or local)")),
        }
    }
}

/// Everything a run needs to know.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// SPIFFE trust domain: every certificate names `spiffe://<trust_domain>/<app>`.
    pub trust_domain: String,
    /// e.g. `https://registry.example.internal`.
    pub registry_url: String,
    /// The issuer's own Registry identity: PEM files, or a secret of the
    /// central account holding a certificate bundle (cert-bundle's JSON).
    pub registry_cert_file: Option<PathBuf>,
    pub registry_key_file: Option<PathBuf>,
    pub registry_ca_file: Option<PathBuf>,
    pub registry_identity_secret: Option<String>,
    /// The mesh roots that verify mesh servers: the bundle's `ca_bundle`.
    pub mesh_ca_bundle_file: Option<PathBuf>,
    pub mesh_ca_bundle_pem: Option<String>,
    pub ca_backend: CaBackend,
    /// ACM Private CA ARN (backend `acm-pca`).
    pub ca_arn: Option<String>,
    /// Must match the CA's key family (`SHA256WITHECDSA` for an EC CA).
    pub signing_algorithm: String,
    /// Directory of the local CA (`ca.pem`, `ca-key.pem`; created if missing).
    pub local_ca_dir: Option<PathBuf>,
    /// Certificate lifetime and the renewal margin, in hours.
    pub lifetime_hours: u32,
    pub renew_margin_hours: u32,
    /// A certificate with less than this left is logged at error level (the alarm's threshold).
    pub alarm_remaining_hours: u32,
    /// The fixed-name role assumed in each app account (path/name).
    pub writer_role: String,
    /// Region of the app accounts' secrets (default: the SDK's Region).
    pub region: Option<String>,
    /// The ledger of what was written where: a DynamoDB table, or a JSON file.
    pub ledger_table: Option<String>,
    pub ledger_file: Option<PathBuf>,
    /// When set, a planning run enqueues one message per due (app, account)
    /// instead of issuing in-process.
    pub queue_url: Option<String>,
    /// Client-side limit on `IssueCertificate` calls per second for this
    /// process (the quota is 25 per account and Region, shared by all workers).
    pub issue_tps: f64,
    /// Jobs handled at once in this process.
    pub concurrency: usize,
    /// A queued job older than this is dropped: the next plan decides again.
    pub max_job_age_secs: u64,
    pub registry_attempts: u32,
    pub registry_timeout_secs: u64,
    /// Attempts per AWS call (the SDK's standard retry mode).
    pub aws_attempts: u32,
    /// How long to wait for ACM-PCA to finish issuing.
    pub pca_wait_secs: u64,
    /// Plan and report only.
    pub dry_run: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            trust_domain: String::new(),
            registry_url: String::new(),
            registry_cert_file: None,
            registry_key_file: None,
            registry_ca_file: None,
            registry_identity_secret: None,
            mesh_ca_bundle_file: None,
            mesh_ca_bundle_pem: None,
            ca_backend: CaBackend::AcmPca,
            ca_arn: None,
            signing_algorithm: "SHA256WITHECDSA".into(),
            local_ca_dir: None,
            lifetime_hours: 24,
            renew_margin_hours: 12,
            alarm_remaining_hours: 6,
            writer_role: "platform/s2s-cert-writer".into(),
            region: None,
            ledger_table: None,
            ledger_file: None,
            queue_url: None,
            issue_tps: 20.0,
            concurrency: 8,
            max_job_age_secs: 3600,
            registry_attempts: 5,
            registry_timeout_secs: 60,
            aws_attempts: 6,
            pca_wait_secs: 30,
            dry_run: false,
        }
    }
}

/// Where the issuer's Registry identity comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryIdentity {
    Files {
        cert: PathBuf,
        key: PathBuf,
        ca: PathBuf,
    },
    /// A secret (name or ARN) of the central account holding a cert-bundle JSON;
    /// its `ca_bundle` verifies Registry.
    Secret(String),
}

impl Settings {
    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        runtime_support::settings::from_file(path)
    }

    /// Check every field; the error names the setting.
    pub fn validate(&self) -> Result<(), SettingsError> {
        s2s_core::validate_trust_domain(&self.trust_domain)
            .map_err(|e| invalid("trust_domain", e.to_string()))?;
        if !self.registry_url.starts_with("https://") {
            return Err(invalid("registry_url", "must be an https:// URL"));
        }
        self.registry_identity()?;
        if self.mesh_ca_bundle_file.is_none() && self.mesh_ca_bundle_pem.is_none() {
            return Err(invalid(
                "mesh_ca_bundle_file",
                "the mesh roots are required (mesh_ca_bundle_file or mesh_ca_bundle_pem): they are the bundle's ca_bundle",
            ));
        }
        match self.ca_backend {
            CaBackend::AcmPca => {
                let arn = self.ca_arn.as_deref().unwrap_or_default();
                if !(arn.starts_with("arn:") && arn.contains(":certificate-authority/")) {
                    return Err(invalid(
                        "ca_arn",
                        "backend acm-pca needs the CA's ARN (arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>)",
                    ));
                }
            }
            CaBackend::Local => {
                if self.local_ca_dir.is_none() {
                    return Err(invalid("local_ca_dir", "backend local needs a directory"));
                }
            }
        }
        if self.signing_algorithm.is_empty() {
            return Err(invalid("signing_algorithm", "must be set"));
        }
        // Short-lived certificate mode issues at most 7 days.
        if !(1..=168).contains(&self.lifetime_hours) {
            return Err(invalid("lifetime_hours", "must be 1..=168"));
        }
        if self.renew_margin_hours == 0 || self.renew_margin_hours >= self.lifetime_hours {
            return Err(invalid(
                "renew_margin_hours",
                "must be at least 1 and below lifetime_hours (a renewed certificate must overlap the old one)",
            ));
        }
        if self.alarm_remaining_hours >= self.renew_margin_hours {
            return Err(invalid(
                "alarm_remaining_hours",
                "must be below renew_margin_hours",
            ));
        }
        let role_ok = self.writer_role.split('/').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        });
        if !role_ok {
            return Err(invalid(
                "writer_role",
                "must be a role path and name such as platform/s2s-cert-writer",
            ));
        }
        if self.ledger_table.is_some() == self.ledger_file.is_some() {
            return Err(invalid(
                "ledger_table",
                "exactly one of ledger_table (DynamoDB) and ledger_file is required",
            ));
        }
        if !(self.issue_tps > 0.0 && self.issue_tps <= 1000.0) {
            return Err(invalid("issue_tps", "must be in (0, 1000]"));
        }
        if self.concurrency == 0 {
            return Err(invalid("concurrency", "must be >= 1"));
        }
        if self.registry_attempts == 0 || self.aws_attempts == 0 {
            return Err(invalid("registry_attempts", "attempts must be >= 1"));
        }
        Ok(())
    }

    pub fn registry_identity(&self) -> Result<RegistryIdentity, SettingsError> {
        match (
            &self.registry_cert_file,
            &self.registry_key_file,
            &self.registry_ca_file,
            &self.registry_identity_secret,
        ) {
            (Some(cert), Some(key), Some(ca), None) => Ok(RegistryIdentity::Files {
                cert: cert.clone(),
                key: key.clone(),
                ca: ca.clone(),
            }),
            (None, None, None, Some(secret)) => Ok(RegistryIdentity::Secret(secret.clone())),
            _ => Err(invalid(
                "registry_cert_file",
                "give registry_cert_file + registry_key_file + registry_ca_file, or registry_identity_secret",
            )),
        }
    }

    pub fn lifetime_secs(&self) -> i64 {
        i64::from(self.lifetime_hours) * 3600
    }

    pub fn renew_margin_secs(&self) -> i64 {
        i64::from(self.renew_margin_hours) * 3600
    }

    pub fn alarm_secs(&self) -> i64 {
        i64::from(self.alarm_remaining_hours) * 3600
    }

    pub fn registry_timeout(&self) -> Duration {
        Duration::from_secs(self.registry_timeout_secs)
    }

    /// The writer role's ARN in `account_id`.
    pub fn writer_role_arn(&self, account_id: &str) -> String {
        format!("arn:aws:iam::{account_id}:role/{}", self.writer_role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn good() -> Settings {
        Settings {
            trust_domain: "example.internal".into(),
            registry_url: "https://registry:8443".into(),
            registry_identity_secret: Some("s2s-cert-issuer/registry-identity".into()),
            mesh_ca_bundle_pem: Some("pem".into()),
            ca_arn: Some(
                "arn:aws:acm-pca:eu-west-1:999999999999:certificate-authority/0f1e2d3c".into(),
            ),
            ledger_table: Some("s2s-cert-issuer-ledger".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn defaults_are_valid_and_overlap() {
        let s = good();
        s.validate().expect("valid");
        assert_eq!(s.lifetime_secs(), 86_400);
        assert_eq!(s.renew_margin_secs(), 43_200);
        assert_eq!(
            s.writer_role_arn("111111111111"),
            "arn:aws:iam::111111111111:role/platform/s2s-cert-writer"
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases: Vec<(Settings, &str)> = vec![
            (
                Settings {
                    trust_domain: "Bad Domain".into(),
                    ..good()
                },
                "trust_domain",
            ),
            (
                Settings {
                    registry_url: "http://r".into(),
                    ..good()
                },
                "registry_url",
            ),
            (
                Settings {
                    registry_cert_file: Some("c".into()),
                    ..good()
                },
                "registry_cert_file",
            ),
            (
                Settings {
                    mesh_ca_bundle_pem: None,
                    ..good()
                },
                "mesh_ca_bundle_file",
            ),
            (
                Settings {
                    ca_arn: None,
                    ..good()
                },
                "ca_arn",
            ),
            (
                Settings {
                    ca_backend: CaBackend::Local,
                    ..good()
                },
                "local_ca_dir",
            ),
            (
                Settings {
                    lifetime_hours: 200,
                    ..good()
                },
                "lifetime_hours",
            ),
            (
                Settings {
                    renew_margin_hours: 24,
                    ..good()
                },
                "renew_margin_hours",
            ),
            (
                Settings {
                    ledger_file: Some("l.json".into()),
                    ..good()
                },
                "ledger_table",
            ),
            (
                Settings {
                    writer_role: "platform//x".into(),
                    ..good()
                },
                "writer_role",
            ),
            (
                Settings {
                    issue_tps: 0.0,
                    ..good()
                },
                "issue_tps",
            ),
        ];
        for (s, field) in cases {
            let e = s.validate().expect_err(field).to_string();
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn file_rejects_unknown_keys_and_takes_the_backend_by_name() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("s.json");
        std::fs::write(&p, r#"{"trust_domain":"td","typo":1}"#).expect("write");
        assert!(Settings::from_file(&p).is_err());
        std::fs::write(&p, r#"{"ca_backend":"local","issue_tps":5}"#).expect("write");
        let s = Settings::from_file(&p).expect("parse");
        assert_eq!(s.ca_backend, CaBackend::Local);
        assert_eq!(s.issue_tps, 5.0);
        assert_eq!(s.lifetime_hours, 24);
    }
}
