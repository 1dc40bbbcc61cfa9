//! Command line: `syncer once --config FILE [flags]` for operators and tests,
//! `syncer lambda` (also what `bootstrap` does with no arguments inside Lambda).
//! Every flag also reads an environment variable, which is how the Lambda is configured.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::settings::{Settings, SettingsError};

#[derive(Debug, Parser)]
#[command(
    name = "syncer",
    version,
    about = "Keywhiz -> AWS Secrets Manager syncer"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one sync, print the report as JSON on stdout (exit 0 ok, 2 partial, 3 deletes refused, 1 failed).
    Once(SettingsArgs),
    /// Serve the Lambda Runtime API (the default when AWS_LAMBDA_RUNTIME_API is set).
    Lambda(SettingsArgs),
    /// The app is gone: delete every secret this syncer manages (recovery window), without asking Keywhiz.
    Decommission(SettingsArgs),
}

/// Settings as flags / environment; each overrides the `--config` file.
/// Serialized, the fields are the settings file's keys (see [`Settings`]).
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct SettingsArgs {
    /// JSON settings file (keys as the long flags, with `_`).
    #[serde(skip)]
    #[arg(long, env = "SYNCER_CONFIG")]
    pub config: Option<PathBuf>,
    #[arg(long, env = "SYNCER_APP")]
    pub app: Option<String>,
    #[arg(long, env = "SYNCER_TRUST_DOMAIN")]
    pub trust_domain: Option<String>,
    #[arg(long, env = "SYNCER_KEYWHIZ_URL")]
    pub keywhiz_url: Option<String>,
    #[arg(long, env = "SYNCER_KEYWHIZ_CA_FILE")]
    pub keywhiz_ca_file: Option<PathBuf>,
    /// PEM text of the Keywhiz CA bundle.
    #[arg(long, env = "SYNCER_KEYWHIZ_CA_PEM", hide_env_values = true)]
    pub keywhiz_ca_pem: Option<String>,
    #[arg(long, env = "SYNCER_CERT_FILE")]
    pub cert_file: Option<PathBuf>,
    #[arg(long, env = "SYNCER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Secret holding the identity bundle (default s2s/<app>/tls).
    #[arg(long, env = "SYNCER_IDENTITY_SECRET")]
    pub identity_secret: Option<String>,
    #[arg(long, env = "SYNCER_MAX_DELETE_SHARE")]
    pub max_delete_share: Option<f64>,
    #[arg(long, env = "SYNCER_ALLOW_DELETE_ALL")]
    pub allow_delete_all: Option<bool>,
    /// RFC 3339 time until which any share may be deleted (the module's delete override).
    #[arg(long, env = "SYNCER_DELETE_OVERRIDE_UNTIL")]
    pub delete_override_until: Option<String>,
    /// The resource policy (JSON) every synced secret carries.
    #[arg(long, env = "SYNCER_RESOURCE_POLICY")]
    pub resource_policy: Option<String>,
    /// Read every secret's resource policy back instead of trusting its digest tag.
    #[arg(long, env = "SYNCER_VERIFY_RESOURCE_POLICIES")]
    pub verify_resource_policies: Option<bool>,
    #[arg(long, env = "SYNCER_RECOVERY_WINDOW_DAYS")]
    pub recovery_window_days: Option<i64>,
    #[arg(long, env = "SYNCER_EXPIRY_WARNING_DAYS")]
    pub expiry_warning_days: Option<i64>,
    #[arg(long, env = "SYNCER_WRITE_TPS")]
    pub write_tps: Option<f64>,
    #[arg(long, env = "SYNCER_WRITE_CONCURRENCY")]
    pub write_concurrency: Option<usize>,
    #[arg(long, env = "SYNCER_BATCH_SIZE")]
    pub batch_size: Option<usize>,
    #[arg(long, env = "SYNCER_KEYWHIZ_ATTEMPTS")]
    pub keywhiz_attempts: Option<u32>,
    #[arg(long, env = "SYNCER_KEYWHIZ_TIMEOUT_SECS")]
    pub keywhiz_timeout_secs: Option<u64>,
    #[arg(long, env = "SYNCER_SM_ATTEMPTS")]
    pub sm_attempts: Option<u32>,
    /// Plan and report only.
    #[arg(long, env = "SYNCER_DRY_RUN")]
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
            r#"{"app":"payments","trust_domain":"example.internal","keywhiz_url":"https://kw",
                "keywhiz_ca_pem":"x","write_tps":5}"#,
        )
        .expect("write");
        let cli = Cli::try_parse_from([
            "syncer",
            "once",
            "--config",
            p.to_str().unwrap_or_default(),
            "--write-tps",
            "7",
        ])
        .expect("parse");
        let Some(Command::Once(args)) = cli.command else {
            panic!("expected once");
        };
        let s = args.resolve().expect("resolve");
        assert_eq!(s.write_tps, 7.0);
        assert_eq!(s.app, "payments");
    }
}
