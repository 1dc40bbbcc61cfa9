//! The hashicorp/aws provider for tests: its real 6.25.0 schema (fetched and
//! converted once into a cache by the `aws-schema` crate) served by the
//! schema-only `terraform-provider-aws` built from this workspace, installed
//! the way a user installs any provider: from a filesystem mirror, at version
//! 6.25.0, so `terraform init` checks each configuration's version
//! constraint and records the package in the lock file.
//!
//! The cache is `$S2S_CACHE_DIR/aws-schema`, by default
//! `<target>/s2s-cache/aws-schema`: `cargo clean` empties it, and nothing of it
//! is ever committed. The first run fetches the npm package (~37 MB) with
//! `npm pack`; later runs, and every other test process, reuse it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::paths::{build_profile, built_binary, target_dir};

/// Where the schema is and the mirror that holds the provider.
#[derive(Debug)]
pub struct AwsSchemaProvider {
    /// The provider schema document (`terraform providers schema -json` format).
    pub schema: PathBuf,
    /// A filesystem mirror (unpacked layout) holding
    /// `registry.terraform.io/hashicorp/aws/6.25.0/<os>_<arch>/terraform-provider-aws`.
    pub mirror: PathBuf,
}

impl AwsSchemaProvider {
    /// The `filesystem_mirror` installation method for the CLI configuration.
    pub fn installation_method(&self) -> String {
        format!(
            "  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n",
            self.mirror.display()
        )
    }

    /// The environment the provider needs (set it on every Terraform run).
    pub fn env(&self) -> (&'static str, String) {
        (aws_schema::SCHEMA_ENV, self.schema.display().to_string())
    }
}

/// Terraform's name for this machine's platform (`linux_amd64`, ...).
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// The cache directory shared by every test process.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("S2S_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("s2s-cache"))
        .join("aws-schema")
}

fn link_binary(mirror: &Path) -> PathBuf {
    let binary = built_binary("terraform-provider-aws", false);
    let dir = mirror
        .join("registry.terraform.io/hashicorp/aws")
        .join(aws_schema::cache::PROVIDER_VERSION)
        .join(platform());
    std::fs::create_dir_all(&dir).expect("create the mirror directory");
    let link = dir.join("terraform-provider-aws");
    // A symlink always points at the current build.
    if std::fs::read_link(&link).ok().as_deref() != Some(binary.as_path()) {
        let _ = std::fs::remove_file(&link);
        if let Err(e) = std::os::unix::fs::symlink(&binary, &link) {
            assert!(
                e.kind() == std::io::ErrorKind::AlreadyExists,
                "linking {}: {e}",
                link.display()
            );
        }
    }
    mirror.to_path_buf()
}

/// The schema and mirror, prepared once per process (and once per cache
/// across processes). Panics with what to do when the package cannot be
/// fetched: a test that needs the schema must not silently pass without it.
pub fn aws_schema_provider() -> &'static AwsSchemaProvider {
    static ONCE: OnceLock<AwsSchemaProvider> = OnceLock::new();
    ONCE.get_or_init(|| {
        let cache = cache_dir();
        let schema = aws_schema::cache::prepare(&cache).unwrap_or_else(|e| {
            panic!(
                "cannot prepare the hashicorp/aws schema in {}: {e}",
                cache.display()
            )
        });
        let mirror = link_binary(&cache.join(format!("mirror-{}", build_profile())));
        AwsSchemaProvider { schema, mirror }
    })
}
