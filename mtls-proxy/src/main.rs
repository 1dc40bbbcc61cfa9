//! `s2s-mtls-proxy`: the Lambda extension (layer path
//! `extensions/s2s-mtls-proxy`, started by Lambda without arguments), and
//! `s2s-mtls-proxy serve` for local use. Both listen on 127.0.0.1 only.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use mtls_proxy::extension::{self, ExtensionsApi, Running};
use mtls_proxy::proxy::Proxy;
use mtls_proxy::settings::{Resolved, Settings};
use mtls_proxy::{log, BundleSource, CertificateHolder, FileSource, MeshClient, MeshClientConfig};
use runtime_support::entry;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A request that races the first INVOKE waits this long for it.
const FIRST_INVOKE_WAIT: Duration = Duration::from_secs(2);

#[derive(Parser)]
#[command(
    name = "s2s-mtls-proxy",
    version,
    about = "Localhost HTTP to the service mesh over mTLS, as this function's app"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run as a Lambda extension (what Lambda does: no arguments, settings from S2S_*).
    Extension(Settings),
    /// Serve on 127.0.0.1 until SIGINT/SIGTERM; prints one JSON line when listening.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    settings: Settings,
    /// Read the bundle from this JSON file instead of Secrets Manager.
    #[arg(long)]
    bundle_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let in_lambda = entry::in_lambda();
    let Some(runtime) = entry::runtime("s2s-mtls-proxy") else {
        return ExitCode::FAILURE;
    };
    let cli = Cli::try_parse_from(entry::args_or("extension"));
    let code = match cli {
        Ok(Cli {
            command: Some(Command::Extension(settings)),
        }) => runtime.block_on(run_extension(&args, Ok(settings))),
        Ok(Cli {
            command: Some(Command::Serve(serve)),
        }) => match runtime.block_on(run_serve(serve)) {
            Ok(()) => 0,
            Err(e) => {
                log::error(
                    "serve.failed",
                    serde_json::json!({"error": format!("{e:#}")}),
                );
                1
            }
        },
        Ok(Cli { command: None }) => {
            eprintln!("usage: s2s-mtls-proxy serve [--bundle-file FILE] [settings]   (see --help; Lambda runs it without arguments)");
            entry::EXIT_USAGE
        }
        Err(e) if in_lambda && args.len() <= 1 => {
            runtime.block_on(run_extension(&args, Err(e.to_string())))
        }
        Err(e) => e.exit(),
    };
    // Leave at once: a stuck connection must not hold the SHUTDOWN budget.
    runtime.shutdown_timeout(Duration::from_millis(50));
    ExitCode::from(code)
}

/// Lambda validates the registration by the executable's file name.
fn extension_name(args: &[std::ffi::OsString]) -> String {
    args.first()
        .map(PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "s2s-mtls-proxy".into())
}

async fn run_extension(args: &[std::ffi::OsString], settings: Result<Settings, String>) -> u8 {
    let Some(addr) = std::env::var("AWS_LAMBDA_RUNTIME_API").ok() else {
        eprintln!("s2s-mtls-proxy: AWS_LAMBDA_RUNTIME_API is not set; outside Lambda use `s2s-mtls-proxy serve`");
        return entry::EXIT_USAGE;
    };
    let started = async {
        let settings = settings?;
        let resolved = settings
            .resolve(|name| std::env::var(name).ok())
            .map_err(|e| e.to_string())?;
        start(resolved, None, true)
            .await
            .map_err(|e| format!("{e:#}"))
    }
    .await;
    extension::run(ExtensionsApi::new(addr), &extension_name(args), started).await
}

async fn run_serve(serve: ServeArgs) -> anyhow::Result<()> {
    let resolved = serve
        .settings
        .resolve(|name| std::env::var(name).ok())
        .map_err(anyhow::Error::msg)?;
    let running = start(resolved.clone(), serve.bundle_file, false).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    running.stop.send_replace(true);
    running.proxy.drain(Duration::from_secs(2)).await;
    Ok(())
}

/// Binds the listener and starts serving; `closed`: load nothing before the
/// first INVOKE.
async fn start(
    resolved: Resolved,
    bundle_file: Option<PathBuf>,
    closed: bool,
) -> anyhow::Result<Running> {
    log::set_level(resolved.log_level);
    let source: Arc<dyn BundleSource> = match &bundle_file {
        Some(path) => Arc::new(FileSource::new(path)),
        None => secrets_manager(&resolved.certificate_secret)?,
    };
    let mut holder = CertificateHolder::new(source, &resolved.spiffe_id, resolved.policy);
    if closed {
        holder = holder.closed_until_open(FIRST_INVOKE_WAIT);
    }
    let holder = Arc::new(holder);
    let mut config = MeshClientConfig::new(resolved.addressing.clone(), resolved.gateway.clone());
    config.connect_timeout = resolved.connect_timeout;
    let client = Arc::new(MeshClient::new(config, holder.clone()));
    let proxy = Proxy::new(client, resolved.token.clone());
    let listener = TcpListener::bind(("127.0.0.1", resolved.port))
        .await
        .with_context(|| {
            format!(
                "S2S_PROXY_PORT: cannot listen on 127.0.0.1:{}",
                resolved.port
            )
        })?;
    let port = listener.local_addr()?.port();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(proxy.clone().serve(listener, stopped));
    let ready = serde_json::json!({
        "proxy": format!("http://127.0.0.1:{port}"),
        "port": port,
        "spiffe_id": resolved.spiffe_id,
        "gateway": resolved.gateway,
        "certificate": match &bundle_file {
            Some(path) => format!("file {}", path.display()),
            None => format!("Secrets Manager secret {}", resolved.certificate_secret),
        },
        "token_required": resolved.token.is_some(),
    });
    if closed {
        log::info("extension.listening", ready);
    } else {
        println!("{ready}");
    }
    Ok(Running {
        holder,
        proxy,
        stop,
    })
}

#[cfg(feature = "secrets-manager")]
fn secrets_manager(secret: &str) -> anyhow::Result<Arc<dyn BundleSource>> {
    Ok(Arc::new(
        mtls_proxy::secretsmanager::SecretsManagerSource::new(secret),
    ))
}

#[cfg(not(feature = "secrets-manager"))]
fn secrets_manager(_secret: &str) -> anyhow::Result<Arc<dyn BundleSource>> {
    anyhow::bail!("built without the secrets-manager feature: use --bundle-file")
}
