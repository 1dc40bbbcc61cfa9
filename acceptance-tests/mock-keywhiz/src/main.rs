//! `mock-keywhiz`: run the Keywhiz mock by hand or from a harness. Prints one
//! JSON line on stdout once listening, then serves until SIGINT/SIGTERM.

use clap::Parser;
use mock_common::cli::{announce_and_wait, CommonArgs};
use mock_keywhiz::{AutomationClientSpec, KeywhizConfig, KeywhizMock};

/// A Keywhiz server for tests: Keywhiz's client and automation v2 wire API over mTLS.
///
/// Prints `{"port":N,"url":...,"admin_port":M,"ca":PATH,"automation_clients":[{"name","cert","key","ca"}],...}`
/// on stdout when ready.
#[derive(Debug, Parser)]
#[command(name = "mock-keywhiz", version)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// Automation client (certificate CN = NAME), repeatable. Default: `automation`.
    #[arg(long = "automation-client", value_name = "NAME")]
    automation_clients: Vec<String>,
    /// Automation client identified by SPIFFE ID (`NAME=spiffe://...`), repeatable.
    #[arg(long = "automation-spiffe-id", value_name = "NAME=SPIFFE_ID")]
    automation_spiffe: Vec<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut automation: Vec<AutomationClientSpec> = cli
        .automation_clients
        .iter()
        .map(|n| AutomationClientSpec::named(n))
        .collect();
    for pair in &cli.automation_spiffe {
        let (name, id) = pair.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--automation-spiffe-id wants NAME=SPIFFE_ID, got {pair:?}")
        })?;
        automation.push(AutomationClientSpec {
            name: name.to_owned(),
            spiffe_id: Some(id.to_owned()),
        });
    }
    if automation.is_empty() {
        automation.push(AutomationClientSpec::named("automation"));
    }
    let seed = cli.common.read_seed()?;
    let config = KeywhizConfig {
        port: cli.common.port,
        admin_port: cli.common.admin_port,
        client_auth: cli.common.client_auth.into(),
        faults: cli.common.faults.clone().unwrap_or_default(),
        pki: Some(cli.common.open_pki()?),
        state_path: cli.common.state.clone(),
        seed,
        automation_clients: automation,
    };
    let mock = KeywhizMock::start(config).await?;
    announce_and_wait(mock.report()).await?;
    mock.shutdown().await;
    Ok(())
}
