//! `check`: files or directories (a directory with index.json is checked as a bundle).

use super::args::Args;
use anyhow::{bail, Context, Result};
use policy::{check, Bundle, Finding, PolicyType, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn guess_type(path: &Path, text: &str) -> PolicyType {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if comps.iter().any(|c| c == "scp") {
        return PolicyType::Scp;
    }
    if comps.iter().any(|c| c == "rcp") {
        return PolicyType::Rcp;
    }
    if name.contains("trust") {
        return PolicyType::Trust;
    }
    if text.contains("\"Principal\"") || text.contains("\"NotPrincipal\"") {
        return PolicyType::Resource;
    }
    PolicyType::Identity
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let p = e?.path();
        if p.is_dir() {
            let skip = p
                .file_name()
                .is_some_and(|n| n == "schema" || n == "claims");
            if !skip {
                collect(&p, out)?;
            }
        } else if p.extension().is_some_and(|x| x == "json")
            && p.file_name().is_some_and(|n| n != "index.json")
        {
            out.push(p);
        }
    }
    Ok(())
}

/// A file inside a bundle directory (an ancestor holds index.json listing it) is checked as
/// that template: rendered with the example parameters, with the manifest's accepted lints.
fn bundle_member(file: &Path) -> Result<Option<(String, Vec<Finding>)>> {
    let abs = std::fs::canonicalize(file).with_context(|| file.display().to_string())?;
    for dir in abs.ancestors().skip(1) {
        if dir.join("index.json").is_file() {
            let Ok(rel) = abs.strip_prefix(dir) else {
                return Ok(None);
            };
            let name = rel.with_extension("").to_string_lossy().replace('\\', "/");
            let bundle = Bundle::from_dir(dir)?;
            if bundle.templates.contains_key(&name) {
                let mut all = bundle.check();
                return Ok(all.remove(&name).map(|f| (name, f)));
            }
            return Ok(None);
        }
    }
    Ok(None)
}

pub fn run(a: &Args) -> Result<u8> {
    if a.positional.is_empty() {
        bail!("check needs FILE or DIR");
    }
    let forced = match a.one("type") {
        Some(t) => Some(PolicyType::parse(t).with_context(|| format!("unknown --type {t}"))?),
        None => None,
    };
    let mut results: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for p in &a.positional {
        let path = Path::new(p);
        if path.is_dir() && path.join("index.json").is_file() {
            let bundle = Bundle::from_dir(path)?;
            let mut listed = std::collections::BTreeSet::new();
            for (name, f) in bundle.check() {
                listed.insert(path.join(format!("{name}.json")));
                results.insert(path.join(format!("{name}.json")).display().to_string(), f);
            }
            let mut files = Vec::new();
            collect(path, &mut files)?;
            for f in files.into_iter().filter(|f| !listed.contains(f)) {
                results.insert(
                    f.display().to_string(),
                    vec![Finding::new(
                        Severity::Error,
                        "manifest-missing",
                        "$",
                        "not listed in index.json",
                    )],
                );
            }
        } else {
            let mut files = Vec::new();
            if path.is_dir() {
                collect(path, &mut files)?;
            } else {
                files.push(path.to_path_buf());
            }
            for f in files {
                if let Some((name, findings)) = bundle_member(&f)? {
                    results.insert(format!("{} ({name})", f.display()), findings);
                    continue;
                }
                let text = std::fs::read_to_string(&f).with_context(|| f.display().to_string())?;
                let t = forced.unwrap_or_else(|| guess_type(&f, &text));
                results.insert(f.display().to_string(), check(&text, t));
            }
        }
    }
    let errors = results
        .values()
        .flatten()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = results
        .values()
        .flatten()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    if a.flag("json") {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "files": results, "errors": errors, "warnings": warnings,
            }))?
        );
    } else {
        for (file, fs) in &results {
            for f in fs {
                outln!("{file}: {f}");
            }
        }
        outln!(
            "checked {} file(s): {errors} error(s), {warnings} warning(s)",
            results.len()
        );
    }
    Ok(u8::from(errors > 0))
}
