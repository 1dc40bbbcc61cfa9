//! `syncer` (shipped as `bootstrap` in the Lambda zip).

use std::process::ExitCode;

use clap::Parser;
use syncer::cli::{Cli, Command};
use syncer::{lambda, load_sdk_config, Status, Syncer};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match cli.command {
        Some(c) => c,
        // Inside Lambda, `bootstrap` is started without arguments; settings
        // then come from the environment, as for `syncer lambda`.
        None if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => {
            match Cli::parse_from(["syncer", "lambda"]).command {
                Some(c) => c,
                None => return ExitCode::FAILURE,
            }
        }
        None => {
            eprintln!("usage: syncer once --config FILE [flags]   (see syncer --help)");
            return ExitCode::from(64);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("syncer: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(command))
}

async fn run(command: Command) -> ExitCode {
    let (args, is_lambda, decommission) = match command {
        Command::Once(a) => (a, false, false),
        Command::Lambda(a) => (a, true, false),
        Command::Decommission(a) => (a, false, true),
    };
    let settings = match args.resolve() {
        Ok(s) => s,
        Err(e) => {
            syncer::log::error(
                "config.invalid",
                serde_json::json!({"error": e.to_string()}),
            );
            return ExitCode::from(64);
        }
    };
    let sdk = load_sdk_config().await;
    let syncer = Syncer::new(settings, &sdk);
    if is_lambda {
        // Boxed: the runtime's service stack makes a deep future type.
        return match Box::pin(lambda::serve(syncer)).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                syncer::log::error(
                    "lambda.runtime",
                    serde_json::json!({"error": e.to_string()}),
                );
                ExitCode::FAILURE
            }
        };
    }
    let report = if decommission {
        syncer.decommission().await
    } else {
        syncer.run_once().await
    };
    match serde_json::to_string_pretty(&report) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("syncer: cannot print the report: {e}"),
    }
    match report.status {
        Status::Ok => ExitCode::SUCCESS,
        Status::Partial => ExitCode::from(2),
        Status::DeletesRefused => ExitCode::from(3),
        Status::Failed => ExitCode::FAILURE,
    }
}
