//! Writes the provider docs (docs/) from `terraform providers schema -json`
//! and the example files. Run after changing a schema or an example:
//! `cargo build -p provider && cargo run -p acceptance-tests --bin s2s-docs`.

use std::process::ExitCode;

use acceptance_tests::docs::{pages, provider_schema};
use acceptance_tests::repo_root;

fn main() -> ExitCode {
    let root = repo_root();
    let schema = provider_schema();
    let mut missing = 0;
    for page in pages(&schema, &root) {
        let path = root.join(&page.path);
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("{}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        }
        if let Err(e) = std::fs::write(&path, &page.text) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        for example in &page.examples {
            if !example.is_file() {
                eprintln!(
                    "missing example {} (for {})",
                    example.display(),
                    page.path.display()
                );
                missing += 1;
            }
        }
        println!("wrote {}", page.path.display());
    }
    if missing > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
