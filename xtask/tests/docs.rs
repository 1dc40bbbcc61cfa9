//! The provider docs (docs/, tfplugindocs layout) against what they document:
//!
//! - the entries Terraform reports for the provider (`terraform providers
//!   schema -json`) are exactly the ones examples/ has an example for, and the
//!   pages on disk are exactly the generated ones: a new resource without an
//!   example, or a page left behind by a removed one, fails here;
//! - every generated page is up to date with the schema and the examples
//!   (regenerate with `cargo xtask docs`);
//! - docs/ keeps the layout the registry accepts (only its known
//!   subdirectories; a guide has a `page_title`);
//! - every relative link in the user-facing docs points at a file of the
//!   repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use acceptance_tests::repo_root;
use xtask::docs::{pages, provider_schema};

/// The directories a tfplugindocs `docs/` may hold (registry layout), and
/// the ones this generator writes.
const REGISTRY_SUBDIRS: [&str; 5] = [
    "resources",
    "data-sources",
    "functions",
    "ephemeral-resources",
    "guides",
];
const GENERATED_SUBDIRS: [&str; 3] = ["resources", "data-sources", "functions"];

/// The names of the entries of a directory (files or folders), sorted.
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_schema_entry_has_a_current_doc_page_with_examples() {
    let root = repo_root();
    let schema = provider_schema();
    let keys = |key: &str| -> BTreeSet<String> {
        schema[key]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    // What Terraform reports, against what examples/ was written for: two
    // sources that nothing here derives from one another.
    for (key, dir) in [
        ("resource_schemas", "resources"),
        ("data_source_schemas", "data-sources"),
        ("functions", "functions"),
    ] {
        assert_eq!(
            keys(key),
            names(&root.join("examples").join(dir)),
            "{key} (terraform providers schema -json) vs examples/{dir}/"
        );
    }

    let pages = pages(&schema, &root);
    // The pages on disk (outside the hand-written guides) are the generated ones.
    let generated: BTreeSet<PathBuf> = pages.iter().map(|p| p.path.clone()).collect();
    let mut on_disk: BTreeSet<PathBuf> = BTreeSet::from([PathBuf::from("docs/index.md")]);
    for dir in GENERATED_SUBDIRS {
        for name in names(&root.join("docs").join(dir)) {
            on_disk.insert(Path::new("docs").join(dir).join(name));
        }
    }
    assert_eq!(
        on_disk, generated,
        "docs/ holds exactly the pages `cargo xtask docs` writes"
    );

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
                "{} is stale: run `cargo xtask docs`",
                page.path.display()
            )),
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn docs_keep_the_registry_layout() {
    let docs = repo_root().join("docs");
    for name in names(&docs) {
        let path = docs.join(&name);
        if path.is_dir() {
            assert!(
                REGISTRY_SUBDIRS.contains(&name.as_str()),
                "docs/{name}/ is not a directory of the registry's docs layout ({REGISTRY_SUBDIRS:?})"
            );
        } else {
            assert_eq!(
                name, "index.md",
                "docs/ holds only index.md besides its directories"
            );
        }
    }
    let guides = names(&docs.join("guides"));
    assert!(
        guides.contains("registry-api.md"),
        "the Registry API contract is a guide: {guides:?}"
    );
    for guide in guides {
        let text = std::fs::read_to_string(docs.join("guides").join(&guide)).expect("guide");
        let front = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(front, _)| front)
            .unwrap_or_else(|| panic!("docs/guides/{guide} has no front matter"));
        assert!(
            front.lines().any(|l| l.starts_with("page_title: ")),
            "docs/guides/{guide}: a guide needs a page_title"
        );
    }
}

/// Every relative link in the user-facing docs points at a file of the
/// repository, and none of them sends the reader outside it.
#[test]
fn doc_links_stay_inside_the_repository() {
    let root = repo_root();
    let mut files = vec![
        root.join("README.md"),
        root.join("acceptance-tests/README.md"),
        root.join("syncer/README.md"),
        root.join("examples/multi-account/README.md"),
    ];
    for dir in std::iter::once("").chain(REGISTRY_SUBDIRS) {
        let Ok(entries) = std::fs::read_dir(root.join("docs").join(dir)) else {
            continue; // a registry directory this provider does not use
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    let mut broken = Vec::new();
    let mut links = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("doc");
        if text.contains("../shared/") {
            broken.push(format!(
                "{}: names ../shared/, which is not in the repository",
                file.display()
            ));
        }
        for (i, _) in text.match_indices("](") {
            let target = text[i + 2..].split(')').next().unwrap_or_default();
            let target = target.split('#').next().unwrap_or_default().trim();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            links += 1;
            let base = file.parent().unwrap_or(&root);
            if !base.join(target).exists() {
                broken.push(format!("{}: {target}", file.display()));
            }
        }
    }
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("docs/guides/registry-api.md")),
        "{files:?}"
    );
    assert!(links > 0, "no relative link found in {files:?}");
    assert!(
        broken.is_empty(),
        "links to nowhere:\n{}",
        broken.join("\n")
    );
}
