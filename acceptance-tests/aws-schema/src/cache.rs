//! The pinned npm package, fetched once into a cache, checked against its
//! published integrity, converted once, and reused by every later run.
//!
//! `npm pack` (the registry's own client, so a company's `.npmrc` registry
//! and proxy apply) downloads `@cdktf/provider-aws@21.22.1`; its sha512 must
//! equal the integrity the npm registry published for that version, or
//! nothing is used. `S2S_CDKTF_AWS_TGZ` names a tarball to use instead (for
//! machines without npm access; it is checked the same way). The converted
//! schema is keyed by the tarball's hash and by a hash of this crate's
//! conversion code, so a changed converter converts again. An exclusive
//! lock on the cache directory makes concurrent test processes wait for one
//! conversion instead of racing.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use sha2::{Digest, Sha256, Sha512};

use crate::cdktf::{ConvertError, Package};

/// The npm package: HashiCorp's generated binding of hashicorp/aws 6.25.0.
pub const NPM_PACKAGE: &str = "@cdktf/provider-aws";
/// Its pinned version.
pub const NPM_VERSION: &str = "21.22.1";
/// The integrity the npm registry publishes for it (`npm view
/// @cdktf/provider-aws@21.22.1 dist.integrity`).
pub const NPM_INTEGRITY: &str =
    "sha512-BuSHeaQFUL9l33pBzIMRT7cTQ69AM2mLtijjteCPhVQRmvuhuj9Lvfymf7knAMhYqAT6+Lrls9jiGVW/Us3zrQ==";
/// The provider and version the binding was generated from.
pub const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";
/// hashicorp/aws version.
pub const PROVIDER_VERSION: &str = "6.25.0";

/// The code that decides what the converted schema looks like.
const CONVERTER_SOURCE: [&str; 2] = [
    include_str!("cdktf.rs"),
    include_str!("providers_schema.rs"),
];

/// What can go wrong preparing the schema.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// File system trouble.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// npm is missing or failed.
    #[error("{0}")]
    Npm(String),
    /// The tarball is not the published one.
    #[error("{path} has integrity {got}, but npm publishes {NPM_PACKAGE}@{NPM_VERSION} as {NPM_INTEGRITY}: refusing to use it")]
    Integrity {
        /// The tarball.
        path: String,
        /// Its integrity.
        got: String,
    },
    /// The package is not what the pin says.
    #[error("the package is the binding of {got}, expected {PROVIDER} {PROVIDER_VERSION}")]
    WrongProvider {
        /// What package.json names.
        got: String,
    },
    /// Conversion failed.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// Writing JSON failed.
    #[error("serialising the schema: {0}")]
    Json(#[from] serde_json::Error),
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CacheError {
    let path = path.display().to_string();
    move |source| CacheError::Io { what, path, source }
}

/// npm's integrity string (`sha512-<base64>`) of a file.
pub fn integrity_of(path: &Path) -> Result<String, CacheError> {
    let mut f = fs::File::open(path).map_err(io("opening", path))?;
    let mut h = Sha512::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io("reading", path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(h.finalize())
    ))
}

/// A short hash of the conversion code and the package it converts.
fn conversion_key() -> String {
    let mut h = Sha256::new();
    for s in CONVERTER_SOURCE {
        h.update(s.as_bytes());
        h.update([0]);
    }
    h.update(NPM_INTEGRITY.as_bytes());
    h.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The tarball: `S2S_CDKTF_AWS_TGZ`, else the cached copy, else `npm pack`.
fn tarball(cache: &Path) -> Result<PathBuf, CacheError> {
    let check = |p: PathBuf| -> Result<PathBuf, CacheError> {
        let got = integrity_of(&p)?;
        if got == NPM_INTEGRITY {
            Ok(p)
        } else {
            Err(CacheError::Integrity {
                path: p.display().to_string(),
                got,
            })
        }
    };
    if let Some(p) = std::env::var_os("S2S_CDKTF_AWS_TGZ") {
        return check(PathBuf::from(p));
    }
    let cached = cache.join(format!("cdktf-provider-aws-{NPM_VERSION}.tgz"));
    if cached.is_file() {
        return check(cached);
    }
    let spec = format!("{NPM_PACKAGE}@{NPM_VERSION}");
    let staging = tempfile::tempdir_in(cache).map_err(io("creating a directory in", cache))?;
    let out = Command::new("npm")
        .args(["pack", &spec, "--silent", "--pack-destination"])
        .arg(staging.path())
        .output()
        .map_err(|e| {
            CacheError::Npm(format!(
                "running `npm pack {spec}` failed ({e}): install npm, or download the tarball \
                 and set S2S_CDKTF_AWS_TGZ to its path"
            ))
        })?;
    if !out.status.success() {
        return Err(CacheError::Npm(format!(
            "`npm pack {spec}` failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let packed = staging
        .path()
        .join(format!("cdktf-provider-aws-{NPM_VERSION}.tgz"));
    let checked = check(packed)?;
    fs::rename(&checked, &cached).map_err(io("moving the tarball to", &cached))?;
    Ok(cached)
}

/// Makes sure `cache` holds the converted schema (fetching and converting at
/// most once) and returns its path.
pub fn prepare(cache: &Path) -> Result<PathBuf, CacheError> {
    fs::create_dir_all(cache).map_err(io("creating", cache))?;
    let lock_path = cache.join(".lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io("opening", &lock_path))?;
    lock.lock().map_err(io("locking", &lock_path))?;
    let out = cache.join(format!(
        "hashicorp-aws-{PROVIDER_VERSION}-schema-{}.json",
        conversion_key()
    ));
    if out.is_file() {
        return Ok(out);
    }
    let tgz = tarball(cache)?;
    let package = Package::read(&tgz)?;
    if package.provider != PROVIDER || package.provider_version != PROVIDER_VERSION {
        return Err(CacheError::WrongProvider {
            got: format!("{} {}", package.provider, package.provider_version),
        });
    }
    let doc = package.convert()?;
    let mut tmp =
        tempfile::NamedTempFile::new_in(cache).map_err(io("creating a file in", cache))?;
    serde_json::to_writer(&mut tmp, &doc)?;
    tmp.flush().map_err(io("writing", tmp.path()))?;
    tmp.persist(&out)
        .map_err(|e| io("renaming to", &out)(e.error))?;
    // Older conversions are dead weight.
    if let Ok(entries) = fs::read_dir(cache) {
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p != out && name.starts_with("hashicorp-aws-") && name.ends_with(".json") {
                let _ = fs::remove_file(p);
            }
        }
    }
    drop(lock);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tarball_that_is_not_the_published_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir
            .path()
            .join(format!("cdktf-provider-aws-{NPM_VERSION}.tgz"));
        fs::write(&fake, b"not the package").unwrap();
        let err = tarball(dir.path()).unwrap_err().to_string();
        assert!(err.contains("refusing to use it"), "{err}");
        assert!(err.contains("sha512-"), "{err}");
    }

    #[test]
    fn integrity_is_npms_format() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x");
        fs::write(&f, b"abc").unwrap();
        // sha512("abc"), base64.
        assert_eq!(
            integrity_of(&f).unwrap(),
            "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="
        );
    }
}
