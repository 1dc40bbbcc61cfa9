//! The modules and examples under Terraform's own checks, against the real
//! hashicorp/aws 6.25.0 schema:
//!
//! - every module (`modules/*`) and every example root module (`examples/**`,
//!   except the tfplugindocs snippets under `examples/{resources,data-sources,
//!   functions}`, which are fragments) gets `terraform init` (hashicorp/aws
//!   6.25.0 from a filesystem mirror, so each `version` constraint is checked,
//!   and the freshly built s2s provider) and `terraform validate`: no error,
//!   and no warning but the dev-overrides notice;
//! - every `*.tftest.hcl` runs under `terraform test` (`mock_provider "aws"`,
//!   the real s2s provider): every `run` block the file declares is reported
//!   and passes;
//! - the schema is faithful: a misspelt argument, a missing required one, a
//!   second block where one is allowed, a wrong type, an unknown resource
//!   type and a computed attribute set by hand all fail `validate` with
//!   Terraform's messages; a false assertion fails `terraform test`; and the
//!   schema-only provider refuses to plan for real (it calls no AWS API).
//!
//! The directories are discovered, so a module, example or test file added
//! later is checked without changing this file. Everything runs on a copy of
//! `modules/` and `examples/` (init writes lock files), several
//! configurations at a time.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use acceptance_tests::{aws_schema_provider, cli_config, repo_root, Provider, Terraform};
use serde_json::Value;

/// Configurations checked at the same time (Terraform runs in separate
/// directories do not interfere; CI has 2 cores).
const WORKERS: usize = 3;

/// The tfplugindocs example trees: snippets that refer to resources defined
/// elsewhere, embedded in docs/, not root modules.
const DOC_SNIPPETS: [&str; 3] = ["resources", "data-sources", "functions"];

fn has_tf(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
    })
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Every module and example root module, relative to the repository root.
fn configurations(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for m in subdirs(&root.join("modules")) {
        if has_tf(&m) {
            out.push(m);
        }
    }
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if has_tf(dir) {
            out.push(dir.to_path_buf());
        }
        for d in subdirs(dir) {
            walk(&d, out);
        }
    }
    for e in subdirs(&root.join("examples")) {
        let name = e.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| DOC_SNIPPETS.contains(&n.as_str())) {
            walk(&e, &mut out);
        }
    }
    out.iter()
        .filter_map(|p| p.strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

/// The `run "name"` blocks of a test file, in order.
fn run_blocks(file: &Path) -> Vec<String> {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("run \"")?;
            Some(rest.split('"').next()?.to_string())
        })
        .collect()
}

/// The test files `terraform test` finds for a configuration (its own
/// directory and `tests/`), relative to it, with their run blocks.
fn test_files(config: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (dir, prefix) in [(config.to_path_buf(), ""), (config.join("tests"), "tests/")] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tftest.hcl") {
                out.insert(format!("{prefix}{name}"), run_blocks(&e.path()));
            }
        }
    }
    out
}

fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("create copy");
    for e in fs::read_dir(src).expect("read dir").flatten() {
        let from = e.path();
        let to = dst.join(e.file_name());
        let name = e.file_name().to_string_lossy().into_owned();
        if name == ".terraform" || name == ".terraform.lock.hcl" || name.ends_with(".tfstate") {
            continue;
        }
        if from.is_dir() {
            copy_tree(&from, &to);
        } else {
            fs::copy(&from, &to).expect("copy file");
        }
    }
}

/// Terraform with the s2s provider from this build (dev override) and the
/// schema-only hashicorp/aws 6.25.0 from the mirror; nothing else installable.
fn terraform() -> Terraform {
    let aws = aws_schema_provider();
    let mut tf = Terraform::with_cli_config(&cli_config(
        &[Provider::s2s()],
        &aws.installation_method(),
        "",
    ));
    let (k, v) = aws.env();
    tf.set_env(k, v);
    tf
}

const DEV_OVERRIDES: &str = "Provider development overrides are in effect";

/// What happened to one configuration.
#[derive(Debug, Default)]
struct Outcome {
    config: String,
    /// What init or validate found wrong.
    validate: Vec<String>,
    /// What terraform test found wrong.
    test: Vec<String>,
    /// (file, run) -> status reported by `terraform test`.
    runs: BTreeMap<(String, String), String>,
    /// Run blocks the files declare.
    declared: usize,
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn check(tf: &Terraform, copy: &Path, rel: &Path) -> Outcome {
    let mut o = Outcome {
        config: rel.display().to_string(),
        ..Outcome::default()
    };
    let dir = copy.join(rel);
    let chdir = format!("-chdir={}", dir.display());
    let init = tf.run(&[
        &chdir,
        "init",
        "-backend=false",
        "-input=false",
        "-no-color",
    ]);
    if init.code != 0 {
        o.validate
            .push(format!("terraform init failed:\n{}", init.combined()));
        return o;
    }
    let lock = fs::read_to_string(dir.join(".terraform.lock.hcl")).unwrap_or_default();
    let uses_aws = lock.contains("provider \"registry.terraform.io/hashicorp/aws\"");
    if uses_aws && !lock.contains("version     = \"6.25.0\"") {
        o.validate.push(format!(
            "the lock file does not pin hashicorp/aws 6.25.0:\n{lock}"
        ));
    }
    let validate = tf.run(&[&chdir, "validate", "-json", "-no-color"]);
    match serde_json::from_str::<Value>(&validate.stdout) {
        Ok(v) => {
            if v["valid"] != Value::Bool(true) {
                o.validate.push(format!(
                    "terraform validate: not valid:\n{}",
                    validate.stdout
                ));
            }
            for d in v["diagnostics"].as_array().into_iter().flatten() {
                if d["summary"] != DEV_OVERRIDES {
                    o.validate.push(format!(
                        "terraform validate: {} {}: {}",
                        d["severity"], d["summary"], d["detail"]
                    ));
                }
            }
        }
        Err(e) => o.validate.push(format!(
            "terraform validate -json printed no JSON ({e}):\n{}",
            validate.combined()
        )),
    }
    let files = test_files(&dir);
    if files.is_empty() {
        return o;
    }
    o.declared = files.values().map(Vec::len).sum();
    let test = tf.run(&[&chdir, "test", "-json", "-no-color"]);
    let events = json_lines(&test.stdout);
    let mut abstract_seen = false;
    for ev in &events {
        match ev["type"].as_str() {
            Some("test_abstract") => {
                abstract_seen = true;
                let reported: BTreeMap<String, Vec<String>> =
                    serde_json::from_value(ev["test_abstract"].clone()).unwrap_or_default();
                if reported != files {
                    o.test.push(format!(
                        "terraform test found {reported:?}, the files declare {files:?}"
                    ));
                }
            }
            Some("test_run") if ev["test_run"]["progress"] == "complete" => {
                let r = &ev["test_run"];
                o.runs.insert(
                    (
                        r["path"].as_str().unwrap_or_default().to_string(),
                        r["run"].as_str().unwrap_or_default().to_string(),
                    ),
                    r["status"].as_str().unwrap_or_default().to_string(),
                );
            }
            Some("diagnostic") if ev["@level"] == "error" => {
                o.test.push(format!(
                    "terraform test: {}",
                    ev["@message"].as_str().unwrap_or_default()
                ));
            }
            _ => {}
        }
    }
    if !abstract_seen {
        o.test.push(format!(
            "terraform test reported no test files:\n{}",
            test.combined()
        ));
    }
    for (file, runs) in &files {
        for run in runs {
            let status = o.runs.get(&(file.clone(), run.clone()));
            if status.map(String::as_str) != Some("pass") {
                o.test
                    .push(format!("{file}: run \"{run}\": {status:?}, expected pass"));
            }
        }
    }
    if test.code != 0 && o.test.is_empty() {
        o.test.push(format!(
            "terraform test exited {}:\n{}",
            test.code,
            test.combined()
        ));
    }
    o
}

/// Every configuration checked once per test process, shared by the tests
/// below.
fn outcomes() -> &'static Vec<Outcome> {
    static ONCE: OnceLock<Vec<Outcome>> = OnceLock::new();
    ONCE.get_or_init(|| {
        let root = repo_root();
        let copy = tempfile::tempdir().expect("temp dir");
        copy_tree(&root.join("modules"), &copy.path().join("modules"));
        copy_tree(&root.join("examples"), &copy.path().join("examples"));
        let configs = configurations(&root);
        let tf = terraform();
        let queue = Mutex::new(configs.iter());
        let results = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..WORKERS {
                s.spawn(|| loop {
                    let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                    let Some(rel) = next else { break };
                    let o = check(&tf, copy.path(), rel);
                    if let Ok(mut r) = results.lock() {
                        r.push(o);
                    }
                });
            }
        });
        let mut out = results.into_inner().unwrap_or_default();
        out.sort_by(|a, b| a.config.cmp(&b.config));
        out
    })
}

fn report(outcomes: &[Outcome], pick: fn(&Outcome) -> &Vec<String>) -> String {
    outcomes
        .iter()
        .filter(|o| !pick(o).is_empty())
        .map(|o| format!("{}:\n  {}", o.config, pick(o).join("\n  ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn discovery_finds_every_module_example_and_test_file() {
    let root = repo_root();
    let configs = configurations(&root);
    let modules: Vec<&PathBuf> = configs
        .iter()
        .filter(|c| c.starts_with("modules"))
        .collect();
    // Each module directory of the repository, and its example.
    for m in subdirs(&root.join("modules")) {
        let name = m.file_name().map(|n| n.to_string_lossy().into_owned());
        let rel = Path::new("modules").join(name.clone().unwrap_or_default());
        assert!(configs.contains(&rel), "{} not discovered", rel.display());
        let files = test_files(&m);
        assert!(!files.is_empty(), "{} has no .tftest.hcl", rel.display());
        assert!(
            files.values().all(|runs| !runs.is_empty()),
            "{}: a test file without run blocks: {files:?}",
            rel.display()
        );
    }
    assert!(modules.len() >= 4, "{modules:?}");
    for must in [
        "examples/quickstart",
        "examples/provider",
        "examples/lambda-s2s",
    ] {
        assert!(
            configs.contains(&PathBuf::from(must)),
            "{must}: {configs:?}"
        );
    }
    assert!(
        !configs.iter().any(|c| c.starts_with("examples/resources")),
        "doc snippets are not root modules"
    );
}

#[test]
fn every_module_and_example_validates_against_the_aws_schema() {
    let all = outcomes();
    assert!(all.len() >= 10, "{} configurations", all.len());
    let problems = report(all, |o| &o.validate);
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn every_terraform_test_file_runs_and_passes() {
    let all = outcomes();
    let with_tests: Vec<&Outcome> = all.iter().filter(|o| o.declared > 0).collect();
    assert!(
        with_tests.len() >= 4,
        "modules with tests: {}",
        with_tests.len()
    );
    let problems = report(all, |o| &o.test);
    assert!(problems.is_empty(), "{problems}");
    let ran: usize = with_tests.iter().map(|o| o.runs.len()).sum();
    let declared: usize = with_tests.iter().map(|o| o.declared).sum();
    assert_eq!(ran, declared, "every declared run block ran");
    assert!(declared >= 19, "{declared} run blocks");
}

// ---------------------------------------------------------------------------
// The schema is the real one: Terraform refuses what hashicorp/aws refuses.
// ---------------------------------------------------------------------------

const AWS: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 6.25\" }\n  }\n}\n";

fn validate(tf: &Terraform, hcl: &str) -> acceptance_tests::Output {
    tf.write_config(&format!("{AWS}{hcl}"));
    tf.run(&["validate", "-no-color"])
}

#[test]
fn validate_is_faithful_to_the_aws_schema() {
    let tf = terraform();
    tf.write_config(AWS);
    tf.run_ok(&["init", "-backend=false", "-input=false", "-no-color"]);

    // Right names, types and nesting pass.
    let good = r#"
resource "aws_iam_role" "r" {
  name                 = "payments-api"
  path                 = "/app/payments/"
  assume_role_policy   = "{}"
  permissions_boundary = "arn:aws:iam::111111111111:policy/platform/app-boundary"
}
resource "aws_lambda_function" "f" {
  function_name     = "payments-api"
  role              = aws_iam_role.r.arn
  s3_bucket         = "b"
  s3_key            = "k"
  s3_object_version = "v"
  layers            = ["arn:aws:lambda:eu-west-1:999999999999:layer:s2s-mtls-proxy-arm64:7"]
  vpc_config {
    subnet_ids         = ["subnet-1"]
    security_group_ids = ["sg-1"]
  }
  environment {
    variables = { A = "b" }
  }
}
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
"#;
    let out = validate(&tf, good);
    assert_eq!(out.code, 0, "{}", out.combined());

    // Each mistake in its own resource; Terraform reports them all at once.
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "misspelt argument",
            "resource \"aws_iam_role\" \"misspelt\" {\n  assume_role_polcy = \"{}\"\n}\n",
            &[
                "Unsupported argument",
                "An argument named \"assume_role_polcy\" is not expected here. Did you mean \"assume_role_policy\"?",
            ],
        ),
        (
            "missing required argument",
            "resource \"aws_lambda_function\" \"missing\" {\n  function_name = \"f\"\n}\n",
            &[
                "Missing required argument",
                "The argument \"role\" is required, but no definition was found.",
            ],
        ),
        (
            "a second block where at most one is allowed",
            "resource \"aws_lambda_function\" \"two\" {\n  function_name = \"f\"\n  role = \"r\"\n  vpc_config {\n    subnet_ids = []\n    security_group_ids = []\n  }\n  vpc_config {\n    subnet_ids = []\n    security_group_ids = []\n  }\n}\n",
            &["Too many vpc_config blocks", "No more than 1 \"vpc_config\" blocks are allowed"],
        ),
        (
            "a string where a set is expected",
            "data \"aws_iam_policy_document\" \"typed\" {\n  statement {\n    actions = \"s3:GetObject\"\n  }\n}\n",
            &["Incorrect attribute value type", "Inappropriate value for attribute \"actions\": set of string required"],
        ),
        (
            "a misspelt resource type",
            "resource \"aws_lambda_funtion\" \"f\" {}\n",
            &["Invalid resource type", "does not support resource type \"aws_lambda_funtion\". Did you mean \"aws_lambda_function\"?"],
        ),
        (
            "a misspelt argument of another resource",
            "resource \"aws_cloudwatch_event_rule\" \"r\" {\n  name = \"n\"\n  schedule_expresion = \"cron(1/15 * * * ? *)\"\n}\n",
            &["An argument named \"schedule_expresion\" is not expected here. Did you mean \"schedule_expression\"?"],
        ),
        (
            "a computed attribute set by hand",
            "resource \"aws_lambda_function\" \"computed\" {\n  function_name = \"f\"\n  role = \"r\"\n  arn = \"arn:aws:lambda:eu-west-1:111111111111:function:f\"\n}\n",
            &["Value for a read-only attribute", "hashicorp/aws computes \"arn\" of aws_lambda_function"],
        ),
    ];
    let all: String = cases.iter().map(|(_, hcl, _)| *hcl).collect();
    let out = validate(&tf, &all);
    assert_ne!(out.code, 0, "validate passed:\n{}", out.combined());
    let d = out.diagnostics();
    for (what, _, want) in cases {
        for w in want {
            assert!(d.contains(w), "{what}: no {w:?} in:\n{d}");
        }
    }

    // A real plan needs the real provider: this one refuses, calling nothing.
    tf.write_config(&format!(
        "{AWS}provider \"aws\" {{\n  region = \"eu-west-1\"\n}}\nresource \"aws_iam_role\" \"r\" {{\n  assume_role_policy = \"{{}}\"\n}}\n"
    ));
    let d = tf.plan_err().diagnostics();
    assert!(d.contains("Schema-only provider"), "{d}");
    assert!(d.contains("mock_provider"), "{d}");
}

#[test]
fn a_false_assertion_fails_terraform_test() {
    let tf = terraform();
    tf.write_config(&format!(
        "{AWS}resource \"aws_lambda_function\" \"f\" {{\n  function_name     = \"f\"\n  role              = \"r\"\n  s3_object_version = \"v1\"\n}}\n"
    ));
    tf.write_file(
        "pinned.tftest.hcl",
        "mock_provider \"aws\" {}\n\nrun \"pinned\" {\n  command = plan\n  assert {\n    condition     = aws_lambda_function.f.s3_object_version == \"v1\"\n    error_message = \"pinned\"\n  }\n}\n\nrun \"wrongly_pinned\" {\n  command = plan\n  assert {\n    condition     = aws_lambda_function.f.s3_object_version == \"v2\"\n    error_message = \"the code must be pinned to v2\"\n  }\n}\n",
    );
    tf.run_ok(&["init", "-backend=false", "-input=false", "-no-color"]);
    let out = tf.run(&["test", "-no-color"]);
    assert_ne!(out.code, 0, "{}", out.combined());
    let d = out.diagnostics();
    assert!(d.contains("run \"pinned\"... pass"), "{d}");
    assert!(d.contains("run \"wrongly_pinned\"... fail"), "{d}");
    assert!(d.contains("the code must be pinned to v2"), "{d}");
    assert!(d.contains("1 passed, 1 failed"), "{d}");
}
