//! The Terraform modules (modules/) and their examples (examples/<module>/):
//! the rules Terraform itself does not check. (Terraform's own `validate`
//! and `terraform test` against the real hashicorp/aws schema are in
//! modules_terraform.rs; they replaced this file's hand-written loader and
//! reference checks.)
//!
//! - `terraform fmt -check` is clean;
//! - every variable and output is described, the READMEs list exactly the
//!   declared inputs and outputs;
//! - every IAM or SCP document a module attaches is a `data "s2s_policy"` (or
//!   the certificate policy `s2s_lambda_function` renders from the bundle),
//!   never hand-written JSON; each `s2s_policy` call renders through the real
//!   provider (the engine compiled into it) with the example's values, passes
//!   the engine's checks, has the type its attachment needs, and the role it is
//!   attached to has the bundle's name and path;
//! - a parameter that would widen a policy past its guardrail fails the plan.
//!
//! The modules are discovered (every directory of modules/), so a new module
//! is held to the same rules.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use acceptance_tests::{repo_root, Provider, Terraform};
use serde_json::Value;

/// Every module directory, by name.
fn modules() -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(repo_root().join("modules"))
        .expect("modules/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    assert!(out.len() >= 4, "modules: {out:?}");
    out
}

/// Attributes of `aws_*` resources that hold an IAM, SCP or RCP document.
const DOCUMENT_ATTRIBUTES: [&str; 4] = ["policy", "assume_role_policy", "content", "inline_policy"];

// ---------------------------------------------------------------------------
// A small reader for the HCL native syntax: blocks, labels, attributes (with
// their expression text). Enough to inspect our own modules; Terraform's
// loader is what decides whether they are valid.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Block {
    kind: String,
    labels: Vec<String>,
    attrs: BTreeMap<String, String>,
    blocks: Vec<Block>,
    file: String,
}

impl Block {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
    fn label(&self, i: usize) -> &str {
        self.labels.get(i).map(String::as_str).unwrap_or_default()
    }
    fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
    file: String,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn at(&self, t: &str) -> bool {
        self.s[self.i..].starts_with(t.as_bytes())
    }
    fn err(&self, what: &str) -> String {
        let line = self.s[..self.i].iter().filter(|&&c| c == b'\n').count() + 1;
        format!("{}:{line}: {what}", self.file)
    }
    fn skip_space(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            if c == b' ' || c == b'\t' || c == b'\r' || (newlines && c == b'\n') {
                self.i += 1;
            } else if c == b'#' || self.at("//") {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.i += 1;
                }
            } else if self.at("/*") {
                while self.i < self.s.len() && !self.at("*/") {
                    self.i += 1;
                }
                self.i = (self.i + 2).min(self.s.len());
            } else {
                break;
            }
        }
    }
    fn ident(&mut self) -> String {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
    fn quoted(&mut self) -> Result<String, String> {
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    let out = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                    self.i += 1;
                    return Ok(out);
                }
                _ => self.i += 1,
            }
        }
        Err(self.err("unterminated label"))
    }
    /// An expression: up to a newline (or a closing brace of the enclosing
    /// block) outside brackets, strings, templates and heredocs.
    fn expr(&mut self) -> Result<String, String> {
        let start = self.i;
        let mut stack: Vec<u8> = Vec::new();
        while let Some(c) = self.peek() {
            if stack.last() == Some(&b'"') {
                match c {
                    b'\\' => self.i += 1,
                    b'"' => {
                        stack.pop();
                    }
                    b'$' | b'%' if self.s.get(self.i + 1) == Some(&b'{') => {
                        stack.push(b'{');
                        self.i += 1;
                    }
                    _ => {}
                }
                self.i += 1;
                continue;
            }
            if stack.is_empty() && (c == b'\n' || c == b'}' || c == b'#' || self.at("//")) {
                break;
            }
            if self.at("/*") {
                self.skip_space(false);
                continue;
            }
            if self.at("<<") {
                self.i += 2;
                if self.peek() == Some(b'-') {
                    self.i += 1;
                }
                let tag = self.ident();
                loop {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                    if self.peek().is_none() {
                        return Err(self.err("unterminated heredoc"));
                    }
                    self.i += 1;
                    let line_end = self.s[self.i..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(self.s.len(), |p| self.i + p);
                    if String::from_utf8_lossy(&self.s[self.i..line_end]).trim() == tag {
                        self.i = line_end;
                        break;
                    }
                }
                continue;
            }
            match c {
                b'"' | b'(' | b'[' | b'{' => stack.push(c),
                b')' | b']' | b'}' => {
                    stack.pop();
                }
                _ => {}
            }
            self.i += 1;
        }
        if !stack.is_empty() {
            return Err(self.err("unbalanced expression"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i])
            .trim()
            .to_string())
    }
    fn body(&mut self, into: &mut Block, top: bool) -> Result<(), String> {
        loop {
            self.skip_space(true);
            match self.peek() {
                None if top => return Ok(()),
                None => return Err(self.err("missing }")),
                Some(b'}') if !top => {
                    self.i += 1;
                    return Ok(());
                }
                _ => {}
            }
            let name = self.ident();
            if name.is_empty() {
                return Err(self.err("expected an attribute or block name"));
            }
            self.skip_space(false);
            if self.peek() == Some(b'=') && !self.at("==") {
                self.i += 1;
                self.skip_space(false);
                let e = self.expr()?;
                into.attrs.insert(name, e);
                continue;
            }
            let mut block = Block {
                kind: name,
                file: self.file.clone(),
                ..Block::default()
            };
            loop {
                self.skip_space(false);
                match self.peek() {
                    Some(b'"') => block.labels.push(self.quoted()?),
                    Some(b'{') => break,
                    _ => {
                        let l = self.ident();
                        if l.is_empty() {
                            return Err(self.err("expected a label or {"));
                        }
                        block.labels.push(l);
                    }
                }
            }
            self.i += 1;
            self.body(&mut block, false)?;
            into.blocks.push(block);
        }
    }
}

fn parse_hcl(file: &str, src: &str) -> Result<Vec<Block>, String> {
    let mut root = Block::default();
    Reader {
        s: src.as_bytes(),
        i: 0,
        file: file.to_string(),
    }
    .body(&mut root, true)?;
    Ok(root.blocks)
}

#[test]
fn the_hcl_reader_reads_what_the_modules_use() {
    let src = r#"
# comment
variable "x" {
  description = "a {brace} and \"quote\" ${var.y}"  # trailing
  validation {
    condition     = can(regex("^[a-z]{2}$", var.x)) && var.x != "}"
    error_message = "bad"
  }
}
locals {
  m = {
    a = [1, 2]
  }
  h = <<-EOT
    } not the end
  EOT
}
resource "aws_iam_role" "r" { name = "n" }
"#;
    let blocks = parse_hcl("t.tf", src).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(blocks.len(), 3, "{blocks:#?}");
    assert_eq!(
        blocks[0].attr("description"),
        Some(r#""a {brace} and \"quote\" ${var.y}""#)
    );
    let v = blocks[0]
        .blocks_of("validation")
        .next()
        .expect("validation");
    assert!(v
        .attr("condition")
        .is_some_and(|c| c.ends_with(r#"!= "}""#)));
    assert!(blocks[1].attr("m").is_some_and(|m| m.contains("[1, 2]")));
    assert!(blocks[1]
        .attr("h")
        .is_some_and(|h| h.contains("not the end")));
    assert_eq!(blocks[2].labels, ["aws_iam_role", "r"]);
    assert_eq!(blocks[2].attr("name"), Some("\"n\""));
    assert!(parse_hcl("bad.tf", "variable \"x\" {\n  a = (1\n").is_err());
}

// ---------------------------------------------------------------------------
// Loading the modules and examples.
// ---------------------------------------------------------------------------

struct Config {
    name: String,
    dir: PathBuf,
    blocks: Vec<Block>,
}

impl Config {
    fn load(dir: &Path) -> Config {
        let mut blocks = Vec::new();
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        files.sort();
        for f in files {
            let src = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let name = f.display().to_string();
            blocks.extend(parse_hcl(&name, &src).unwrap_or_else(|e| panic!("{e}")));
        }
        Config {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir: dir.to_path_buf(),
            blocks,
        }
    }
    fn of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
    fn variables(&self) -> BTreeMap<String, &Block> {
        self.of("variable")
            .map(|b| (b.label(0).to_string(), b))
            .collect()
    }
    fn outputs(&self) -> BTreeMap<String, &Block> {
        self.of("output")
            .map(|b| (b.label(0).to_string(), b))
            .collect()
    }
    fn resource(&self, kind: &str, ty: &str, name: &str) -> Option<&Block> {
        self.blocks
            .iter()
            .find(|b| b.kind == kind && b.label(0) == ty && b.label(1) == name)
    }
    fn locals(&self) -> BTreeMap<String, String> {
        self.of("locals").flat_map(|b| b.attrs.clone()).collect()
    }
    /// Every expression in the configuration, with where it is.
    fn expressions(&self) -> Vec<(String, String)> {
        fn walk(b: &Block, at: String, out: &mut Vec<(String, String)>) {
            for (k, v) in &b.attrs {
                out.push((format!("{at}.{k}"), v.clone()));
            }
            for c in &b.blocks {
                walk(c, format!("{at}.{}", c.kind), out);
            }
        }
        let mut out = Vec::new();
        for b in &self.blocks {
            let file = Path::new(&b.file)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            walk(
                b,
                format!("{file}: {} {}", b.kind, b.labels.join(".")),
                &mut out,
            );
        }
        out
    }
}

fn module(name: &str) -> Config {
    Config::load(&repo_root().join("modules").join(name))
}

fn example(name: &str) -> Config {
    Config::load(&repo_root().join("examples").join(name))
}

/// The one `module` block of an example, for the module of the same name.
fn example_call(name: &str) -> Block {
    let ex = example(name);
    let calls: Vec<&Block> = ex.of("module").collect();
    assert_eq!(calls.len(), 1, "examples/{name} calls one module");
    assert_eq!(
        calls[0].attr("source"),
        Some(format!("\"../../modules/{name}\"").as_str()),
        "examples/{name} calls modules/{name}"
    );
    calls[0].clone()
}

/// A string literal without interpolation, unquoted.
fn literal(expr: &str) -> Option<String> {
    let inner = expr.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains("${") && !inner.contains('"')).then(|| inner.to_string())
}

#[test]
fn terraform_fmt_is_clean() {
    let tf = Terraform::new(&[]);
    let root = repo_root();
    let mut args: Vec<String> = vec![
        "fmt".into(),
        "-check".into(),
        "-recursive".into(),
        "-no-color".into(),
    ];
    // Both whole trees, docs snippets included.
    args.push(root.join("modules").display().to_string());
    args.push(root.join("examples").display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tf.run(&args);
    assert_eq!(
        out.code,
        0,
        "terraform fmt -check lists files to reformat:\n{}",
        out.combined()
    );
}

#[test]
fn every_variable_and_output_is_described_typed_and_the_policy_inputs_validated() {
    // Inputs that end up in a policy or a name must fail at plan when wrong.
    let must_validate = [
        "app",
        "account_id",
        "region",
        "org_id",
        "ci_account_id",
        "environment",
        "function_name",
        "role_name",
        "app_ou_ids",
        "root_id",
        "artifact_sha256",
        "artifact_object_version",
        "mtls_layer_arn",
    ];
    for m in &modules() {
        let c = module(m);
        let vars = c.variables();
        assert!(!vars.is_empty(), "{m} has variables");
        for (name, v) in &vars {
            let d = v.attr("description").and_then(literal).unwrap_or_default();
            assert!(d.len() > 10, "{m}: variable {name} has no description");
            assert!(v.attr("type").is_some(), "{m}: variable {name} has no type");
            if must_validate.contains(&name.as_str()) {
                let vals: Vec<&Block> = v.blocks_of("validation").collect();
                assert!(!vals.is_empty(), "{m}: variable {name} is not validated");
                for val in vals {
                    let msg = val
                        .attr("error_message")
                        .and_then(literal)
                        .unwrap_or_default();
                    assert!(msg.len() > 10, "{m}: {name}: validation without a message");
                }
            }
        }
        for (name, o) in c.outputs() {
            let d = o.attr("description").and_then(literal).unwrap_or_default();
            assert!(d.len() > 10, "{m}: output {name} has no description");
        }
    }
}

/// The `| `name` | ...` rows of a README section.
fn readme_table(readme: &str, heading: &str) -> BTreeMap<String, Vec<String>> {
    let mut rows = BTreeMap::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.starts_with("## ") {
            inside = line.trim() == heading;
            continue;
        }
        if !inside || !line.starts_with("| `") {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().replace("&lt;", "<").replace("&gt;", ">"))
            .collect();
        let name = cells[0].trim_matches('`').to_string();
        rows.insert(name, cells[1..].to_vec());
    }
    rows
}

#[test]
fn each_readme_lists_exactly_the_declared_inputs_and_outputs() {
    for m in &modules() {
        let c = module(m);
        let readme = fs::read_to_string(c.dir.join("README.md"))
            .unwrap_or_else(|e| panic!("modules/{m}/README.md: {e}"));
        let inputs = readme_table(&readme, "## Inputs");
        let vars = c.variables();
        assert_eq!(
            inputs.keys().collect::<Vec<_>>(),
            vars.keys().collect::<Vec<_>>(),
            "modules/{m}/README.md ## Inputs vs variables.tf"
        );
        for (name, v) in &vars {
            let row = &inputs[name];
            let description = v.attr("description").and_then(literal).unwrap_or_default();
            assert_eq!(
                row.len(),
                3,
                "{m}: input {name}: | name | type | default | description |"
            );
            assert_eq!(
                row[0],
                format!("`{}`", v.attr("type").unwrap_or_default()),
                "{m}: type of {name}"
            );
            let default = v
                .attr("default")
                .map(|d| format!("`{d}`"))
                .unwrap_or_else(|| "required".into());
            assert_eq!(row[1], default, "{m}: default of {name}");
            assert_eq!(row[2], description, "{m}: description of {name}");
        }
        let outputs = readme_table(&readme, "## Outputs");
        let outs = c.outputs();
        assert_eq!(
            outputs.keys().collect::<Vec<_>>(),
            outs.keys().collect::<Vec<_>>(),
            "modules/{m}/README.md ## Outputs vs outputs.tf"
        );
        for (name, o) in &outs {
            let description = o.attr("description").and_then(literal).unwrap_or_default();
            assert_eq!(
                outputs[name],
                vec![description],
                "{m}: description of output {name}"
            );
        }
        assert!(
            readme.contains("`make test` runs them"),
            "modules/{m}/README.md says that make test runs its terraform tests"
        );
        assert!(
            readme.contains(&format!("examples/{m}")),
            "modules/{m}/README.md points at its example"
        );
    }
    let top = fs::read_to_string(repo_root().join("modules/README.md")).expect("modules/README.md");
    assert!(top.contains("`make test` runs them"));
    for m in &modules() {
        assert!(
            top.contains(&format!("({m}/README.md)")),
            "modules/README.md links {m}"
        );
    }
}

/// What a document attribute refers to.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// `data.s2s_policy.<name>.json`
    Policy(String),
    /// `s2s_lambda_function.<name>.certificate_read_policy_json`, which the
    /// provider renders from the bundle's `iam/app-certificate-read`.
    LambdaCertificate,
}

fn document_source(expr: &str) -> Option<Source> {
    if let Some(rest) = expr.strip_prefix("data.s2s_policy.") {
        let name = rest.strip_suffix(".json")?;
        return name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            .then(|| Source::Policy(name.to_string()));
    }
    let rest = expr.strip_prefix("s2s_lambda_function.")?;
    let name = rest.strip_suffix(".certificate_read_policy_json")?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(Source::LambdaCertificate)
}

#[test]
fn document_sources_are_recognised_strictly() {
    assert_eq!(
        document_source("data.s2s_policy.trust.json"),
        Some(Source::Policy("trust".into()))
    );
    assert_eq!(
        document_source("s2s_lambda_function.this.certificate_read_policy_json"),
        Some(Source::LambdaCertificate)
    );
    for bad in [
        "jsonencode({ Version = \"2012-10-17\" })",
        "data.aws_iam_policy_document.x.json",
        "replace(data.s2s_policy.trust.json, \"a\", \"*\")",
        "\"{\\\"Version\\\":\\\"2012-10-17\\\"}\"",
        "file(\"policy.json\")",
        "data.s2s_policy.trust.json_pretty",
    ] {
        assert_eq!(document_source(bad), None, "{bad}");
    }
}

/// One document a module attaches: where, and from which `s2s_policy`.
#[derive(Debug, Clone)]
struct Attachment {
    resource_type: String,
    resource_name: String,
    attribute: String,
    source: Source,
}

fn attachments(c: &Config) -> Vec<Attachment> {
    let mut out = Vec::new();
    for r in c.of("resource").filter(|r| r.label(0).starts_with("aws_")) {
        let mut docs: Vec<(String, String)> = DOCUMENT_ATTRIBUTES
            .iter()
            .filter_map(|a| r.attr(a).map(|e| (a.to_string(), e.to_string())))
            .collect();
        // inline_policy { policy = ... } blocks.
        for b in r.blocks_of("inline_policy") {
            if let Some(e) = b.attr("policy") {
                docs.push(("inline_policy.policy".into(), e.to_string()));
            }
        }
        // The resource policy the syncer puts on every secret it creates
        // reaches it as a setting: environment { variables = { SYNCER_RESOURCE_POLICY = ... } }.
        for b in r.blocks_of("environment") {
            let vars = b.attr("variables").unwrap_or_default();
            if let Some((_, rest)) = vars.split_once("SYNCER_RESOURCE_POLICY") {
                let e = rest
                    .trim_start()
                    .trim_start_matches('=')
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(',');
                docs.push(("environment.SYNCER_RESOURCE_POLICY".into(), e.to_string()));
            }
        }
        for (attribute, e) in docs {
            let source = document_source(&e).unwrap_or_else(|| {
                panic!(
                    "{}: {}.{}.{attribute} = {e}: a document must come from data \"s2s_policy\" (or s2s_lambda_function's certificate_read_policy_json), never hand-written",
                    c.name,
                    r.label(0),
                    r.label(1)
                )
            });
            out.push(Attachment {
                resource_type: r.label(0).to_string(),
                resource_name: r.label(1).to_string(),
                attribute,
                source,
            });
        }
    }
    out
}

#[test]
fn every_attached_document_comes_from_the_bundle() {
    let mut count = 0;
    for m in &modules() {
        let c = module(m);
        for (at, e) in c.expressions() {
            assert!(
                !e.contains("jsonencode("),
                "{m}: {at}: jsonencode builds a document by hand"
            );
            assert!(
                !e.contains("aws_iam_policy_document"),
                "{m}: {at}: aws_iam_policy_document"
            );
            assert!(!e.contains("\"Statement\""), "{m}: {at}: a literal policy");
        }
        assert!(
            c.of("data")
                .all(|d| d.label(0) != "aws_iam_policy_document"),
            "{m}: aws_iam_policy_document data source"
        );
        let a = attachments(&c);
        // A module with IAM or Organizations resources attaches documents; one
        // without (mtls-layer: a layer and its permissions) has none to attach.
        let carries_policies = c.of("resource").any(|r| {
            r.label(0).starts_with("aws_iam_") || r.label(0).starts_with("aws_organizations_")
        });
        assert_eq!(
            !a.is_empty(),
            carries_policies,
            "{m}: attaches documents exactly when it has IAM or Organizations resources"
        );
        // Every s2s_policy the module declares is attached somewhere.
        for d in c.of("data").filter(|d| d.label(0) == "s2s_policy") {
            let used = a
                .iter()
                .any(|x| x.source == Source::Policy(d.label(1).to_string()));
            assert!(
                used,
                "{m}: data.s2s_policy.{} is rendered but never attached",
                d.label(1)
            );
        }
        count += a.len();
    }
    // The five modules of this writing attach 16 (the syncer's resource policy
    // reaches it as a setting); modules added later only add.
    assert!(count >= 16, "{count} attachments in the modules");
    // And a module with a hand-written document is refused.
    let bad = parse_hcl(
        "bad.tf",
        "resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = jsonencode({ Statement = [] })\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let c = Config {
        name: "bad".into(),
        dir: PathBuf::new(),
        blocks: bad,
    };
    let refused = std::panic::catch_unwind(|| attachments(&c)).is_err();
    assert!(refused, "a hand-written trust policy must be refused");
}

/// The parameters of an `s2s_policy` block: `{ key = expr, ... }`.
fn policy_parameters(block: &Block) -> BTreeMap<String, String> {
    let Some(p) = block.attr("parameters") else {
        return BTreeMap::new();
    };
    let inner = p.trim().trim_start_matches('{').trim_end_matches('}');
    inner
        .lines()
        .flat_map(|l| l.split(','))
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// A parameter value with the example's inputs: a literal, `var.X` as the
/// example sets it (or its default), or — for a value only known once the
/// module's own resources exist (the CA's ID) — a `local.X` rendered with the
/// parameter's example from policies/index.json.
fn resolve(expr: &str, m: &Config, call: &Block, example: Option<&str>) -> String {
    if let Some(l) = literal(expr) {
        return l;
    }
    if expr.starts_with("local.") {
        return example
            .unwrap_or_else(|| panic!("{}: {expr} has no example in index.json", m.name))
            .to_string();
    }
    let var = expr.strip_prefix("var.").unwrap_or_else(|| {
        panic!(
            "{}: parameter {expr} is neither a literal, a variable nor a local",
            m.name
        )
    });
    call.attr(var)
        .and_then(literal)
        .or_else(|| {
            m.variables()
                .get(var)
                .and_then(|v| v.attr("default"))
                .and_then(literal)
        })
        .unwrap_or_else(|| panic!("examples/{} sets {var} to no literal", m.name))
}

#[test]
fn every_s2s_policy_renders_through_the_engine_and_fits_where_it_is_attached() {
    let index: Value = serde_json::from_str(
        &fs::read_to_string(repo_root().join("policies/index.json")).expect("index.json"),
    )
    .expect("index.json is JSON");
    let declared: BTreeMap<String, Vec<String>> = index["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| {
            let params = p["params"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            (p["name"].as_str().unwrap_or_default().to_string(), params)
        })
        .collect();

    // One root configuration with every module's s2s_policy calls, rendered
    // by the real provider with the examples' values.
    let mut hcl = String::from(
        "terraform {\n  required_providers {\n    s2s = { source = \"registry.example.internal/platform/s2s\" }\n  }\n}\n",
    );
    let mut calls = Vec::new();
    let names = modules();
    for m in &names {
        let c = module(m);
        let call = example_call(m);
        for d in c.of("data").filter(|d| d.label(0) == "s2s_policy") {
            let name = d.attr("name").and_then(literal).unwrap_or_else(|| {
                panic!(
                    "{m}: data.s2s_policy.{}: name must be a literal",
                    d.label(1)
                )
            });
            let params = policy_parameters(d);
            let mut keys: Vec<&String> = params.keys().collect();
            keys.sort();
            let mut want: Vec<String> = declared
                .get(&name)
                .unwrap_or_else(|| panic!("{m}: {name} is not in policies/index.json"))
                .clone();
            want.sort();
            assert_eq!(
                keys,
                want.iter().collect::<Vec<_>>(),
                "{m}: {name} parameters"
            );
            let id = format!("{}__{}", m.replace('-', "_"), d.label(1));
            hcl.push_str(&format!(
                "data \"s2s_policy\" \"{id}\" {{\n  name = \"{name}\"\n  parameters = {{\n"
            ));
            for (k, v) in &params {
                let example = index["params"][k.as_str()]["example"].as_str();
                hcl.push_str(&format!(
                    "    {k} = \"{}\"\n",
                    resolve(v, &c, &call, example)
                ));
            }
            hcl.push_str("  }\n}\n");
            hcl.push_str(&format!(
                "output \"{id}\" {{\n  value = {{ json = data.s2s_policy.{id}.json, type = data.s2s_policy.{id}.policy_type, role = data.s2s_policy.{id}.role, findings = data.s2s_policy.{id}.findings }}\n}}\n"
            ));
            calls.push((m, d.label(1).to_string(), id));
        }
    }
    assert!(calls.len() >= 10, "{} s2s_policy calls", calls.len());
    let tf = Terraform::new(&[Provider::s2s()]);
    tf.apply_step(&hcl);
    let outputs = tf.outputs();

    for m in &modules() {
        let c = module(m);
        let locals = c.locals();
        let atts = attachments(&c);
        for (_, data_name, id) in calls.iter().filter(|(mm, _, _)| *mm == m) {
            let o = &outputs[id];
            assert_eq!(
                o["findings"],
                Value::Array(vec![]),
                "{m}: {data_name}: findings"
            );
            let doc: Value = serde_json::from_str(o["json"].as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{m}: {data_name}: {e}"));
            assert_eq!(doc["Version"], "2012-10-17");
            let ty = o["type"].as_str().unwrap_or_default();
            for a in atts
                .iter()
                .filter(|a| a.source == Source::Policy(data_name.clone()))
            {
                let r = c
                    .resource("resource", &a.resource_type, &a.resource_name)
                    .expect("attached resource");
                let want = match (a.resource_type.as_str(), a.attribute.as_str()) {
                    ("aws_iam_role", "assume_role_policy") => "trust",
                    ("aws_iam_role_policy", "policy") | ("aws_iam_policy", "policy") => "identity",
                    ("aws_iam_role", "inline_policy.policy") => "identity",
                    ("aws_organizations_policy", "content") => {
                        match r.attr("type").and_then(literal).as_deref() {
                            Some("SERVICE_CONTROL_POLICY") => "scp",
                            Some("RESOURCE_CONTROL_POLICY") => "rcp",
                            other => panic!("{m}: {}: policy type {other:?}", a.resource_name),
                        }
                    }
                    ("aws_secretsmanager_secret_policy", "policy") => "resource",
                    ("aws_lambda_function", "environment.SYNCER_RESOURCE_POLICY") => "resource",
                    other => panic!("{m}: no rule for a document in {other:?}"),
                };
                assert_eq!(
                    ty, want,
                    "{m}: {data_name} is a {ty} policy attached as {want}"
                );
                // The role it lands on has the bundle's name and path.
                let role_block = match a.resource_type.as_str() {
                    "aws_iam_role" => Some(r),
                    "aws_iam_role_policy" => {
                        let target = r.attr("role").unwrap_or_default();
                        let name = target
                            .strip_prefix("aws_iam_role.")
                            .and_then(|t| t.split('.').next())
                            .unwrap_or_else(|| panic!("{m}: {}: role = {target}", a.resource_name));
                        c.resource("resource", "aws_iam_role", name)
                    }
                    _ => None,
                };
                if let (Some(role), Some(bundle_role)) = (role_block, o["role"].as_str()) {
                    let value = |attr: &str| {
                        let e = role.attr(attr).unwrap_or_default().to_string();
                        let e = e
                            .strip_prefix("local.")
                            .and_then(|l| locals.get(l).cloned())
                            .unwrap_or(e);
                        e.trim_matches('"').to_string()
                    };
                    let (path, name) = (value("path"), value("name"));
                    let actual = format!("{}{name}", path.trim_start_matches('/'));
                    if let Some(rest) = bundle_role.strip_prefix("app/<app>/") {
                        assert_eq!(rest, "<name>");
                        assert_eq!(
                            path, "/app/${var.app}/",
                            "{m}: app roles live under /app/<app>/"
                        );
                        let boundary = value("permissions_boundary");
                        let boundary = boundary
                            .strip_prefix("local.")
                            .and_then(|l| locals.get(l).cloned())
                            .unwrap_or(boundary);
                        assert!(
                            boundary
                                .trim_matches('"')
                                .ends_with(":policy/platform/app-boundary"),
                            "{m}: app role without the app boundary: {boundary}"
                        );
                    } else {
                        assert_eq!(
                            actual, bundle_role,
                            "{m}: {data_name} belongs to role/{bundle_role}"
                        );
                    }
                }
                if a.resource_type == "aws_iam_policy" && data_name == "app_boundary" {
                    assert_eq!(r.attr("name"), Some("\"app-boundary\""));
                    assert_eq!(r.attr("path"), Some("\"/platform/\""));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The s2s_policy data source under real Terraform.
// ---------------------------------------------------------------------------

const REQUIRED_PROVIDERS: &str =
    "terraform {\n  required_providers {\n    s2s = { source = \"registry.example.internal/platform/s2s\" }\n  }\n}\n";

fn policy_config(name: &str, params: &[(&str, &str)]) -> String {
    let params: String = params
        .iter()
        .map(|(k, v)| format!("    {k} = \"{v}\"\n"))
        .collect();
    format!(
        "{REQUIRED_PROVIDERS}data \"s2s_policy\" \"p\" {{\n  name = \"{name}\"\n  parameters = {{\n{params}  }}\n}}\noutput \"json\" {{\n  value = data.s2s_policy.p.json\n}}\noutput \"type\" {{\n  value = data.s2s_policy.p.policy_type\n}}\noutput \"size\" {{\n  value = data.s2s_policy.p.size\n}}\n"
    )
}

#[test]
fn s2s_policy_renders_a_checked_minified_policy() {
    let tf = Terraform::new(&[Provider::s2s()]);
    tf.apply_step(&policy_config(
        "iam/app-lambda-identity",
        &[
            ("account_id", "111111111111"),
            ("region", "eu-west-1"),
            ("app", "payments"),
        ],
    ));
    let json = tf.output("json");
    let json = json.as_str().expect("json is a string");
    assert!(
        !json.contains('\n') && !json.contains(": "),
        "minified: {json}"
    );
    assert!(json
        .contains("arn:aws:secretsmanager:eu-west-1:111111111111:secret:s2s/payments/tls-??????"));
    assert_eq!(tf.output("type"), "identity");
    assert_eq!(
        tf.output("size").as_u64(),
        Some(json.chars().count() as u64)
    );
}

#[test]
fn s2s_policy_refuses_a_parameter_that_widens_the_policy_at_plan() {
    let tf = Terraform::new(&[Provider::s2s()]);
    // app = "*" would make s2s/${app}/tls every app's certificate.
    tf.write_config(&policy_config(
        "iam/app-lambda-identity",
        &[
            ("account_id", "111111111111"),
            ("region", "eu-west-1"),
            ("app", "*"),
        ],
    ));
    let d = tf.plan_err().diagnostics();
    assert!(d.contains("Invalid policy parameter"), "{d}");
    assert!(
        d.contains("Cannot render iam/app-lambda-identity: parameter app"),
        "{d}"
    );
    assert!(d.contains("widen the policy"), "{d}");
    // A Region wildcard in a boundary: every Region's secrets.
    tf.write_config(&policy_config(
        "iam/app-boundary",
        &[
            ("account_id", "111111111111"),
            ("region", "eu-*-1"),
            ("app", "payments"),
        ],
    ));
    let d = tf.plan_err().diagnostics();
    assert!(
        d.contains("Cannot render iam/app-boundary: parameter region"),
        "{d}"
    );
    assert!(
        d.contains("wildcard '*'") && d.contains("widen the policy"),
        "{d}"
    );
    // A trust policy pointed at a whole account through a policy variable.
    tf.write_config(&policy_config(
        "iam/ci-deployer-trust",
        &[
            ("ci_account_id", "${aws:PrincipalAccount}"),
            ("org_id", "o-s2sexample1"),
        ],
    ));
    let out = tf.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(out.code, 0, "{}", out.combined());
    // (Terraform itself refuses "${aws:...}" in a string as an invalid template
    // before the provider sees it; escaped as $${...} it reaches the engine.)
    tf.write_config(&policy_config(
        "iam/ci-deployer-trust",
        &[
            ("ci_account_id", "$${aws:PrincipalAccount}"),
            ("org_id", "o-s2sexample1"),
        ],
    ));
    let d = tf.plan_err().diagnostics();
    assert!(
        d.contains("parameter ci_account_id") && d.contains("widen the policy"),
        "{d}"
    );
}

#[test]
fn s2s_policy_names_what_is_allowed_when_a_name_or_parameter_is_wrong() {
    let tf = Terraform::new(&[Provider::s2s()]);
    tf.write_config(&policy_config("iam/syncer-identiy", &[]));
    let d = tf.plan_err().diagnostics();
    assert!(d.contains("Unknown policy"), "{d}");
    assert!(
        d.contains("iam/syncer-identity") && d.contains("scp/secrets-guard"),
        "{d}"
    );
    tf.write_config(&policy_config(
        "iam/syncer-trust",
        &[("account_id", "111111111111"), ("acount", "x")],
    ));
    let d = tf.plan_err().diagnostics();
    assert!(d.contains("Unknown policy parameter"), "{d}");
    assert!(
        d.contains("does not take a parameter \"acount\"") && d.contains("account_id ("),
        "{d}"
    );
    tf.write_config(&policy_config(
        "iam/syncer-identity",
        &[("account_id", "111111111111")],
    ));
    let d = tf.plan_err().diagnostics();
    assert!(
        d.contains("Missing policy parameters") && d.contains("missing: region"),
        "{d}"
    );
}
