//! The entry shape of a runtime binary: the same program is a CLI for
//! operators and tests and, started by Lambda without arguments, a Lambda
//! function or extension. One multi-thread runtime on two workers (a Lambda
//! has one or two vCPUs), one exit-code convention, one place that prints a
//! run's report.

use std::ffi::OsString;
use std::future::Future;
use std::process::ExitCode;

use serde::Serialize;

use crate::log;

/// Exit code of a bad command line or bad settings (sysexits' EX_USAGE).
pub const EXIT_USAGE: u8 = 64;

/// Whether this process runs inside Lambda (the Runtime API is set).
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// The command line to parse: this process's, or, when Lambda started it
/// without arguments, `<argv0> <lambda_subcommand>` (settings then come from
/// the environment, as for that subcommand run by hand).
pub fn args_or(lambda_subcommand: &str) -> Vec<OsString> {
    choose_args(
        std::env::args_os().collect(),
        in_lambda(),
        lambda_subcommand,
    )
}

fn choose_args(args: Vec<OsString>, in_lambda: bool, lambda_subcommand: &str) -> Vec<OsString> {
    if args.len() <= 1 && in_lambda {
        let argv0 = args.into_iter().next().unwrap_or_default();
        return vec![argv0, lambda_subcommand.into()];
    }
    args
}

/// Usage on stderr for a binary run without a subcommand; [`EXIT_USAGE`].
pub fn usage(name: &str) -> ExitCode {
    eprintln!("usage: {name} once --config FILE [flags]   (see {name} --help)");
    ExitCode::from(EXIT_USAGE)
}

/// The binary's runtime (two worker threads); `None` after saying why not.
pub fn runtime(name: &str) -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| eprintln!("{name}: cannot start the async runtime: {e}"))
        .ok()
}

/// Run `main` on the binary's [`runtime`].
pub fn block_on<F: Future<Output = ExitCode>>(name: &str, main: F) -> ExitCode {
    match runtime(name) {
        Some(runtime) => runtime.block_on(main),
        None => ExitCode::FAILURE,
    }
}

/// The settings, or the `config.invalid` log line and [`EXIT_USAGE`].
pub fn settings_or_exit<S, E: std::fmt::Display>(resolved: Result<S, E>) -> Result<S, ExitCode> {
    resolved.map_err(|e| {
        log::error(
            "config.invalid",
            serde_json::json!({"error": e.to_string()}),
        );
        ExitCode::from(EXIT_USAGE)
    })
}

/// How the Lambda runtime loop ended, as an exit code (`lambda.runtime` logged on error).
pub fn lambda_exit<E: std::fmt::Display>(served: Result<(), E>) -> ExitCode {
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error(
                "lambda.runtime",
                serde_json::json!({"error": e.to_string()}),
            );
            ExitCode::FAILURE
        }
    }
}

/// Print a run's report as pretty JSON on stdout and exit with `code`.
pub fn print_report<R: Serialize>(name: &str, report: &R, code: u8) -> ExitCode {
    match serde_json::to_string_pretty(report) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("{name}: cannot print the report: {e}"),
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_without_arguments_runs_the_lambda_subcommand() {
        let argv = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        let cases = [
            (
                argv(&["/var/task/bootstrap"]),
                true,
                argv(&["/var/task/bootstrap", "lambda"]),
            ),
            (argv(&["syncer"]), false, argv(&["syncer"])),
            (argv(&["syncer", "once"]), true, argv(&["syncer", "once"])),
            (argv(&[]), true, argv(&["", "lambda"])),
        ];
        for (given, lambda, want) in cases {
            assert_eq!(
                choose_args(given.clone(), lambda, "lambda"),
                want,
                "{given:?} {lambda}"
            );
        }
    }

    #[test]
    fn bad_settings_exit_with_usage() {
        let r: Result<(), _> = settings_or_exit(Err::<(), _>("setting x: bad"));
        assert_eq!(r.expect_err("bad"), ExitCode::from(EXIT_USAGE));
        assert_eq!(settings_or_exit(Ok::<_, String>(3)), Ok(3));
        assert_eq!(lambda_exit(Ok::<(), String>(())), ExitCode::SUCCESS);
        assert_eq!(lambda_exit(Err("stopped")), ExitCode::FAILURE);
    }
}
