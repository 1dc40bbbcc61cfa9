//! The Terraform modules (modules/) and their examples (examples/<module>/):
//! the rules Terraform itself does not check. (Terraform's own `validate`
//! and `terraform test` against the real hashicorp/aws schema are in
//! modules_terraform.rs.) The configurations are read as HCL by `hcl-edit`
//! (hcl.rs).
//!
//! - `terraform fmt -check` is clean;
//! - every variable and output is described, the READMEs list exactly the
//!   declared inputs and outputs;
//! - every IAM or SCP document a module attaches is a `data "s2s_policy"` (or
//!   the certificate policy `s2s_lambda_function` renders from the bundle),
//!   never hand-written JSON, and every document a setting carries is found
//!   through every reference of its expression (locals included); the
//!   modules attach every policy of the bundle (policies/index.json) but the
//!   ones named here as attached elsewhere; each `s2s_policy` call renders
//!   through the real provider (the engine compiled into it) with the
//!   example's values, passes the engine's checks, has the type its
//!   attachment needs, and the role it is attached to has the bundle's name
//!   and path;
//! - a parameter that would widen a policy past its guardrail fails the plan.
//!
//! The modules are discovered (every directory of modules/), so a new module
//! is held to the same rules.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use acceptance_tests::config::HEADER;
use acceptance_tests::{repo_root, Terraform};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;
use serde_json::Value;

use crate::hcl::{
    attr, bare_reference, example, label, literal, module, nested, object, references, resolved,
    text, Config,
};

/// Every module directory, by name.
fn modules() -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(repo_root().join("modules"))
        .expect("modules/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no module in modules/");
    out
}

/// Attributes of `aws_*` resources that hold an IAM, SCP or RCP document.
const DOCUMENT_ATTRIBUTES: [&str; 4] = ["policy", "assume_role_policy", "content", "inline_policy"];

/// Policies of the bundle that no module attaches, each with what does.
const ATTACHED_ELSEWHERE: [(&str, &str); 1] = [(
    "iam/secret-cert-resource",
    "the cert-issuer puts it on each s2s/<app>/tls it writes",
)];

/// Every policy name of the bundle (policies/index.json).
fn bundle() -> Value {
    serde_json::from_str(
        &fs::read_to_string(repo_root().join("policies/index.json")).expect("index.json"),
    )
    .expect("index.json is JSON")
}

fn bundle_names() -> BTreeSet<String> {
    bundle()["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// The one `module` block of an example, for the module of the same name.
fn example_call(name: &str) -> Block {
    let ex = example(name);
    let calls: Vec<&Block> = ex.of("module").collect();
    assert_eq!(calls.len(), 1, "examples/{name} calls one module");
    assert_eq!(
        attr(calls[0], "source").and_then(literal).as_deref(),
        Some(format!("../../modules/{name}").as_str()),
        "examples/{name} calls modules/{name}"
    );
    calls[0].clone()
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
            let d = attr(v, "description").and_then(literal).unwrap_or_default();
            assert!(d.len() > 10, "{m}: variable {name} has no description");
            assert!(
                attr(v, "type").is_some(),
                "{m}: variable {name} has no type"
            );
            if must_validate.contains(&name.as_str()) {
                let vals: Vec<&Block> = nested(v, "validation").collect();
                assert!(!vals.is_empty(), "{m}: variable {name} is not validated");
                for val in vals {
                    let msg = attr(val, "error_message")
                        .and_then(literal)
                        .unwrap_or_default();
                    assert!(msg.len() > 10, "{m}: {name}: validation without a message");
                }
            }
        }
        for (name, o) in c.outputs() {
            let d = attr(o, "description").and_then(literal).unwrap_or_default();
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
            let description = attr(v, "description").and_then(literal).unwrap_or_default();
            assert_eq!(
                row.len(),
                3,
                "{m}: input {name}: | name | type | default | description |"
            );
            assert_eq!(
                row[0],
                format!("`{}`", attr(v, "type").map(text).unwrap_or_default()),
                "{m}: type of {name}"
            );
            let default = attr(v, "default")
                .map(|d| format!("`{}`", text(d)))
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
            let description = attr(o, "description").and_then(literal).unwrap_or_default();
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

/// The bundle document an expression is, when it is exactly one reference
/// to one (anything else — a call, a template, a conditional — is not).
fn document_source(e: &Expression) -> Option<Source> {
    if !matches!(e, Expression::Traversal(_)) {
        return None;
    }
    let [path] = references(e).try_into().ok()?;
    if text(e) != path.join(".") {
        return None; // an index or splat after the attribute
    }
    match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["data", "s2s_policy", name, "json"] => Some(Source::Policy((*name).to_owned())),
        ["s2s_lambda_function", _, "certificate_read_policy_json"] => {
            Some(Source::LambdaCertificate)
        }
        _ => None,
    }
}

/// Whether a reference names a bundle document (of any shape).
fn is_document_reference(path: &[String]) -> bool {
    matches!(
        path.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["data", "s2s_policy", ..] | ["s2s_lambda_function", _, "certificate_read_policy_json", ..]
    )
}

#[test]
fn document_sources_are_recognised_strictly() {
    let parse = |s: &str| hcl_edit::parser::parse_expr(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    assert_eq!(
        document_source(&parse("data.s2s_policy.trust.json")),
        Some(Source::Policy("trust".into()))
    );
    assert_eq!(
        document_source(&parse(
            "s2s_lambda_function.this.certificate_read_policy_json"
        )),
        Some(Source::LambdaCertificate)
    );
    for bad in [
        "jsonencode({ Version = \"2012-10-17\" })",
        "data.aws_iam_policy_document.x.json",
        "replace(data.s2s_policy.trust.json, \"a\", \"*\")",
        "\"{\\\"Version\\\":\\\"2012-10-17\\\"}\"",
        "file(\"policy.json\")",
        "data.s2s_policy.trust.json_pretty",
        "data.s2s_policy.trust.json[0]",
        "\"${data.s2s_policy.trust.json}\"",
        "var.on ? data.s2s_policy.a.json : data.s2s_policy.b.json",
    ] {
        assert_eq!(document_source(&parse(bad)), None, "{bad}");
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

/// The documents a setting (`environment { variables = ... }`) carries, by
/// key: an object's entries, through `merge(...)`, conditionals and locals.
/// A document anywhere else in the expression (inside a call, a template,
/// through a local) is not a bundle document as rendered: it panics.
fn settings_documents(
    e: &Expression,
    locals: &BTreeMap<String, &Expression>,
    out: &mut Vec<(String, Source)>,
) {
    match e {
        Expression::Object(_) => {
            for (key, value) in object(e) {
                match document_source(value) {
                    Some(source) => out.push((key, source)),
                    None => settings_documents(value, locals, out),
                }
            }
        }
        Expression::FuncCall(call) if call.name.name.as_str() == "merge" => {
            for arg in call.args.iter() {
                settings_documents(arg, locals, out);
            }
        }
        Expression::Conditional(c) => {
            assert!(!holds_document(&c.cond_expr, locals, 0));
            settings_documents(&c.true_expr, locals, out);
            settings_documents(&c.false_expr, locals, out);
        }
        _ => match bare_reference(e) {
            Some((kind, name)) if kind == "local" => {
                let local = locals
                    .get(&name)
                    .unwrap_or_else(|| panic!("local.{name} is not defined"));
                settings_documents(local, locals, out);
            }
            _ => assert!(
                !holds_document(e, locals, 0),
                "a document reaches a setting other than as the whole value of one key: {}",
                text(e)
            ),
        },
    }
}

/// Whether any reference of `e`, followed through the locals it names,
/// is a bundle document.
fn holds_document(e: &Expression, locals: &BTreeMap<String, &Expression>, depth: usize) -> bool {
    assert!(depth < 32, "locals refer to each other in a cycle");
    references(e).iter().any(|r| {
        is_document_reference(r)
            || (r.first().map(String::as_str) == Some("local")
                && r.get(1)
                    .and_then(|name| locals.get(name))
                    .is_some_and(|l| holds_document(l, locals, depth + 1)))
    })
}

fn attachments(c: &Config) -> Vec<Attachment> {
    let locals = c.locals();
    let mut out = Vec::new();
    for r in c.of("resource").filter(|r| label(r, 0).starts_with("aws_")) {
        let mut docs: Vec<(String, &Expression)> = DOCUMENT_ATTRIBUTES
            .iter()
            .filter_map(|a| attr(r, a).map(|e| (a.to_string(), e)))
            .collect();
        // inline_policy { policy = ... } blocks.
        for b in nested(r, "inline_policy") {
            if let Some(e) = attr(b, "policy") {
                docs.push(("inline_policy.policy".into(), e));
            }
        }
        let mut sources: Vec<(String, Source)> = Vec::new();
        for (attribute, e) in docs {
            let source = document_source(e).unwrap_or_else(|| {
                panic!(
                    "{}: {}.{}.{attribute} = {}: a document must come from data \"s2s_policy\" (or s2s_lambda_function's certificate_read_policy_json), never hand-written",
                    c.name,
                    label(r, 0),
                    label(r, 1),
                    text(e)
                )
            });
            sources.push((attribute, source));
        }
        // A resource policy reaches the syncer as a setting:
        // environment { variables = { SYNCER_RESOURCE_POLICY = ... } }.
        for b in nested(r, "environment") {
            if let Some(vars) = attr(b, "variables") {
                let mut settings = Vec::new();
                settings_documents(vars, &locals, &mut settings);
                for (key, source) in settings {
                    sources.push((format!("environment.{key}"), source));
                }
            }
        }
        for (attribute, source) in sources {
            out.push(Attachment {
                resource_type: label(r, 0).to_owned(),
                resource_name: label(r, 1).to_owned(),
                attribute,
                source,
            });
        }
    }
    out
}

/// The bundle template of a module's attachment.
fn template(c: &Config, source: &Source) -> String {
    match source {
        Source::LambdaCertificate => "iam/app-certificate-read".into(),
        Source::Policy(name) => c
            .resource("data", "s2s_policy", name)
            .and_then(|d| attr(d, "name"))
            .and_then(literal)
            .unwrap_or_else(|| {
                panic!(
                    "{}: data.s2s_policy.{name} is attached but not declared with a literal name",
                    c.name
                )
            }),
    }
}

#[test]
fn every_attached_document_comes_from_the_bundle() {
    let mut attached = BTreeSet::new();
    for m in &modules() {
        let c = module(m);
        for (at, e) in c.attributes() {
            assert!(
                !crate::hcl::calls(e).iter().any(|f| f == "jsonencode"),
                "{m}: {at}: jsonencode builds a document by hand"
            );
            assert!(
                !references(e)
                    .iter()
                    .any(|r| r.get(1).map(String::as_str) == Some("aws_iam_policy_document")),
                "{m}: {at}: aws_iam_policy_document"
            );
            assert!(
                !text(e).contains("\"Statement\""),
                "{m}: {at}: a literal policy"
            );
        }
        assert!(
            c.of("data")
                .all(|d| label(d, 0) != "aws_iam_policy_document"),
            "{m}: aws_iam_policy_document data source"
        );
        let a = attachments(&c);
        // A module with IAM or Organizations resources attaches documents; one
        // without (mtls-layer: a layer and its permissions) has none to attach.
        let carries_policies = c.of("resource").any(|r| {
            label(r, 0).starts_with("aws_iam_") || label(r, 0).starts_with("aws_organizations_")
        });
        assert_eq!(
            !a.is_empty(),
            carries_policies,
            "{m}: attaches documents exactly when it has IAM or Organizations resources"
        );
        // Every s2s_policy the module declares is attached somewhere.
        for d in c.of("data").filter(|d| label(d, 0) == "s2s_policy") {
            let used = a
                .iter()
                .any(|x| x.source == Source::Policy(label(d, 1).to_owned()));
            assert!(
                used,
                "{m}: data.s2s_policy.{} is rendered but never attached",
                label(d, 1)
            );
        }
        attached.extend(a.iter().map(|x| template(&c, &x.source)));
    }
    // What the modules attach is the bundle, but for what something else
    // attaches (a new policy must be attached, or say here by what).
    let mut expected = bundle_names();
    for (name, by) in ATTACHED_ELSEWHERE {
        assert!(expected.remove(name), "{name} ({by}) is not in the bundle");
    }
    assert_eq!(
        attached, expected,
        "the bundle's policies the modules attach"
    );

    // And a module with a hand-written document is refused, as is one whose
    // setting builds a document around a rendered one.
    for bad in [
        "resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = jsonencode({ Statement = [] })\n}\n",
        "resource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = merge({ A = \"x\" }, { P = replace(data.s2s_policy.p.json, \"a\", \"*\") })\n  }\n}\n",
        "locals {\n  s = { P = \"${data.s2s_policy.p.json}\" }\n}\nresource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = local.s\n  }\n}\n",
    ] {
        let c = Config::of_text("bad", bad);
        let refused = std::panic::catch_unwind(|| attachments(&c)).is_err();
        assert!(refused, "a document built by hand must be refused:\n{bad}");
    }
    // Through a local and a merge, each document is found.
    let c = Config::of_text(
        "good",
        "locals {\n  s = { A = data.s2s_policy.a.json }\n}\nresource \"aws_lambda_function\" \"f\" {\n  environment {\n    variables = merge(local.s, var.x ? { B = data.s2s_policy.b.json } : {})\n  }\n}\n",
    );
    let found: Vec<String> = attachments(&c).into_iter().map(|a| a.attribute).collect();
    assert_eq!(found, ["environment.A", "environment.B"]);
}

/// A parameter value with the example's inputs: a literal, `var.X` as the
/// example sets it (or its default), or — for a value only known once the
/// module's own resources exist (the CA's ID) — a `local.X` rendered with the
/// parameter's example from policies/index.json.
fn resolve(e: &Expression, m: &Config, call: &Block, example: Option<&str>) -> String {
    if let Some(l) = literal(e) {
        return l;
    }
    match bare_reference(e) {
        Some((kind, _)) if kind == "local" => example
            .unwrap_or_else(|| panic!("{}: {} has no example in index.json", m.name, text(e)))
            .to_owned(),
        Some((kind, var)) if kind == "var" => attr(call, &var)
            .and_then(literal)
            .or_else(|| {
                m.variables()
                    .get(&var)
                    .and_then(|v| attr(v, "default"))
                    .and_then(literal)
            })
            .unwrap_or_else(|| panic!("examples/{} sets {var} to no literal", m.name)),
        _ => panic!(
            "{}: parameter {} is neither a literal, a variable nor a local",
            m.name,
            text(e)
        ),
    }
}

#[test]
fn every_s2s_policy_renders_through_the_engine_and_fits_where_it_is_attached() {
    let index = bundle();
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
    let mut hcl = String::from(HEADER);
    let mut calls = Vec::new();
    let mut rendered = BTreeSet::new();
    let names = modules();
    for m in &names {
        let c = module(m);
        let call = example_call(m);
        for d in c.of("data").filter(|d| label(d, 0) == "s2s_policy") {
            let name = attr(d, "name").and_then(literal).unwrap_or_else(|| {
                panic!(
                    "{m}: data.s2s_policy.{}: name must be a literal",
                    label(d, 1)
                )
            });
            let params = attr(d, "parameters").map(object).unwrap_or_default();
            let keys: Vec<&String> = params.keys().collect();
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
            let id = format!("{}__{}", m.replace('-', "_"), label(d, 1));
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
            rendered.insert(name);
            calls.push((m, label(d, 1).to_owned(), id));
        }
    }
    // Every bundle policy a module attaches is rendered here (the
    // certificate policy is rendered by s2s_lambda_function instead).
    let mut expected = bundle_names();
    for name in ATTACHED_ELSEWHERE
        .iter()
        .map(|(n, _)| *n)
        .chain(["iam/app-certificate-read"])
    {
        expected.remove(name);
    }
    assert_eq!(rendered, expected, "the policies the modules render");
    let tf = Terraform::s2s();
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
                        match attr(r, "type").and_then(literal).as_deref() {
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
                        let target = attr(r, "role").expect("role");
                        let roles: Vec<Vec<String>> = references(target)
                            .into_iter()
                            .filter(|p| p.first().map(String::as_str) == Some("aws_iam_role"))
                            .collect();
                        let [role] = roles.as_slice() else {
                            panic!("{m}: {}: role = {}", a.resource_name, text(target))
                        };
                        c.resource("resource", "aws_iam_role", &role[1])
                    }
                    _ => None,
                };
                if let (Some(role), Some(bundle_role)) = (role_block, o["role"].as_str()) {
                    let value = |name: &str| {
                        attr(role, name)
                            .map(|e| resolved(e, &locals))
                            .unwrap_or_default()
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
                        assert!(
                            boundary.ends_with(":policy/platform/app-boundary"),
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
                    assert_eq!(
                        attr(r, "name").and_then(literal).as_deref(),
                        Some("app-boundary")
                    );
                    assert_eq!(
                        attr(r, "path").and_then(literal).as_deref(),
                        Some("/platform/")
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The s2s_policy data source under real Terraform.
// ---------------------------------------------------------------------------

fn policy_config(name: &str, params: &[(&str, &str)]) -> String {
    let params: String = params
        .iter()
        .map(|(k, v)| format!("    {k} = \"{v}\"\n"))
        .collect();
    format!(
        "{HEADER}data \"s2s_policy\" \"p\" {{\n  name = \"{name}\"\n  parameters = {{\n{params}  }}\n}}\noutput \"json\" {{\n  value = data.s2s_policy.p.json\n}}\noutput \"type\" {{\n  value = data.s2s_policy.p.policy_type\n}}\noutput \"size\" {{\n  value = data.s2s_policy.p.size\n}}\n"
    )
}

#[test]
fn s2s_policy_renders_a_checked_minified_policy() {
    let tf = Terraform::s2s();
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
    let tf = Terraform::s2s();
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
    // Terraform itself refuses "${aws:...}" in a string as an invalid
    // template before the provider sees it; escaped as $${...} it reaches
    // the engine.
    let d = tf.plan_err().diagnostics();
    assert!(
        d.contains("Extra characters after interpolation expression")
            && d.contains("ci_account_id = \"${aws:PrincipalAccount}\""),
        "{d}"
    );
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
    let tf = Terraform::s2s();
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
