//! terraform-provider-s2s: serves the s2s provider to Terraform. The version
//! is the crate's, which `make release` requires to equal the release's, so
//! `--version` and the start-up log line name the build Terraform runs.

use std::process::ExitCode;

fn main() -> ExitCode {
    tfplugin::serve_with_version(
        provider::S2sProvider,
        provider::PROVIDER_ADDRESS,
        env!("CARGO_PKG_VERSION"),
    )
}
