//! Command-line front end (argument parsing and output only; the work is in the library).

/// `println!` for the CLI's output: a reader that went away (`s2s-policy ... | head`) ends
/// the process quietly instead of panicking (see [`emit`]).
macro_rules! outln {
    () => {
        $crate::cli::emit(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::emit(format_args!($($arg)*))
    };
}

mod args;
mod cmd_check;
mod cmd_misc;
mod cmd_prove;
mod cmd_whocan;

use anyhow::{bail, Result};

pub const USAGE: &str = "usage: s2s-policy <command> [options]

commands:
  check FILE|DIR... [--type T] [--json]      schema + size + lints; exit 1 on errors
  render TEMPLATE --var k=v... [--check TYPE] fill ${param} placeholders (IAM ${aws:...} kept)
  minify FILE                                 print the policy without whitespace
  simulate --action A --resource R (--world W --principal NAME | --principal-arn ARN
           [--identity F]... [--boundary F] [--scp LEVEL=F[,F]]... [--rcp LEVEL=F[,F]]...
           [--resource-policy F] [--trust]) [--context k=v]... [--json]
  prove CLAIMS [--world W] [--bundle DIR] [--json]   evaluate the claims table; exit 1 on mismatch
  who-can ACTION RESOURCE [--world W] [--bundle DIR] [--only NAME,...] [--all]
  bench [--seconds S]                         evaluator decisions per second on the bundle

Template parameters are ${lower_snake} names; anything with a colon (${aws:username}) is an
IAM policy variable and is left alone. See policy/README.md.";

pub fn run(argv: Vec<String>) -> Result<u8> {
    let Some((cmd, rest)) = argv.split_first() else {
        outln!("{USAGE}");
        return Ok(2);
    };
    let a = args::Args::parse(rest)?;
    match cmd.as_str() {
        "check" => cmd_check::run(&a),
        "render" => cmd_misc::render(&a),
        "minify" => cmd_misc::minify(&a),
        "simulate" => cmd_misc::simulate(&a),
        "prove" => cmd_prove::run(&a),
        "who-can" => cmd_whocan::run(&a),
        "bench" => cmd_misc::bench(&a),
        "help" | "--help" | "-h" => {
            outln!("{USAGE}");
            Ok(0)
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// Exit status when stdout was closed by its reader: what a shell reports for a process
/// killed by SIGPIPE (128 + 13), so `set -o pipefail` still sees that the output was cut.
pub const CLOSED_PIPE_EXIT: i32 = 141;

/// Writes one line to stdout. If the reader has gone away (EPIPE), the rest of the output
/// has nowhere to go: exit at once, without the panic `println!` would raise. Any other
/// write error is reported on stderr with exit status 2.
pub fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(CLOSED_PIPE_EXIT);
        }
        eprintln!("s2s-policy: writing to stdout: {e}");
        std::process::exit(2);
    }
}
