//! Command line: `cert-issuer once|plan|work|ca-chain|bundle` for operators,
//! tests and `make demo`, and `cert-issuer lambda` (what `bootstrap` does with
//! no arguments inside Lambda). Every setting is also a flag and a
//! `CERT_ISSUER_*` environment variable, which is how the Lambda is configured.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::settings::{CaBackend, Settings, SettingsError};

#[derive(Debug, Parser)]
#[command(
    name = "cert-issuer",
    version,
    about = "Registry flag -> Private CA -> s2s/<app>/tls in each account's Secrets Manager"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan and issue/delete in this process; print the report (exit 0 ok, 2 partial, 1 failed, 64 bad settings).
    Once(SettingsArgs),
    /// Plan; enqueue the jobs when queue_url is set, else do them (the scheduled Lambda).
    Plan(SettingsArgs),
    /// Drain the queue: receive, do, delete, until it is empty.
    Work(SettingsArgs),
    /// Print the CA's certificate chain (PEM): what the mesh must trust to accept the certificates.
    CaChain(SettingsArgs),
    /// Print a certificate bundle (JSON) made of PEM files, e.g. the issuer's Registry identity secret.
    Bundle(BundleArgs),
    /// Serve the Lambda Runtime API (the default when AWS_LAMBDA_RUNTIME_API is set).
    Lambda(SettingsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BundleArgs {
    #[arg(long)]
    pub cert: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    /// The roots that verify the servers this identity talks to.
    #[arg(long)]
    pub ca: PathBuf,
}

/// Settings as flags / environment; each overrides the `--config` file.
/// Serialized, the fields are the settings file's keys (see [`Settings`]).
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct SettingsArgs {
    /// JSON settings file (keys as the long flags, with `_`).
    #[serde(skip)]
    #[arg(long, env = "CERT_ISSUER_CONFIG")]
    pub config: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_TRUST_DOMAIN")]
    pub trust_domain: Option<String>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_URL")]
    pub registry_url: Option<String>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_CERT_FILE")]
    pub registry_cert_file: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_KEY_FILE")]
    pub registry_key_file: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_CA_FILE")]
    pub registry_ca_file: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_IDENTITY_SECRET")]
    pub registry_identity_secret: Option<String>,
    #[arg(long, env = "CERT_ISSUER_MESH_CA_BUNDLE_FILE")]
    pub mesh_ca_bundle_file: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_MESH_CA_BUNDLE_PEM", hide_env_values = true)]
    pub mesh_ca_bundle_pem: Option<String>,
    /// acm-pca or local.
    #[arg(long, env = "CERT_ISSUER_CA_BACKEND")]
    pub ca_backend: Option<CaBackend>,
    #[arg(long, env = "CERT_ISSUER_CA_ARN")]
    pub ca_arn: Option<String>,
    #[arg(long, env = "CERT_ISSUER_SIGNING_ALGORITHM")]
    pub signing_algorithm: Option<String>,
    #[arg(long, env = "CERT_ISSUER_LOCAL_CA_DIR")]
    pub local_ca_dir: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_LIFETIME_HOURS")]
    pub lifetime_hours: Option<u32>,
    #[arg(long, env = "CERT_ISSUER_RENEW_MARGIN_HOURS")]
    pub renew_margin_hours: Option<u32>,
    #[arg(long, env = "CERT_ISSUER_ALARM_REMAINING_HOURS")]
    pub alarm_remaining_hours: Option<u32>,
    #[arg(long, env = "CERT_ISSUER_WRITER_ROLE")]
    pub writer_role: Option<String>,
    #[arg(long, env = "CERT_ISSUER_REGION")]
    pub region: Option<String>,
    #[arg(long, env = "CERT_ISSUER_LEDGER_TABLE")]
    pub ledger_table: Option<String>,
    #[arg(long, env = "CERT_ISSUER_LEDGER_FILE")]
    pub ledger_file: Option<PathBuf>,
    #[arg(long, env = "CERT_ISSUER_QUEUE_URL")]
    pub queue_url: Option<String>,
    #[arg(long, env = "CERT_ISSUER_ISSUE_TPS")]
    pub issue_tps: Option<f64>,
    #[arg(long, env = "CERT_ISSUER_CONCURRENCY")]
    pub concurrency: Option<usize>,
    #[arg(long, env = "CERT_ISSUER_MAX_JOB_AGE_SECS")]
    pub max_job_age_secs: Option<u64>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_ATTEMPTS")]
    pub registry_attempts: Option<u32>,
    #[arg(long, env = "CERT_ISSUER_REGISTRY_TIMEOUT_SECS")]
    pub registry_timeout_secs: Option<u64>,
    #[arg(long, env = "CERT_ISSUER_AWS_ATTEMPTS")]
    pub aws_attempts: Option<u32>,
    #[arg(long, env = "CERT_ISSUER_PCA_WAIT_SECS")]
    pub pca_wait_secs: Option<u64>,
    /// Plan and report only (`--dry-run` alone means true).
    #[arg(long, env = "CERT_ISSUER_DRY_RUN", num_args = 0..=1, default_missing_value = "true")]
    pub dry_run: Option<bool>,
}

impl SettingsArgs {
    /// The `--config` file (if any) overlaid with the flags given, validated.
    pub fn resolve(&self) -> Result<Settings, SettingsError> {
        let s: Settings = runtime_support::settings::layered(self.config.as_deref(), self)?;
        s.validate()?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("s.json");
        std::fs::write(
            &p,
            r#"{"trust_domain":"example.internal","registry_url":"https://r",
                "registry_identity_secret":"s","mesh_ca_bundle_pem":"x",
                "ca_backend":"local","local_ca_dir":"/tmp/ca","ledger_file":"l.jsonl","issue_tps":5}"#,
        )
        .expect("write");
        let cli = Cli::try_parse_from([
            "cert-issuer",
            "once",
            "--config",
            p.to_str().unwrap_or_default(),
            "--issue-tps",
            "7",
        ])
        .expect("parse");
        let Some(Command::Once(args)) = cli.command else {
            panic!("expected once");
        };
        let s = args.resolve().expect("resolve");
        assert_eq!(s.issue_tps, 7.0);
        assert_eq!(s.ca_backend, CaBackend::Local);
        assert!(!s.dry_run);
        for (flags, want) in [
            (&["--dry-run"][..], true),
            (&["--dry-run", "false"][..], false),
        ] {
            let mut argv = vec!["cert-issuer", "once", "--config", p.to_str().unwrap_or("")];
            argv.extend_from_slice(flags);
            let Some(Command::Once(args)) = Cli::try_parse_from(argv).expect("parse").command
            else {
                panic!("expected once");
            };
            assert_eq!(args.resolve().expect("resolve").dry_run, want, "{flags:?}");
        }
    }
}
