//! A schema-only `aws` provider for tests: serves the provider schema
//! document named by `S2S_AWS_SCHEMA` (the `terraform providers schema -json`
//! format; the harness writes hashicorp/aws 6.25.0's there) on the tfplugin
//! runtime, so that `terraform validate` and `terraform test` with
//! `mock_provider "aws"` check configurations against the real schema. It
//! never calls AWS: configuring it fails with an error.

use std::process::ExitCode;

use anyhow::{anyhow, Context as _};
use aws_schema::cache::{PROVIDER, PROVIDER_VERSION};
use aws_schema::providers_schema::Document;
use aws_schema::schema_only::SchemaOnly;
use aws_schema::SCHEMA_ENV;

fn load() -> anyhow::Result<SchemaOnly> {
    let path = std::env::var_os(SCHEMA_ENV)
        .ok_or_else(|| anyhow!("{SCHEMA_ENV} must name the provider schema document to serve"))?;
    let text = std::fs::read(&path).with_context(|| format!("reading {path:?}"))?;
    let mut doc: Document =
        serde_json::from_slice(&text).with_context(|| format!("parsing {path:?}"))?;
    let schema = doc
        .provider_schemas
        .remove(PROVIDER)
        .ok_or_else(|| anyhow!("{path:?} holds no schema for {PROVIDER}"))?;
    Ok(SchemaOnly::new("aws", &schema)?)
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--version" || a == "-version") {
        println!("terraform-provider-aws {PROVIDER_VERSION} (schema only)");
        return ExitCode::SUCCESS;
    }
    match load() {
        Ok(p) => tfplugin::serve_with_version(p, PROVIDER, PROVIDER_VERSION),
        Err(e) => {
            // Terraform shows a plugin's stderr when it fails to start.
            eprintln!("terraform-provider-aws (schema only): {e:#}");
            ExitCode::from(1)
        }
    }
}
