//! `syncer` (shipped as `bootstrap` in the Lambda zip).

use std::process::ExitCode;

use clap::Parser;
use runtime_support::entry;
use syncer::cli::{Cli, Command};
use syncer::{lambda, load_sdk_config, Status, Syncer};

fn main() -> ExitCode {
    let Some(command) = Cli::parse_from(entry::args_or("lambda")).command else {
        return entry::usage("syncer");
    };
    entry::block_on("syncer", run(command))
}

async fn run(command: Command) -> ExitCode {
    let (args, is_lambda, decommission) = match command {
        Command::Once(a) => (a, false, false),
        Command::Lambda(a) => (a, true, false),
        Command::Decommission(a) => (a, false, true),
    };
    let settings = match entry::settings_or_exit(args.resolve()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let sdk = load_sdk_config().await;
    let syncer = Syncer::new(settings, &sdk);
    if is_lambda {
        // Boxed: the runtime's service stack makes a deep future type.
        return entry::lambda_exit(Box::pin(lambda::serve(syncer)).await);
    }
    let report = if decommission {
        syncer.decommission().await
    } else {
        syncer.run_once().await
    };
    let code = match report.status {
        Status::Ok => 0,
        Status::Partial => 2,
        Status::DeletesRefused => 3,
        Status::Failed => 1,
    };
    entry::print_report("syncer", &report, code)
}
