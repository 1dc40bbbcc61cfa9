//! The three ways a company installs its private provider, each proven by
//! `terraform init` with real Terraform and no `dev_overrides`:
//!
//! - a `filesystem_mirror` directory, as `make release` writes it;
//! - a `network_mirror`: the same directory served as static files over
//!   HTTPS on loopback, with a test CA (`SSL_CERT_FILE`);
//! - a private registry `registry.example.internal` (the provider registry
//!   protocol, static files behind HTTPS), reached through a `host` block.
//!
//! The releases are 0.1.0, 0.2.0, 0.2.1 and 1.0.0 of this build, made by
//! scripts/release.sh and signed with a throwaway key. Each test checks that
//! `version = "~> 0.2"` installs 0.2.1, that `.terraform.lock.hcl` records the
//! release's hashes, that the installed provider runs (a provider function
//! through it), and that a tampered zip (or, for the registry, signature)
//! fails `init` with Terraform's checksum or signature error.

use std::fs;
use std::path::Path;
use std::process::Command;

use acceptance_tests::{
    cli_config, repo_root, test_releases, venv_dir, Releases, StaticSite, Terraform,
};

const SOURCE: &str = "registry.example.internal/platform/s2s";

/// A root module that needs `~> 0.2` of our provider and calls it.
fn config() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    s2s = {{\n      source  = \"{SOURCE}\"\n      version = \"~> 0.2\"\n    }}\n  }}\n}}\n\noutput \"offset\" {{\n  value = provider::s2s::sync_offset(\"payments\")\n}}\n"
    )
}

/// The lock file's entry for our provider: (version, constraints, hashes).
fn locked(tf: &Terraform) -> (String, String, Vec<String>) {
    let lock = fs::read_to_string(tf.dir().join(".terraform.lock.hcl")).expect("lock file");
    let entry = lock
        .split(&format!("provider \"{SOURCE}\" {{"))
        .nth(1)
        .unwrap_or_else(|| panic!("no entry for {SOURCE} in:\n{lock}"));
    let entry = entry.split("\n}").next().unwrap_or_default();
    let field = |name: &str| {
        entry
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == name).then(|| v.trim().trim_matches('"').to_string())
            })
            .unwrap_or_default()
    };
    let hashes = entry
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_string())
        .collect();
    (field("version"), field("constraints"), hashes)
}

/// `terraform init` in a fresh directory with this CLI configuration; the
/// directory's lock file is `lock` when given (as a team commits it).
fn init(
    cli: &str,
    env: &[(&str, String)],
    lock: Option<&str>,
) -> (Terraform, acceptance_tests::Output) {
    let mut tf = Terraform::with_cli_config(cli);
    for (k, v) in env {
        tf.set_env(*k, v.clone());
    }
    tf.write_config(&config());
    if let Some(l) = lock {
        tf.write_file(".terraform.lock.hcl", l);
    }
    let out = tf.run(&["init", "-input=false", "-no-color"]);
    (tf, out)
}

/// The installed provider answers: the function's value is the contract's.
fn provider_runs(tf: &Terraform) {
    tf.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(
        tf.output("offset").as_u64(),
        Some(u64::from(s2s_core::sync_offset("payments")))
    );
}

/// Installed 0.2.1 and locked its hashes: the release's h1:, plus only
/// hashes from `also` (what the source publishes besides).
fn assert_installed_0_2_1(
    tf: &Terraform,
    out: &acceptance_tests::Output,
    r: &Releases,
    also: &[String],
) -> String {
    assert_eq!(out.code, 0, "init failed:\n{}", out.combined());
    assert!(
        out.stdout.contains(&format!("Installed {SOURCE} v0.2.1")),
        "{}",
        out.stdout
    );
    let (version, constraints, hashes) = locked(tf);
    assert_eq!(
        version, "0.2.1",
        "~> 0.2 picks the newest 0.x (not 0.1.0, not 1.0.0)"
    );
    assert_eq!(constraints, "~> 0.2");
    let release = r.hashes("0.2.1");
    assert!(
        hashes
            .iter()
            .any(|h| h.starts_with("h1:") && release.contains(h)),
        "the lock file records the release's h1: hash; lock {hashes:?}, release {release:?}"
    );
    for h in &hashes {
        assert!(
            release.contains(h) || also.contains(h),
            "lock hash {h} is not one of the release's {release:?} {also:?}"
        );
    }
    fs::read_to_string(tf.dir().join(".terraform.lock.hcl")).expect("lock file")
}

/// Copies a tree (so a test can tamper with its own copy).
fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("mkdir");
    for e in fs::read_dir(src).expect("read dir").flatten() {
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            fs::copy(e.path(), &to).expect("copy");
        }
    }
}

/// Replaces a release zip by a valid zip holding a different binary under
/// the same name: what a compromised mirror would serve.
/// `terraform init` that must fail (`what` was installed if it did not): its diagnostics.
fn init_refused(cli: &str, env: &[(&str, String)], lock: Option<&str>, what: &str) -> String {
    let (_, out) = init(cli, env, lock);
    assert_ne!(out.code, 0, "{what}:\n{}", out.combined());
    out.diagnostics()
}

fn tamper_zip(zip: &Path) {
    let script = "import sys, zipfile\np = sys.argv[1]\nwith zipfile.ZipFile(p) as z:\n    (info,) = z.infolist()\n    data = z.read(info) + b'\\0'\nwith zipfile.ZipFile(p, 'w') as z:\n    z.writestr(info, data)\n";
    let status = Command::new(venv_dir().join("bin/python"))
        .args(["-c", script])
        .arg(zip)
        .status()
        .expect("run python");
    assert!(status.success(), "tampering {}", zip.display());
}

fn filesystem_mirror_cli(dir: &Path) -> String {
    cli_config(
        &[],
        &format!(
            "  filesystem_mirror {{\n    path = \"{}\"\n  }}\n",
            dir.display()
        ),
        "",
    )
}

#[test]
fn filesystem_mirror_from_make_release() {
    let r = test_releases();
    let mirror = r.dist.join("mirror");
    let (tf, out) = init(&filesystem_mirror_cli(&mirror), &[], None);
    let lock = assert_installed_0_2_1(&tf, &out, r, &[]);
    provider_runs(&tf);

    // A mirror whose 0.2.1 zip was swapped: the committed lock file catches it.
    let copy = tempfile::tempdir().expect("temp dir");
    copy_tree(&mirror, copy.path());
    tamper_zip(
        &copy
            .path()
            .join("registry.example.internal/platform/s2s")
            .join(r.zip("0.2.1").file_name().expect("zip name")),
    );
    let d = init_refused(
        &filesystem_mirror_cli(copy.path()),
        &[],
        Some(&lock),
        "a tampered zip was installed",
    );
    assert!(
        d.contains(
            "doesn't match any of the checksums previously recorded in the dependency lock file"
        ),
        "{d}"
    );
}

fn network_mirror_cli(url: &str) -> String {
    cli_config(
        &[],
        &format!("  network_mirror {{\n    url = \"{url}/\"\n  }}\n"),
        "",
    )
}

#[test]
fn network_mirror_over_https_with_a_test_ca() {
    let r = test_releases();
    let root = tempfile::tempdir().expect("temp dir");
    copy_tree(&r.dist.join("mirror"), root.path());
    let site = StaticSite::serve(root.path());
    let cli = network_mirror_cli(&site.base_url());
    let ca = [("SSL_CERT_FILE", site.ca_path().display().to_string())];

    // Without the company CA, Terraform refuses the mirror's certificate.
    let d = init_refused(
        &cli,
        &[],
        None,
        "the mirror was trusted without the company CA",
    );
    assert!(d.contains("certificate signed by unknown authority"), "{d}");

    site.clear_requests();
    let (tf, out) = init(&cli, &ca, None);
    assert_installed_0_2_1(&tf, &out, r, &[]);
    // The mirror protocol, and only the chosen version's archive.
    let prefix = "/registry.example.internal/platform/s2s";
    let zip = format!(
        "{prefix}/terraform-provider-s2s_0.2.1_{}.zip",
        acceptance_tests::platform()
    );
    let requests = site.requests();
    for want in [
        format!("200 {prefix}/index.json"),
        format!("200 {prefix}/0.2.1.json"),
        format!("200 {zip}"),
    ] {
        assert!(requests.contains(&want), "{want} not in {requests:?}");
    }
    assert!(
        !requests
            .iter()
            .any(|q| q.contains("_0.2.0_") || q.contains("_1.0.0_") || q.contains("_0.1.0_")),
        "{requests:?}"
    );
    // Terraform checked the archive against the mirror's hashes and records
    // the h1: it verified.
    let (_, _, hashes) = locked(&tf);
    let h1: Vec<String> = r
        .hashes("0.2.1")
        .into_iter()
        .filter(|h| h.starts_with("h1:"))
        .collect();
    assert_eq!(hashes, h1);
    provider_runs(&tf);

    // A swapped zip no longer matches the mirror's hashes.
    tamper_zip(&root.path().join(zip.trim_start_matches('/')));
    let d = init_refused(&cli, &ca, None, "a tampered zip was installed");
    assert!(
        d.contains("provider package doesn't match the any of the expected checksums"),
        "{d}"
    );
}

/// The CLI configuration of a team using the private registry: the `host`
/// block's services are what the registry's own discovery document says,
/// resolved against where it is served.
fn registry_cli(site: &StaticSite) -> String {
    let discovery: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(site.root().join(".well-known/terraform.json")).expect("discovery"),
    )
    .expect("discovery JSON");
    let providers = discovery["providers.v1"].as_str().expect("providers.v1");
    cli_config(
        &[],
        "  direct {}\n",
        &format!(
            "host \"registry.example.internal\" {{\n  services = {{\n    \"providers.v1\" = \"{}{providers}\"\n  }}\n}}\n",
            site.base_url()
        ),
    )
}

#[test]
fn private_registry_through_a_host_block() {
    let r = test_releases();
    let root = tempfile::tempdir().expect("temp dir");
    copy_tree(&r.dist.join("registry"), root.path());
    let site = StaticSite::serve(root.path());
    let cli = registry_cli(&site);
    let ca = [("SSL_CERT_FILE", site.ca_path().display().to_string())];

    // Terraform records a zh: for every line of the signed SHA256SUMS.
    let sums: Vec<String> =
        fs::read_to_string(r.dist.join("0.2.1/terraform-provider-s2s_0.2.1_SHA256SUMS"))
            .expect("sums")
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(|d| format!("zh:{d}")))
            .collect();
    let (tf, out) = init(&cli, &ca, None);
    assert_installed_0_2_1(&tf, &out, r, &sums);
    assert!(
        out.stdout
            .contains(&format!("(self-signed, key ID {})", r.key_id)),
        "init names the signing key:\n{}",
        out.stdout
    );
    let (_, _, hashes) = locked(&tf);
    let zh = r
        .hashes("0.2.1")
        .into_iter()
        .find(|h| h.starts_with("zh:"))
        .expect("zh");
    for h in sums.iter().chain([&zh]) {
        assert!(
            hashes.contains(h),
            "{h}: the signed checksums are recorded: {hashes:?}"
        );
    }
    let base = "/v1/providers/platform/s2s";
    let requests = site.requests();
    for want in [
        format!("200 {base}/versions"),
        format!(
            "200 {base}/0.2.1/download/{}",
            acceptance_tests::platform().replace('_', "/")
        ),
        format!("200 {base}/0.2.1/terraform-provider-s2s_0.2.1_SHA256SUMS"),
        format!("200 {base}/0.2.1/terraform-provider-s2s_0.2.1_SHA256SUMS.sig"),
    ] {
        assert!(requests.contains(&want), "{want} not in {requests:?}");
    }
    provider_runs(&tf);

    let vdir = root.path().join("v1/providers/platform/s2s/0.2.1");
    let zip = vdir.join(r.zip("0.2.1").file_name().expect("zip name"));
    let original = fs::read(&zip).expect("zip");

    // A swapped zip: its checksum is not the signed one.
    tamper_zip(&zip);
    let d = init_refused(&cli, &ca, None, "a tampered zip was installed");
    assert!(d.contains("archive has incorrect checksum"), "{d}");
    assert!(d.contains(&format!("(expected {zh})")), "{d}");
    fs::write(&zip, &original).expect("restore");

    // A signature that is not over this SHA256SUMS.
    let sig = vdir.join("terraform-provider-s2s_0.2.1_SHA256SUMS.sig");
    fs::copy(
        r.dist
            .join("0.2.0/terraform-provider-s2s_0.2.0_SHA256SUMS.sig"),
        &sig,
    )
    .expect("swap the signature");
    let d = init_refused(&cli, &ca, None, "a bad signature was accepted");
    assert!(
        d.contains("error checking signature: openpgp: invalid signature"),
        "{d}"
    );
}

#[test]
fn the_release_files_have_the_registry_layout() {
    let r = test_releases();
    let v = "0.2.1";
    let dir = r.dist.join(v);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("release dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let zip = r
        .zip(v)
        .file_name()
        .expect("zip")
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        names,
        [
            format!("terraform-provider-s2s_{v}_SHA256SUMS"),
            format!("terraform-provider-s2s_{v}_SHA256SUMS.sig"),
            zip.clone(),
            format!("terraform-provider-s2s_{v}_manifest.json"),
        ]
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.join(format!("terraform-provider-s2s_{v}_manifest.json")))
            .expect("manifest"),
    )
    .expect("manifest JSON");
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
    // SHA256SUMS lists the zip and the manifest with their real sha256.
    let sums = fs::read_to_string(dir.join(format!("terraform-provider-s2s_{v}_SHA256SUMS")))
        .expect("sums");
    let zh = r
        .hashes(v)
        .into_iter()
        .find(|h| h.starts_with("zh:"))
        .expect("zh");
    assert!(
        sums.contains(&format!("{}  {zip}\n", zh.trim_start_matches("zh:"))),
        "{sums}"
    );
    assert_eq!(sums.lines().count(), 2, "{sums}");
    // The detached signature verifies with the published key, and only for
    // this file.
    let home = tempfile::tempdir().expect("gnupg home");
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .env("GNUPGHOME", home.path())
            .arg("--batch")
            .args(args)
            .output()
            .expect("gpg")
    };
    let key = r.dist.join("signing-key.asc");
    assert!(gpg(&["--import", &key.display().to_string()])
        .status
        .success());
    let sumsfile = dir.join(format!("terraform-provider-s2s_{v}_SHA256SUMS"));
    let sig = dir.join(format!("terraform-provider-s2s_{v}_SHA256SUMS.sig"));
    let ok = gpg(&[
        "--verify",
        &sig.display().to_string(),
        &sumsfile.display().to_string(),
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let other = r.dist.join("0.2.0/terraform-provider-s2s_0.2.0_SHA256SUMS");
    let bad = gpg(&[
        "--verify",
        &sig.display().to_string(),
        &other.display().to_string(),
    ]);
    assert!(
        !bad.status.success(),
        "a signature verified for another file"
    );
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", home.path())
        .args(["--kill", "gpg-agent"])
        .status();
    // Packaging is reproducible: the same binary gives the same zip.
    let again = tempfile::tempdir().expect("temp dir");
    let bin = again.path().join("bin");
    let status = Command::new(venv_dir().join("bin/python"))
        .args(["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z:\n    (i,) = z.infolist()\n    open(sys.argv[2], 'wb').write(z.read(i))\n"])
        .arg(r.zip(v))
        .arg(&bin)
        .status()
        .expect("python");
    assert!(status.success());
    let status = Command::new(venv_dir().join("bin/python"))
        .arg(repo_root().join("scripts/release_layout.py"))
        .args([
            "package",
            &again.path().join("dist").display().to_string(),
            v,
        ])
        .arg(format!(
            "{}={}",
            acceptance_tests::platform(),
            bin.display()
        ))
        .status()
        .expect("release_layout.py");
    assert!(status.success());
    assert_eq!(
        fs::read(again.path().join("dist").join(v).join(&zip)).expect("zip"),
        fs::read(r.zip(v)).expect("zip"),
        "packaging the same binary twice gave other bytes"
    );
}

/// `make release` refuses what is not a release before building anything,
/// and never publishes unsigned.
#[test]
fn the_release_script_refuses_what_is_not_a_release() {
    let release = |version: &str, envs: &[(&str, &str)]| {
        let dist = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new("bash");
        cmd.arg(repo_root().join("scripts/release.sh"))
            .env("VERSION", version)
            .env("S2S_RELEASE_DIR", dist.path())
            .env("S2S_VENV", venv_dir())
            .env_remove("S2S_GPG_PRIVATE_KEY")
            .env_remove("S2S_GPG_KEY_ID")
            .env_remove("S2S_GPG_THROWAWAY")
            .env_remove("S2S_RELEASE_BINARIES");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run release.sh");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            dist,
        )
    };
    let (ok, err, _) = release("1.2", &[]);
    assert!(!ok && err.contains("is not a semantic version"), "{err}");
    let (ok, err, _) = release("97.0.0", &[]);
    assert!(
        !ok && err.contains("but provider/Cargo.toml says")
            && err.contains("bump the crate version"),
        "{err}"
    );
    // Packaging works without a key, but nothing is signed or published.
    let bins = tempfile::tempdir().expect("temp dir");
    let bin = bins.path().join(format!(
        "terraform-provider-s2s_{}",
        acceptance_tests::platform()
    ));
    fs::write(&bin, b"#!/bin/sh\n").expect("a stand-in binary");
    let (ok, err, dist) = release(
        "0.2.1",
        &[("S2S_RELEASE_BINARIES", &bins.path().display().to_string())],
    );
    assert!(!ok && err.contains("no signing key"), "{err}");
    assert!(!dist.path().join("mirror").exists() && !dist.path().join("registry").exists());
    assert!(!dist
        .path()
        .join("0.2.1/terraform-provider-s2s_0.2.1_SHA256SUMS.sig")
        .exists());
}
