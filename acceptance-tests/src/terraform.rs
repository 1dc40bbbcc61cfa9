//! Running the Terraform CLI in a scratch directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;
use tempfile::TempDir;

use crate::paths::repo_root;

/// A provider wired in with `dev_overrides`: `source` as written in
/// `required_providers` (e.g. `registry.example.internal/platform/s2s`), `dir` the directory of its binary.
#[derive(Debug, Clone)]
pub struct Provider {
    pub source: String,
    pub dir: PathBuf,
}

impl Provider {
    /// terraform-provider-s2s from this workspace's debug build.
    pub fn s2s() -> Provider {
        Provider {
            source: crate::config::S2S_SOURCE.into(),
            dir: crate::provider_dir("terraform-provider-s2s", false),
        }
    }
}

/// A CLI configuration: `dev_overrides` for `providers` (none: no block),
/// then the other installation `methods` (e.g. `"  direct {}\n"` or a
/// `filesystem_mirror`), then `extra` top-level blocks (e.g. `host`).
pub fn cli_config(providers: &[Provider], methods: &str, extra: &str) -> String {
    let overrides: String = providers
        .iter()
        .map(|p| format!("    \"{}\" = \"{}\"\n", p.source, p.dir.display()))
        .collect();
    let dev = if providers.is_empty() {
        String::new()
    } else {
        format!("  dev_overrides {{\n{overrides}  }}\n")
    };
    format!("provider_installation {{\n{dev}{methods}}}\n{extra}")
}

/// What one Terraform command did.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout and stderr together, for asserting on diagnostics.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Diagnostics with Terraform's box-drawing borders removed and lines
    /// re-joined, so a test can match a message however Terraform wrapped it.
    pub fn diagnostics(&self) -> String {
        self.combined()
            .lines()
            .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim_end())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The attribute a diagnostic of `terraform plan -json` points at: the name
/// that starts its snippet's line (`region = "x"` gives `region`), if the
/// line is an attribute. A diagnostic without an attribute path points at
/// its block's header instead (`resource "x" "y" {`), which gives `None`.
pub fn pointed_attribute(diagnostic: &Value) -> Option<String> {
    let code = diagnostic["snippet"]["code"].as_str()?.trim_start();
    let name: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let rest = code[name.len()..].trim_start();
    (!name.is_empty() && rest.starts_with('=') && !rest.starts_with("==")).then_some(name)
}

/// A scratch Terraform working directory with its own CLI configuration.
pub struct Terraform {
    dir: TempDir,
    binary: PathBuf,
    env: BTreeMap<String, String>,
}

impl Terraform {
    /// A new working directory whose CLI configuration points each provider's
    /// source at its local build.
    pub fn new(providers: &[Provider]) -> Terraform {
        Terraform::with_cli_config(&cli_config(providers, "  direct {}\n", ""))
    }

    /// A new working directory for the s2s provider alone (the usual case;
    /// [`crate::Stack::terraform`] also points it at a stack).
    pub fn s2s() -> Terraform {
        Terraform::new(&[Provider::s2s()])
    }

    /// A new working directory with exactly this CLI configuration (see
    /// [`cli_config`]), for tests of how providers are installed.
    pub fn with_cli_config(text: &str) -> Terraform {
        let dir = tempfile::Builder::new()
            .prefix("s2s-acc-")
            .tempdir()
            .expect("create temp dir");
        let cli_config = dir.path().join(".terraformrc");
        fs::write(&cli_config, text).expect("write CLI config");
        let binary = std::env::var_os("TF_ACC_TERRAFORM_PATH")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("acceptance-tests/bin/terraform"));
        let mut env = BTreeMap::new();
        env.insert(
            "TF_CLI_CONFIG_FILE".into(),
            cli_config.display().to_string(),
        );
        env.insert("CHECKPOINT_DISABLE".into(), "1".into());
        env.insert("TF_IN_AUTOMATION".into(), "1".into());
        env.insert("TF_INPUT".into(), "0".into());
        Terraform { dir, binary, env }
    }

    /// The working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sets an environment variable for every later command.
    pub fn set_env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Writes `main.tf` (replacing the previous configuration).
    pub fn write_config(&self, hcl: &str) {
        self.write_file("main.tf", hcl);
    }

    /// Writes any file into the working directory.
    pub fn write_file(&self, name: &str, contents: &str) {
        fs::write(self.dir().join(name), contents).expect("write config file");
    }

    /// A [`Command`] for `terraform ARGS` in this directory with this
    /// environment, for tests that need to drive the process themselves.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.args(args)
            .current_dir(self.dir())
            .envs(&self.env)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `terraform ARGS`, logging the command and everything it printed.
    pub fn run(&self, args: &[&str]) -> Output {
        let started = Instant::now();
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()));
        let output = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        println!(
            "$ terraform {} (exit {}, {:.2}s)\n{}{}",
            args.join(" "),
            output.code,
            started.elapsed().as_secs_f64(),
            output.stdout,
            output.stderr
        );
        output
    }

    /// Runs a command that must succeed.
    pub fn run_ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.code,
            0,
            "terraform {} failed:\n{}",
            args.join(" "),
            out.combined()
        );
        out
    }

    /// `terraform apply -auto-approve`; must succeed.
    pub fn apply(&self) -> Output {
        self.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform apply` that must fail; returns its output for the diagnostics.
    pub fn apply_err(&self) -> Output {
        let out = self.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert_ne!(
            out.code,
            0,
            "apply unexpectedly succeeded:\n{}",
            out.combined()
        );
        out
    }

    /// `terraform plan` that must fail; returns its output for the diagnostics.
    pub fn plan_err(&self) -> Output {
        let out = self.run(&["plan", "-input=false", "-no-color"]);
        assert_ne!(
            out.code,
            0,
            "plan unexpectedly succeeded:\n{}",
            out.combined()
        );
        out
    }

    /// `terraform plan -detailed-exitcode`: `true` when it would change something.
    pub fn plan_has_changes(&self, refresh: bool) -> bool {
        let refresh_flag = format!("-refresh={refresh}");
        let out = self.run(&[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            &refresh_flag,
        ]);
        match out.code {
            0 => false,
            2 => true,
            _ => panic!("plan failed:\n{}", out.combined()),
        }
    }

    /// Writes the config, applies it, then checks what terraform-plugin-testing
    /// checks after every step: plans with and without refresh are empty.
    pub fn apply_step(&self, hcl: &str) -> Output {
        self.write_config(hcl);
        let out = self.apply();
        self.assert_plans_empty();
        out
    }

    /// Both a plan without refresh and a plan with refresh must be empty.
    pub fn assert_plans_empty(&self) {
        assert!(
            !self.plan_has_changes(false),
            "plan (refresh=false) after apply is not empty: a perpetual diff"
        );
        assert!(
            !self.plan_has_changes(true),
            "plan (refresh=true) after apply is not empty: a perpetual diff or drift"
        );
    }

    /// `terraform destroy -auto-approve`; must succeed.
    pub fn destroy(&self) -> Output {
        self.run_ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform output -json`, as a map from name to value.
    pub fn outputs(&self) -> serde_json::Map<String, Value> {
        let out = self.run_ok(&["output", "-json"]);
        let parsed: Value = serde_json::from_str(&out.stdout).expect("output -json is JSON");
        parsed
            .as_object()
            .expect("output -json is an object")
            .iter()
            .map(|(k, v)| (k.clone(), v["value"].clone()))
            .collect()
    }

    /// One output's value.
    pub fn output(&self, name: &str) -> Value {
        self.outputs()
            .remove(name)
            .unwrap_or_else(|| panic!("no output named {name}"))
    }

    /// `terraform show -json` of the current state.
    pub fn show_json(&self) -> Value {
        let out = self.run_ok(&["show", "-json"]);
        serde_json::from_str(&out.stdout).expect("show -json is JSON")
    }

    /// The state's resources (root module), from `terraform show -json`.
    pub fn state_resources(&self) -> Vec<Value> {
        let shown = self.show_json();
        shown["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// One resource's attributes in state (`terraform show -json`).
    pub fn attributes(&self, address: &str) -> Value {
        self.state_resources()
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} not in state"))
    }

    /// The diagnostics of a `terraform plan -json` that must fail: every
    /// diagnostic object (severity, summary, detail, address, snippet).
    pub fn plan_json_diagnostics(&self) -> Vec<Value> {
        let (code, diags) = self.plan_json();
        assert_ne!(code, 0, "plan must fail:\n{diags:#?}");
        diags
    }

    /// `terraform plan -json`: its exit code and every diagnostic, each one
    /// on its own (the human output folds similar warnings together).
    pub fn plan_json(&self) -> (i32, Vec<Value>) {
        let out = self.run(&["plan", "-json", "-input=false", "-no-color"]);
        let diags = out
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["type"] == "diagnostic")
            .map(|v| v["diagnostic"].clone())
            .collect();
        (out.code, diags)
    }

    /// `terraform plan` whose summary line (`Plan: …` or `No changes. …`) must be
    /// `summary`: what a user reads first. Returns the plan's output.
    pub fn assert_plan(&self, summary: &str) -> Output {
        let plan = self.run_ok(&["plan", "-no-color"]);
        let found = plan
            .stdout
            .lines()
            .find(|l| l.starts_with("Plan: ") || l.starts_with("No changes."));
        assert_eq!(found, Some(summary), "{}", plan.stdout);
        plan
    }

    /// `terraform import <address> <id>` that must be refused: its diagnostics, once
    /// it is checked that it failed and left nothing at `address` in state.
    pub fn import_refused(&self, address: &str, id: &str) -> String {
        let out = self.run(&["import", "-no-color", address, id]);
        assert_ne!(out.code, 0, "import {address} {id}:\n{}", out.combined());
        assert!(
            self.state_resources()
                .iter()
                .all(|r| r["address"] != address),
            "import {address} {id} was refused, yet {address} is in state"
        );
        out.diagnostics()
    }

    /// The raw state file, for checks such as "no secret in state".
    pub fn state_file(&self) -> String {
        fs::read_to_string(self.dir().join("terraform.tfstate")).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::pointed_attribute;

    #[test]
    fn the_pointed_attribute_is_the_snippet_line_s_name() {
        let at = |code: &str| pointed_attribute(&serde_json::json!({"snippet": {"code": code}}));
        assert_eq!(
            at("    region          = \"Mars-1\"").as_deref(),
            Some("region")
        );
        assert_eq!(at("  app=\"x\"").as_deref(), Some("app"));
        assert_eq!(at("resource \"s2s_registry_app\" \"r\" {"), None);
        assert_eq!(at("  a == b"), None);
        assert_eq!(pointed_attribute(&serde_json::json!({})), None);
    }
}
