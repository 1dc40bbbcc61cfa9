//! `cargo xtask <task>`: the docs generator and the benchmark runners.
//!
//! ```text
//! cargo xtask docs                                  write docs/ from the provider schema and examples/
//! cargo xtask bench slots|plan|handshake [N]        bench/foundation.sh
//! cargo xtask bench resources [ROUNDS]              bench/resources.sh
//! ```
//!
//! Every task runs the provider binary `cargo build` left in target/ (the
//! release one with `S2S_PROFILE=release`, as bench/*.sh set it); build it
//! first: `cargo build -p provider` (make bench builds everything).

use anyhow::{bail, Context, Result};

use acceptance_tests::repo_root;
use xtask::bench::{foundation, resources};
use xtask::docs::{pages, provider_schema};

const USAGE: &str =
    "usage: cargo xtask docs | bench slots|plan|handshake [N] | bench resources [ROUNDS]";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["docs"] => write_docs(),
        ["bench", what, rest @ ..] => {
            let n = |default: usize| -> Result<usize> {
                match rest.first() {
                    None => Ok(default),
                    Some(s) => s
                        .parse()
                        .with_context(|| format!("{s:?} is not a count; {USAGE}")),
                }
            };
            match *what {
                "slots" => foundation::slots(n(10_000)?),
                "plan" => foundation::plan_ratio(n(1000)?, 5),
                "handshake" => foundation::handshake(n(40)?),
                "resources" => resources::run(n(3)?),
                other => bail!("unknown benchmark {other:?}; {USAGE}"),
            }
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

/// Writes every page; fails when a page's example file is missing (the
/// page would show a placeholder instead of it).
fn write_docs() -> Result<()> {
    let root = repo_root();
    let schema = provider_schema();
    let mut missing = Vec::new();
    for page in pages(&schema, &root) {
        let path = root.join(&page.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
        }
        std::fs::write(&path, &page.text).with_context(|| path.display().to_string())?;
        for example in page.examples.iter().filter(|e| !e.is_file()) {
            missing.push(format!(
                "missing example {} (for {})",
                example.display(),
                page.path.display()
            ));
        }
        println!("wrote {}", page.path.display());
    }
    if !missing.is_empty() {
        bail!("{}", missing.join("\n"));
    }
    Ok(())
}
