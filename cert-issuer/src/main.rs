//! `cert-issuer` (shipped as `bootstrap` in the Lambda zip).

use std::process::ExitCode;

use cert_issuer::cli::{BundleArgs, Cli, Command};
use cert_issuer::{aws, lambda, log, Issuer, Status};
use clap::Parser;
use runtime_support::entry;

fn main() -> ExitCode {
    let Some(command) = Cli::parse_from(entry::args_or("lambda")).command else {
        return entry::usage("cert-issuer");
    };
    if let Command::Bundle(args) = &command {
        return bundle(args);
    }
    entry::block_on("cert-issuer", run(command))
}

fn bundle(args: &BundleArgs) -> ExitCode {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
    };
    let made = (|| -> Result<String, String> {
        let b = cert_bundle::CertBundle::from_parts(
            &read(&args.cert)?,
            &read(&args.key)?,
            &read(&args.ca)?,
        )
        .map_err(|e| e.to_string())?;
        Ok(b.to_json())
    })();
    match made {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cert-issuer bundle: {e}");
            ExitCode::from(entry::EXIT_USAGE)
        }
    }
}

async fn run(command: Command) -> ExitCode {
    let args = match &command {
        Command::Once(a)
        | Command::Plan(a)
        | Command::Work(a)
        | Command::CaChain(a)
        | Command::Lambda(a) => a,
        Command::Bundle(_) => return ExitCode::FAILURE,
    };
    let settings = match entry::settings_or_exit(args.resolve()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let sdk = aws::load_sdk_config().await;
    let issuer = match Issuer::from_settings(settings, &sdk).await {
        Ok(i) => i,
        Err(e) => {
            log::error("setup.failed", serde_json::json!({"error": e.to_string()}));
            return ExitCode::FAILURE;
        }
    };
    let report = match command {
        Command::Lambda(_) => {
            // Boxed: the runtime's service stack makes a deep future type.
            return entry::lambda_exit(Box::pin(lambda::serve(issuer)).await);
        }
        Command::CaChain(_) => {
            return match issuer.ca_chain().await {
                Ok(pem) => {
                    print!("{pem}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    log::error("ca.chain_failed", serde_json::json!({"error": e}));
                    ExitCode::FAILURE
                }
            };
        }
        Command::Once(_) => issuer.once().await,
        Command::Plan(_) => issuer.plan().await,
        Command::Work(_) => issuer.drain(1).await,
        Command::Bundle(_) => return ExitCode::FAILURE,
    };
    let code = match report.status {
        Status::Ok => 0,
        Status::Partial => 2,
        Status::Failed => 1,
    };
    entry::print_report("cert-issuer", &report, code)
}
