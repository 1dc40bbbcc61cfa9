//! Flags every mock binary shares, and the start-up/shutdown dance.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::de::DeserializeOwned;

use crate::faults::Faults;
use crate::pki::TestPki;
use crate::tls::ClientAuth;

/// Client-certificate policy of the TLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuthArg {
    /// A certificate signed by the test CA is required (handshake fails otherwise).
    Need,
    /// A missing certificate is let through and gets the mock's 401.
    Want,
}

impl From<ClientAuthArg> for ClientAuth {
    fn from(a: ClientAuthArg) -> Self {
        match a {
            ClientAuthArg::Need => ClientAuth::Required,
            ClientAuthArg::Want => ClientAuth::Optional,
        }
    }
}

/// Shared command-line flags.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// API port on 127.0.0.1 (0 = pick a free one; the JSON line says which).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Plain-HTTP admin port on 127.0.0.1 (0 = pick a free one).
    #[arg(long, default_value_t = 0)]
    pub admin_port: u16,
    /// Directory for the test PKI (CA reused if present). Default: next to
    /// --state as `<state>.pki`, else a fresh temporary directory.
    #[arg(long)]
    pub pki_dir: Option<PathBuf>,
    /// Keep state in this JSON file (loaded at start, rewritten on every change).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Seed data (JSON) applied at start when there is no saved state.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Client-certificate policy.
    #[arg(long, value_enum, default_value_t = ClientAuthArg::Need)]
    pub client_auth: ClientAuthArg,
    /// Initial fault settings as JSON, e.g. '{"error_rate":0.1}'.
    #[arg(long, value_parser = parse_faults)]
    pub faults: Option<Faults>,
}

fn parse_faults(s: &str) -> Result<Faults, String> {
    let f: Faults = serde_json::from_str(s).map_err(|e| e.to_string())?;
    f.validate()?;
    Ok(f)
}

impl CommonArgs {
    /// The seed file `--seed` names, read as the mock's seed type.
    pub fn read_seed<T: DeserializeOwned>(&self) -> anyhow::Result<Option<T>> {
        self.seed
            .as_deref()
            .map(crate::persist::read_seed)
            .transpose()
    }

    /// Open the PKI these flags ask for.
    pub fn open_pki(&self) -> anyhow::Result<Arc<TestPki>> {
        let dir = self.pki_dir.clone().or_else(|| {
            self.state.as_ref().map(|s| {
                let mut p = s.clone().into_os_string();
                p.push(".pki");
                PathBuf::from(p)
            })
        });
        let pki = match dir {
            Some(dir) => TestPki::open(&dir)?,
            None => TestPki::temporary()?,
        };
        Ok(Arc::new(pki))
    }
}

/// Print the start-up JSON line on stdout (flushed), then wait for SIGINT/SIGTERM.
pub async fn announce_and_wait(
    report: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let line = serde_json::to_string(&report)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    drop(out);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
