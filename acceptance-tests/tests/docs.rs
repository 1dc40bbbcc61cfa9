//! Every resource, data source and function in the provider schema (as
//! `terraform providers schema -json` reports it) has its doc page, the page
//! is up to date with the schema and the examples, and every example file
//! it embeds exists. Regenerate with `cargo run -p acceptance-tests --bin s2s-docs`.

use acceptance_tests::docs::{pages, provider_schema};
use acceptance_tests::repo_root;

#[test]
fn every_schema_entry_has_a_current_doc_page_with_examples() {
    let root = repo_root();
    let schema = provider_schema();
    let pages = pages(&schema, &root);
    let count = |key: &str| schema[key].as_object().map_or(0, |o| o.len());
    assert_eq!(
        pages.len(),
        1 + count("resource_schemas") + count("data_source_schemas") + count("functions")
    );
    assert!(count("resource_schemas") >= 3 && count("functions") >= 4);
    let mut problems = Vec::new();
    for page in &pages {
        for example in &page.examples {
            if !example.is_file() {
                problems.push(format!(
                    "{}: example {} is missing",
                    page.path.display(),
                    example.display()
                ));
            }
        }
        match std::fs::read_to_string(root.join(&page.path)) {
            Err(_) => problems.push(format!("{} is missing", page.path.display())),
            Ok(text) if text != page.text => problems.push(format!(
                "{} is stale: run `cargo run -p acceptance-tests --bin s2s-docs`",
                page.path.display()
            )),
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
