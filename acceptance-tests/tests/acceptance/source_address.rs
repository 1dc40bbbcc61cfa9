//! The provider's source address is on the company's own registry host
//! (`registry.example.internal/platform/s2s`), never `s2s/s2s`: that short
//! form means `registry.terraform.io/s2s/s2s`, a public namespace that is not
//! ours, so a networked `terraform init` would install whatever someone else
//! published there. This scans every text file of the repository for the
//! address as configuration or code writes it (in double quotes); prose that
//! explains the trap in backticks is fine.

use std::fs;
use std::path::{Path, PathBuf};

use acceptance_tests::repo_root;

/// Directories that are not the project's own text.
const SKIP: [&str; 5] = [".git", "target", ".venv", ".demo", "node_modules"];

fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIP.contains(&name.as_str()) {
                text_files(&path, out);
            }
        } else if fs::read_to_string(&path).is_ok() {
            out.push(path);
        }
    }
}

#[test]
fn nothing_refers_to_the_public_registry_namespace() {
    // Built from parts so that this file does not match itself.
    let short = format!("\"{}/{}\"", "s2s", "s2s");
    let long = format!("\"registry.terraform.io/{}/", "s2s");
    let mut files = Vec::new();
    text_files(&repo_root(), &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut hits = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if (line.contains(&short) || line.contains(&long)) && !line.contains("s2s/tfptest") {
                hits.push(format!("{}:{}: {line}", f.display(), n + 1));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "use registry.example.internal/platform/s2s (the company's own registry host):\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_configuration_names_the_private_address() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["modules", "examples"] {
        text_files(&root.join(dir), &mut files);
    }
    let tf: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "tf"))
        .collect();
    let mut declaring = 0;
    for f in tf {
        let text = fs::read_to_string(f).unwrap_or_default();
        for line in text.lines() {
            // The `source` of the `s2s` entry of required_providers.
            let l = line.trim();
            if l.starts_with("source") && l.contains("/s2s\"") {
                declaring += 1;
                assert!(
                    l.contains("\"registry.example.internal/platform/s2s\""),
                    "{}: {l}",
                    f.display()
                );
            }
        }
    }
    assert!(
        declaring >= 10,
        "only {declaring} configurations declare the s2s provider"
    );
}
