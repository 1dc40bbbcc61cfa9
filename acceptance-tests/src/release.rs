//! Releases of the provider for the install tests, made by the real release
//! script (`scripts/release.sh`, what `make release` runs) from this
//! workspace's debug build, signed with a throwaway GPG key.
//!
//! The script's packaging mode (`S2S_RELEASE_BINARIES`) releases the one
//! freshly built binary as several versions in seconds, instead of
//! cross-compiling each; everything after the build (zips, SHA256SUMS,
//! manifest, signature, mirror and registry layouts) is the release path
//! itself. The binary is stripped first: smaller zips, the same provider.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::aws::platform;
use crate::paths::{built_binary, repo_root, venv_dir};

/// The versions the install tests release: `~> 0.2` must pick 0.2.1.
pub const TEST_VERSIONS: [&str; 4] = ["0.1.0", "0.2.0", "0.2.1", "1.0.0"];

/// The source address's host, as the release script lays it out.
pub const REGISTRY_HOST: &str = "registry.example.internal";

/// A release directory and the key that signed it.
pub struct Releases {
    /// What `make release` writes: `<version>/`, `mirror/`, `registry/`,
    /// `signing-key.asc`.
    pub dist: PathBuf,
    /// The signing key's long ID (hex, as gpg prints it).
    pub key_id: String,
    _tmp: tempfile::TempDir,
}

impl Releases {
    /// The packed mirror directory of the provider
    /// (`mirror/<host>/platform/s2s`).
    pub fn mirror_package_dir(&self) -> PathBuf {
        self.dist
            .join("mirror")
            .join(REGISTRY_HOST)
            .join("platform/s2s")
    }

    /// The `h1:` and `zh:` hashes the mirror index lists for `version` on
    /// this machine's platform.
    pub fn hashes(&self, version: &str) -> Vec<String> {
        let path = self.mirror_package_dir().join(format!("{version}.json"));
        let v: Value = serde_json::from_str(&fs::read_to_string(&path).expect("version json"))
            .expect("version json is JSON");
        v["archives"][platform()]["hashes"]
            .as_array()
            .expect("hashes")
            .iter()
            .filter_map(|h| h.as_str().map(String::from))
            .collect()
    }

    /// The zip of `version` for this platform in `<dist>/<version>/`.
    pub fn zip(&self, version: &str) -> PathBuf {
        self.dist.join(version).join(format!(
            "terraform-provider-s2s_{version}_{}.zip",
            platform()
        ))
    }
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run ({e}); install it (Debian: gnupg)"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A throwaway signing key: (armored secret key, long key ID). Its agent is
/// stopped before returning.
fn throwaway_key(home: &Path) -> (String, String) {
    fs::create_dir_all(home).expect("gnupg home");
    let gpg = || {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", home).arg("--batch");
        c
    };
    run(
        gpg().args([
            "--passphrase",
            "",
            "--quick-gen-key",
            "s2s release test <release-test@example.internal>",
            "rsa3072",
            "sign",
            "never",
        ]),
        "gpg --quick-gen-key",
    );
    let secret = run(
        gpg().args(["--armor", "--export-secret-keys"]),
        "gpg --export",
    );
    let listing = run(
        gpg().args(["--with-colons", "--list-keys"]),
        "gpg --list-keys",
    );
    let key_id = listing
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"pub")).then(|| f.get(4).map(|s| s.to_string()))?
        })
        .expect("a public key");
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", home)
        .args(["--kill", "gpg-agent"])
        .status();
    (secret, key_id)
}

/// [`TEST_VERSIONS`], released once per test process.
pub fn test_releases() -> &'static Releases {
    static ONCE: OnceLock<Releases> = OnceLock::new();
    ONCE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("temp dir");
        let (secret, key_id) = throwaway_key(&tmp.path().join("gnupg"));
        let bins = tmp.path().join("bins");
        fs::create_dir_all(&bins).expect("bins");
        let binary = bins.join(format!("terraform-provider-s2s_{}", platform()));
        fs::copy(built_binary("terraform-provider-s2s", false), &binary)
            .expect("copy the provider");
        run(Command::new("strip").arg(&binary), "strip");
        let dist = tmp.path().join("dist");
        for v in TEST_VERSIONS {
            run(
                Command::new("bash")
                    .arg(repo_root().join("scripts/release.sh"))
                    .env("VERSION", v)
                    .env("S2S_RELEASE_BINARIES", &bins)
                    .env("S2S_RELEASE_DIR", &dist)
                    .env("S2S_GPG_PRIVATE_KEY", &secret)
                    .env("S2S_VENV", venv_dir()),
                &format!("scripts/release.sh VERSION={v}"),
            );
        }
        Releases {
            dist,
            key_id,
            _tmp: tmp,
        }
    })
}
