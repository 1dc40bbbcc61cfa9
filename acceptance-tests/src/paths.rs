//! Where the repository, the build output and the project venv are.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The repository root (this crate lives in `<root>/acceptance-tests`).
pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` if set, else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                repo_root().join(dir)
            }
        }
        None => repo_root().join("target"),
    }
}

pub use mock_common::moto::venv_dir;

/// The cargo profile whose binaries tests run: `S2S_PROFILE` (`debug` by
/// default; benchmarks use `release`).
pub fn build_profile() -> String {
    std::env::var("S2S_PROFILE").unwrap_or_else(|_| "debug".into())
}

/// The directory holding a provider binary built by `cargo build`
/// (`examples` for the runtime's test provider); see [`built_binary`].
pub fn provider_dir(binary: &str, example: bool) -> PathBuf {
    let path = built_binary(binary, example);
    path.parent().map(Path::to_path_buf).unwrap_or(path)
}

/// A workspace binary (or example) that `cargo build` left in the target
/// directory of [`build_profile`]. Panics with the command to run when it is
/// missing or stale: a test must not pass or fail because of a build from
/// before the change it is meant to check.
pub fn built_binary(binary: &str, example: bool) -> PathBuf {
    let mut dir = target_dir().join(build_profile());
    if example {
        dir = dir.join("examples");
    }
    let path = dir.join(binary);
    let rebuild = if build_profile() == "release" {
        "cargo build --release --workspace --bins --examples"
    } else {
        "cargo build --workspace --bins --examples"
    };
    assert!(
        path.is_file(),
        "{} is missing: build it first with `{rebuild}` (make test and make bench do)",
        path.display()
    );
    // Checked once per binary and test process: the dep-info lists
    // thousands of files.
    static FRESH: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    let mut fresh = FRESH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if fresh.contains(&path) {
        return path;
    }
    if let Some(newer) = newer_source(&path) {
        panic!(
            "{} is stale: {} changed after it was built; rebuild with `{rebuild}` (make test and make bench do)",
            path.display(),
            newer.display()
        );
    }
    fresh.insert(path.clone());
    path
}

/// A source file of `binary` modified after the binary was written, if any.
/// The sources are the ones cargo's dep-info file next to the binary
/// (`<binary>.d`) lists: every file of the crate and of its path
/// dependencies, `include_str!` files included. A binary without one (not
/// built by cargo) is taken as it is.
fn newer_source(binary: &Path) -> Option<PathBuf> {
    let built = std::fs::metadata(binary).and_then(|m| m.modified()).ok()?;
    let dep_info = std::fs::read_to_string(binary.with_extension("d")).ok()?;
    dep_info_sources(&dep_info).into_iter().find(|source| {
        std::fs::metadata(source)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified > built)
    })
}

/// The prerequisites of a Makefile-style dep-info file (`target: a b\ c`),
/// with `\ ` unescaped to a space.
fn dep_info_sources(text: &str) -> Vec<PathBuf> {
    let mut sources = Vec::new();
    for line in text.lines() {
        let Some((_, deps)) = line.split_once(": ") else {
            continue;
        };
        let mut current = String::new();
        let mut chars = deps.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    current.push(' ');
                    chars.next();
                }
                ' ' => {
                    if !current.is_empty() {
                        sources.push(PathBuf::from(std::mem::take(&mut current)));
                    }
                }
                _ => current.push(c),
            }
        }
        if !current.is_empty() {
            sources.push(PathBuf::from(current));
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_lists_every_prerequisite() {
        let text = "/t/debug/p: /src/a.rs /src/dir\\ with\\ space/b.rs\n\n/src/a.rs:\n";
        assert_eq!(
            dep_info_sources(text),
            [
                PathBuf::from("/src/a.rs"),
                PathBuf::from("/src/dir with space/b.rs")
            ]
        );
    }

    #[test]
    fn a_source_changed_after_the_build_makes_the_binary_stale() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = dir.path().join("main.rs");
        let binary = dir.path().join("bin");
        std::fs::write(&source, "fn main() {}").expect("source");
        std::fs::write(&binary, "built").expect("binary");
        std::fs::write(
            binary.with_extension("d"),
            format!("{}: {}\n", binary.display(), source.display()),
        )
        .expect("dep-info");
        let set = |path: &Path, secs: u64| {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            std::fs::File::options()
                .write(true)
                .open(path)
                .and_then(|f| f.set_modified(at))
                .expect("set mtime");
        };
        set(&source, 1_000);
        set(&binary, 2_000);
        assert_eq!(newer_source(&binary), None, "built after its source");
        set(&source, 3_000);
        assert_eq!(newer_source(&binary), Some(source), "source edited since");
    }
}
