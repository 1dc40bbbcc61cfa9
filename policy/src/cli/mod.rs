//! Command-line front end (argument parsing and output only; the work is in the library).

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
        println!("{USAGE}");
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
            println!("{USAGE}");
            Ok(0)
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}
