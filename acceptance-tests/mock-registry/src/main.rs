//! `mock-registry`: run the Registry mock by hand or from a harness. Prints one
//! JSON line on stdout once listening, then serves until SIGINT/SIGTERM.

use clap::Parser;
use mock_common::cli::{announce_and_wait, CommonArgs};
use mock_registry::{RegistryConfig, RegistryMock};

/// The Registry API (docs/guides/registry-api.md) over mTLS, for tests.
///
/// Prints `{"port":N,"url":...,"admin_port":M,"ca":PATH,"admin_identity":{...},"trust_domain":...}` when ready.
#[derive(Debug, Parser)]
#[command(name = "mock-registry", version)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// SPIFFE trust domain of the CI and admin identities.
    #[arg(long, default_value = "example.internal")]
    trust_domain: String,
    /// Extra platform-admin SPIFFE ID, repeatable (spiffe://<td>/platform/admin always is one).
    #[arg(long = "admin-spiffe-id", value_name = "SPIFFE_ID")]
    admins: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let seed = cli.common.read_seed()?;
    let mock = RegistryMock::start(RegistryConfig {
        port: cli.common.port,
        admin_port: cli.common.admin_port,
        client_auth: cli.common.client_auth.into(),
        faults: cli.common.faults.clone().unwrap_or_default(),
        pki: Some(cli.common.open_pki()?),
        state_path: cli.common.state.clone(),
        seed,
        trust_domain: cli.trust_domain,
        extra_admins: cli.admins,
    })
    .await?;
    announce_and_wait(mock.report()).await?;
    mock.shutdown().await;
    Ok(())
}
