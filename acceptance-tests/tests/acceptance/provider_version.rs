//! The provider reports its version: `--version` prints it (without
//! Terraform's cookie, as a user or a release script runs it), and every start
//! under Terraform logs it, so `TF_LOG=info` shows which build is running.
//! The expected version is read from provider/Cargo.toml, the one place a
//! release sets it.

use acceptance_tests::config::with_header;
use std::process::Command;

use acceptance_tests::{built_binary, repo_root, Terraform};

/// `version = "..."` of the `[package]` table of provider/Cargo.toml.
fn cargo_version() -> String {
    let toml = std::fs::read_to_string(repo_root().join("provider/Cargo.toml"))
        .expect("provider/Cargo.toml");
    toml.lines()
        .skip_while(|l| l.trim() != "[package]")
        .find_map(|l| {
            let v = l.trim().strip_prefix("version")?.trim().strip_prefix('=')?;
            Some(v.trim().trim_matches('"').to_string())
        })
        .expect("provider/Cargo.toml has a package version")
}

#[test]
fn version_flag_prints_the_crate_version() {
    let binary = built_binary("terraform-provider-s2s", false);
    let out = Command::new(&binary)
        .arg("--version")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("run terraform-provider-s2s --version");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("terraform-provider-s2s {}", cargo_version())
    );
    // Without the flag and the cookie it still refuses to run by hand.
    let out = Command::new(&binary)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("run terraform-provider-s2s");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
}

#[test]
fn every_start_logs_the_version_at_info() {
    let mut tf = Terraform::s2s();
    let log = tf.dir().join("terraform.log");
    tf.set_env("TF_LOG", "info")
        .set_env("TF_LOG_PATH", log.display().to_string());
    tf.write_config(&with_header(
        "output \"o\" {\n  value = provider::s2s::sync_offset(\"payments\")\n}\n",
    ));
    tf.run_ok(&["plan", "-input=false", "-no-color"]);
    let text = std::fs::read_to_string(&log).expect("TF_LOG_PATH written");
    let want = format!("starting terraform-provider-s2s {}", cargo_version());
    let starts: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-s2s:") && l.contains(&want))
        .collect();
    assert!(
        !starts.is_empty(),
        "no '{want}' line from the provider at info in:\n{text}"
    );
    for line in &starts {
        assert!(line.contains("[INFO]"), "{line}");
        assert!(
            line.contains(&format!("version={}", cargo_version()))
                && line.contains("address=registry.example.internal/platform/s2s"),
            "{line}"
        );
    }
}
