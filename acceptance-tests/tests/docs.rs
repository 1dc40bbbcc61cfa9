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

/// Every relative link in the user-facing docs points at a file of the
/// repository, and none of them sends the reader outside it.
#[test]
fn doc_links_stay_inside_the_repository() {
    let root = repo_root();
    let mut files = vec![
        root.join("README.md"),
        root.join("acceptance-tests/README.md"),
        root.join("acceptance-tests/registry-api.md"),
        root.join("syncer/README.md"),
        root.join("examples/multi-account/README.md"),
    ];
    for dir in [
        "docs",
        "docs/resources",
        "docs/data-sources",
        "docs/functions",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).expect("docs dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("doc");
        if text.contains("../shared/") {
            broken.push(format!(
                "{}: names ../shared/, which is not in the repository",
                file.display()
            ));
        }
        for (_, rest) in text.match_indices("](").map(|(i, _)| ((), &text[i + 2..])) {
            let target = rest.split(')').next().unwrap_or_default();
            let target = target.split('#').next().unwrap_or_default().trim();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let base = file.parent().unwrap_or(&root);
            if !base.join(target).exists() {
                broken.push(format!("{}: {target}", file.display()));
            }
        }
    }
    assert!(files.len() > 10, "{files:?}");
    assert!(
        broken.is_empty(),
        "links to nowhere:\n{}",
        broken.join("\n")
    );
}
