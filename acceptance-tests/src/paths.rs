//! Where the repository, the build output and the project venv are.

use std::path::PathBuf;

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

/// The project venv that `make venv` creates (`S2S_VENV` overrides it).
pub fn venv_dir() -> PathBuf {
    std::env::var_os("S2S_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv"))
}

/// The cargo profile whose binaries tests run: `S2S_PROFILE` (`debug` by
/// default; benchmarks use `release`).
pub fn build_profile() -> String {
    std::env::var("S2S_PROFILE").unwrap_or_else(|_| "debug".into())
}

/// The directory holding a provider binary built by `cargo build`
/// (`examples` for the runtime's test provider). Panics with the command to
/// run when the binary is missing: tests must not run a stale or absent one.
pub fn provider_dir(binary: &str, example: bool) -> PathBuf {
    let mut dir = target_dir().join(build_profile());
    if example {
        dir = dir.join("examples");
    }
    let path = dir.join(binary);
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build --workspace --bins --examples` (add --release when S2S_PROFILE=release; make test and make bench do)",
        path.display()
    );
    dir
}
