//! `aws-schema [CACHE_DIR]`: fetches and converts the hashicorp/aws 6.25.0
//! schema into the cache (as the test harness does), prints the document's
//! path and what it holds. `aws-schema --from TGZ` converts a tarball without
//! caching and prints the document on stdout.

use std::path::PathBuf;

use anyhow::Context as _;
use aws_schema::cache::{prepare, PROVIDER};
use aws_schema::cdktf::Package;
use aws_schema::providers_schema::Document;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, tgz] = args.as_slice() {
        if flag == "--from" {
            let doc = Package::read(tgz.as_ref())?.convert()?;
            println!("{}", serde_json::to_string_pretty(&doc)?);
            return Ok(());
        }
    }
    let cache = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/aws-schema"));
    let path = prepare(&cache)?;
    let doc: Document = serde_json::from_slice(&std::fs::read(&path)?)
        .with_context(|| format!("parsing {}", path.display()))?;
    let s = &doc.provider_schemas[PROVIDER];
    println!("{}", path.display());
    println!(
        "{PROVIDER}: {} resources, {} data sources, {} provider arguments",
        s.resource_schemas.len(),
        s.data_source_schemas.len(),
        s.provider.block.attributes.len() + s.provider.block.block_types.len()
    );
    Ok(())
}
