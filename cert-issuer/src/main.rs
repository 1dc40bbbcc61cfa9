//! `cert-issuer` (shipped as `bootstrap` in the Lambda zip).

use std::process::ExitCode;

use cert_issuer::cli::{BundleArgs, Cli, Command};
use cert_issuer::{aws, lambda, log, Issuer, Status};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match cli.command {
        Some(c) => c,
        // Inside Lambda, `bootstrap` starts without arguments; settings then
        // come from the environment, as for `cert-issuer lambda`.
        None if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => {
            match Cli::parse_from(["cert-issuer", "lambda"]).command {
                Some(c) => c,
                None => return ExitCode::FAILURE,
            }
        }
        None => {
            eprintln!("usage: cert-issuer once --config FILE [flags]   (see cert-issuer --help)");
            return ExitCode::from(64);
        }
    };
    if let Command::Bundle(args) = &command {
        return bundle(args);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cert-issuer: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(command))
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
            ExitCode::from(64)
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
    let settings = match args.resolve() {
        Ok(s) => s,
        Err(e) => {
            log::error(
                "config.invalid",
                serde_json::json!({"error": e.to_string()}),
            );
            return ExitCode::from(64);
        }
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
            return match Box::pin(lambda::serve(issuer)).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    log::error(
                        "lambda.runtime",
                        serde_json::json!({"error": e.to_string()}),
                    );
                    ExitCode::FAILURE
                }
            };
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
    match serde_json::to_string_pretty(&report) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("cert-issuer: cannot print the report: {e}"),
    }
    match report.status {
        Status::Ok => ExitCode::SUCCESS,
        Status::Partial => ExitCode::from(2),
        Status::Failed => ExitCode::FAILURE,
    }
}
