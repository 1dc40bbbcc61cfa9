//! `s2s-policy`: check, simulate, render, prove, who-can, minify, bench.

mod cli;

fn main() -> std::process::ExitCode {
    match cli::run(std::env::args().skip(1).collect()) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("s2s-policy: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
