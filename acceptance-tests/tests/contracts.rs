//! The modules against the parts that consume what they create, so that the
//! next drift fails `make test` instead of an apply or an audit:
//!
//! - the claims' world (policies/claims/world.json) models the roles, boundaries,
//!   functions and secret policies the modules and the syncer actually attach:
//!   a role, trust, boundary or resource policy the world models that nothing
//!   attaches fails here, and so does a module role the world does not model;
//! - every `SYNCER_*` variable secrets-syncer sets is one the syncer reads, and
//!   the module's `max_delete_share` range is the syncer's;
//! - every module's (and the bundle's) app-name rule accepts exactly what
//!   s2s-core accepts;
//! - the names the guardrails and the CI deployer's policy grant (alarms, the
//!   dead-letter queue, the function tag) are the names the modules create;
//! - the syncer zips the docs name are the ones `make artifacts` writes.
//!
//! The modules are read as text (block by block); Terraform's loader and
//! `terraform test` check them as Terraform (tests/modules.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use acceptance_tests::repo_root;
use clap::CommandFactory;
use serde_json::Value;
use syncer::cli::Cli;
use syncer::Settings;

fn read(rel: &str) -> String {
    fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `KIND "a" "b" { ... }` blocks of a file: (labels, body).
fn blocks(text: &str, kind: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let head = format!("{kind} \"");
    let mut at = 0;
    while let Some(i) = text[at..].find(&head) {
        let start = at + i;
        at = start + head.len();
        if start > 0 && !text[..start].ends_with('\n') {
            continue;
        }
        let Some(open) = text[start..].find('{').map(|o| start + o) else {
            break;
        };
        let labels: Vec<String> = text[start + kind.len()..open]
            .split('"')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let (mut depth, mut j, bytes) = (1usize, open + 1, text.as_bytes());
        let mut in_str = false;
        while j < bytes.len() && depth > 0 {
            match bytes[j] {
                b'\\' if in_str => j += 1,
                b'"' => in_str = !in_str,
                b'{' if !in_str => depth += 1,
                b'}' if !in_str => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        out.push((labels, text[open + 1..j.saturating_sub(1)].to_owned()));
        at = j;
    }
    out
}

/// `name = value` at the top of a block body (first line of the value).
fn attr(body: &str, name: &str) -> Option<String> {
    let mut depth = 0i32;
    for line in body.lines() {
        let t = line.trim();
        if depth == 0 {
            if let Some(rest) = t.strip_prefix(name) {
                if let Some(v) = rest.trim_start().strip_prefix('=') {
                    return Some(v.trim().to_owned());
                }
            }
        }
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
    }
    None
}

fn unquote(v: &str) -> String {
    v.trim().trim_matches('"').to_owned()
}

/// A module's `.tf` files, concatenated.
fn module(name: &str) -> String {
    let dir = repo_root().join("modules").join(name);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| fs::read_to_string(p).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

const MODULES: [&str; 6] = [
    "account-baseline",
    "lambda-s2s",
    "secrets-syncer",
    "org-guardrails",
    "cert-issuer",
    "mtls-layer",
];

/// The modules applied in the app accounts, under the app OU's SCPs.
const APP_ACCOUNT_MODULES: [&str; 3] = ["account-baseline", "lambda-s2s", "secrets-syncer"];

/// What a module attaches to one role: path pattern (`${app}` for the app),
/// name (`*` when the caller chooses it), trust, inline identity templates, boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RoleAttachment {
    module: String,
    path: String,
    name: String,
    trust: String,
    identity: BTreeSet<String>,
    boundary: Option<String>,
}

/// Resolves `data.s2s_policy.X.json` (or the certificate policy
/// s2s_lambda_function renders from iam/app-certificate-read) to a template name.
fn template_of(expr: &str, policies: &BTreeMap<String, String>) -> String {
    if expr.contains("certificate_read_policy_json") {
        return "iam/app-certificate-read".into();
    }
    let x = expr
        .strip_prefix("data.s2s_policy.")
        .and_then(|r| r.strip_suffix(".json"))
        .unwrap_or_else(|| panic!("not a bundle document: {expr}"));
    policies
        .get(x)
        .cloned()
        .unwrap_or_else(|| panic!("no data.s2s_policy.{x}"))
}

fn role_attachments() -> Vec<RoleAttachment> {
    let mut out = Vec::new();
    for m in MODULES {
        let text = module(m);
        let policies: BTreeMap<String, String> = blocks(&text, "data")
            .into_iter()
            .filter(|(l, _)| l.first().map(String::as_str) == Some("s2s_policy"))
            .map(|(l, b)| (l[1].clone(), unquote(&attr(&b, "name").unwrap_or_default())))
            .collect();
        let resources = blocks(&text, "resource");
        for (labels, body) in resources.iter().filter(|(l, _)| l[0] == "aws_iam_role") {
            let local = |v: &str| -> String {
                // local.role_path / local.role_name are the module's own conventions.
                match v {
                    "local.role_path" => "/app/${app}/".into(),
                    "local.role_name" => "*".into(),
                    other => unquote(other).replace("${var.app}", "${app}"),
                }
            };
            let path = local(&attr(body, "path").unwrap_or_default());
            let name = local(&attr(body, "name").unwrap_or_default());
            let trust = template_of(
                &attr(body, "assume_role_policy").unwrap_or_default(),
                &policies,
            );
            let me = format!("aws_iam_role.{}.id", labels[1]);
            let identity = resources
                .iter()
                .filter(|(l, b)| {
                    l[0] == "aws_iam_role_policy" && attr(b, "role").as_deref() == Some(me.as_str())
                })
                .map(|(_, b)| template_of(&attr(b, "policy").unwrap_or_default(), &policies))
                .collect();
            let boundary = attr(body, "permissions_boundary").map(|b| {
                assert_eq!(
                    b, "local.boundary_arn",
                    "{m}: the boundary is the bundle's by its fixed name"
                );
                assert!(
                    text.contains(":policy/platform/app-boundary\""),
                    "{m}: boundary ARN"
                );
                "iam/app-boundary".to_owned()
            });
            out.push(RoleAttachment {
                module: m.into(),
                path: path.trim_matches('/').to_owned(),
                name,
                trust,
                identity,
                boundary,
            });
        }
    }
    out
}

fn world() -> Value {
    serde_json::from_str(&read("policies/claims/world.json")).expect("world.json")
}

fn bundle_only(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|n| !n.starts_with("aws/") && !n.starts_with("world/"))
        .map(str::to_owned)
        .collect()
}

/// Roles the world models that these modules do not create, each with where
/// it does come from; anything else the world models must be a module's.
const ELSEWHERE: [(&str, &str); 2] = [
    (
        "ci-runner",
        "the CI system's account (AdministratorAccess there: not the bundle's)",
    ),
    (
        "org-admin",
        "AWS Organizations (role/OrganizationAccountAccessRole)",
    ),
];

#[test]
fn the_claims_world_models_exactly_what_the_modules_attach() {
    let w = world();
    let attached = role_attachments();
    assert!(attached.len() >= 4, "{attached:#?}");
    let mut matched_modules = BTreeSet::new();
    for (key, role) in w["roles"].as_object().expect("roles") {
        if role["minted"].as_bool() == Some(true) {
            continue; // reached only through chains: no module creates it, by definition
        }
        if let Some((_, why)) = ELSEWHERE.iter().find(|(k, _)| k == key) {
            assert!(!why.is_empty());
            continue;
        }
        let path = role["path"].as_str().expect("path");
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let m = attached
            .iter()
            .find(|a| a.path == dir && (a.name == name || a.name == "*"))
            .unwrap_or_else(|| {
                panic!("world role {key} ({path}) is created by no module: {attached:#?}")
            });
        matched_modules.insert((m.module.clone(), m.path.clone(), m.name.clone()));
        if let Some(t) = role["trust"].as_str() {
            assert_eq!(t, m.trust, "world role {key}: trust vs {}", m.module);
        }
        assert_eq!(
            role["boundary"].as_str().map(str::to_owned),
            m.boundary,
            "world role {key}: boundary vs {}",
            m.module
        );
        let ident = bundle_only(&role["identity"]);
        assert!(
            ident.is_subset(&m.identity),
            "world role {key} holds {ident:?}, which {} never attaches ({:?})",
            m.module,
            m.identity
        );
    }
    // Each module role is modelled, and at least once exactly as deployed.
    for a in &attached {
        assert!(
            matched_modules.contains(&(a.module.clone(), a.path.clone(), a.name.clone())),
            "{}: role {}/{} is not in the claims' world",
            a.module,
            a.path,
            a.name
        );
        let exact = w["roles"].as_object().expect("roles").values().any(|r| {
            let p = r["path"].as_str().unwrap_or_default();
            p.starts_with(&format!("{}/", a.path)) && bundle_only(&r["identity"]) == a.identity
        });
        assert!(
            exact,
            "{}: no world role holds exactly {:?}",
            a.module, a.identity
        );
    }
}

#[test]
fn the_secrets_policies_the_world_models_are_the_ones_attached() {
    let w = world();
    let secrets: BTreeMap<String, String> = w["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["policy"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    // keywhiz/*: secrets-syncer renders it and hands it to the syncer, which puts it
    // on every secret (syncer/tests/resource_policy.rs shows it in moto).
    let syncer = module("secrets-syncer");
    let env = blocks(&syncer, "resource")
        .into_iter()
        .find(|(l, _)| l[0] == "aws_lambda_function")
        .map(|(_, b)| b)
        .expect("the syncer function");
    let expr = env
        .split("SYNCER_RESOURCE_POLICY")
        .nth(1)
        .and_then(|r| r.trim_start().strip_prefix('='))
        .map(|r| r.split_whitespace().next().unwrap_or_default().to_owned())
        .expect("SYNCER_RESOURCE_POLICY is set");
    let policies: BTreeMap<String, String> = blocks(&syncer, "data")
        .into_iter()
        .map(|(l, b)| (l[1].clone(), unquote(&attr(&b, "name").unwrap_or_default())))
        .collect();
    assert_eq!(template_of(&expr, &policies), secrets["keywhiz/*"]);
    // s2s/*: the policy the certificate writer attaches (the cert-issuer renders
    // it per bundle); the writer may put it, and the bundle says where it goes.
    let writer = read("policies/iam/cert-writer-identity.json");
    assert!(writer.contains("secretsmanager:PutResourcePolicy"));
    let index: Value = serde_json::from_str(&read("policies/index.json")).expect("index");
    let entry = index["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == secrets["s2s/*"].as_str())
        .unwrap_or_else(|| panic!("{} is not in the bundle", secrets["s2s/*"]));
    assert_eq!(entry["type"], "resource");
    assert!(entry["attach"]
        .as_str()
        .unwrap_or_default()
        .contains("s2s/<app>/tls"));
    assert_eq!(secrets.len(), 2, "{secrets:?}");
}

#[test]
fn the_world_s_functions_are_the_modules_functions() {
    let w = world();
    let syncer = module("secrets-syncer");
    let app = module("lambda-s2s");
    for f in w["functions"].as_array().expect("functions") {
        let (name, role) = (
            f["name"].as_str().unwrap_or_default(),
            f["role"].as_str().unwrap_or_default(),
        );
        let text = match role {
            "syncer" => {
                assert!(
                    syncer.contains(&format!("function_name     = \"{name}\"")),
                    "{name}"
                );
                &syncer
            }
            "app" => &app,
            other => panic!("function {name} runs as {other}: no module creates it"),
        };
        let signed = f["code_signing"].as_bool().unwrap_or(false);
        assert_eq!(
            text.contains("code_signing_config_arn = var.code_signing_config_arn"),
            signed,
            "{name}: code signing as the world says"
        );
        for (k, v) in f["tags"].as_object().into_iter().flatten() {
            let v = v.as_str().unwrap_or_default().replace("${app}", "var.app");
            assert!(
                text.contains(&format!("{{ \"{k}\" = {v} }}")),
                "{name}: the module tags its function {k} = {v}"
            );
            // And the guardrail keys on that very tag.
            assert!(
                read("policies/scp/platform-guard.json").contains(&format!("aws:ResourceTag/{k}"))
            );
        }
    }
}

#[test]
fn secrets_syncer_sets_only_settings_the_syncer_reads_in_its_range() {
    let read_by_syncer: BTreeSet<String> = Cli::command()
        .get_subcommands()
        .flat_map(|c| {
            c.get_arguments()
                .filter_map(|a| a.get_env())
                .map(|e| e.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let text = module("secrets-syncer");
    let set: BTreeSet<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("SYNCER_"))
        .map(str::to_owned)
        .collect();
    assert!(set.len() >= 6, "{set:?}");
    for v in &set {
        assert!(
            read_by_syncer.contains(v),
            "secrets-syncer sets {v}, which the syncer does not read"
        );
    }
    // max_delete_share: the module's bounds, inclusive, are the syncer's.
    let vars = read("modules/secrets-syncer/variables.tf");
    let (_, body) = blocks(&vars, "variable")
        .into_iter()
        .find(|(l, _)| l[0] == "max_delete_share")
        .expect("max_delete_share");
    assert!(
        body.contains("var.max_delete_share >= 0 && var.max_delete_share <= 1"),
        "{body}"
    );
    for (share, ok) in [(0.0, true), (1.0, true), (-0.01, false), (1.01, false)] {
        let s = Settings {
            app: "payments".into(),
            trust_domain: "example.internal".into(),
            keywhiz_url: "https://kw".into(),
            keywhiz_ca_pem: Some("pem".into()),
            max_delete_share: share,
            ..Settings::default()
        };
        assert_eq!(s.validate().is_ok(), ok, "max_delete_share {share}");
    }
    // delete_override_until: the module's format is one the syncer parses.
    assert!(syncer::clock::parse_rfc3339("2026-12-01T18:00:00Z").is_some());
    assert!(vars.contains(r#"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"#));
}

fn pattern_accepts(pattern: &str, value: &str) -> bool {
    let schema = serde_json::json!({"type": "string", "pattern": pattern});
    jsonschema::is_valid(&schema, &Value::String(value.into()))
}

#[test]
fn app_names_follow_s2s_core_everywhere() {
    let mut rules: Vec<(String, String)> = Vec::new();
    for m in ["account-baseline", "lambda-s2s", "secrets-syncer"] {
        let vars = read(&format!("modules/{m}/variables.tf"));
        let (_, body) = blocks(&vars, "variable")
            .into_iter()
            .find(|(l, _)| l[0] == "app")
            .unwrap_or_else(|| panic!("{m}: variable app"));
        let re = body
            .split("regex(\"")
            .nth(1)
            .and_then(|r| r.split("\", var.app").next())
            .unwrap_or_else(|| panic!("{m}: app regex"))
            .replace("\\\\", "\\");
        rules.push((format!("modules/{m}"), re));
    }
    let index: Value = serde_json::from_str(&read("policies/index.json")).expect("index");
    rules.push((
        "policies/index.json".into(),
        index["params"]["app"]["pattern"]
            .as_str()
            .expect("pattern")
            .into(),
    ));
    let long = format!("a{}", "b".repeat(62));
    let samples = [
        "payments",
        "a",
        "a1",
        "pay-ments",
        "payments-",
        "-payments",
        "Payments",
        "pay_ments",
        "1app",
        long.as_str(),
        &format!("{long}c"),
        "",
        "a-b-c",
        "ab-",
    ];
    for (where_, re) in &rules {
        for s in samples {
            assert_eq!(
                pattern_accepts(re, s),
                s2s_core::validate_app(s).is_ok(),
                "{where_} ({re}) and s2s-core disagree on {s:?}"
            );
        }
    }
}

#[test]
fn the_names_the_guardrails_grant_are_the_names_the_modules_create() {
    let ci = read("policies/iam/ci-deployer-identity.json");
    let syncer = module("secrets-syncer");
    for (labels, body) in blocks(&syncer, "resource") {
        if labels[0] == "aws_cloudwatch_metric_alarm" {
            let name = unquote(&attr(&body, "alarm_name").unwrap_or_default())
                .replace("${var.app}", "${app}");
            assert!(
                ci.contains(&format!(":alarm:{name}\"")),
                "CI may not manage the alarm {name}"
            );
        }
    }
    let queue = syncer
        .split("dead_letter_queue = \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the dead-letter queue's name");
    assert!(ci.contains(&format!(":sqs:${{region}}:${{account_id}}:{queue}\"")));
    assert!(read("policies/iam/syncer-identity.json").contains(&format!(":{queue}\"")));
    // Every role the modules create at a fixed name is one the guardrails name.
    let guard = read("policies/scp/platform-guard.json");
    for a in role_attachments()
        .iter()
        .filter(|a| a.name != "*" && APP_ACCOUNT_MODULES.contains(&a.module.as_str()))
    {
        let arn = format!("role/{}/{}", a.path, a.name);
        assert!(
            guard.contains(&arn),
            "platform-guard never names {arn} ({})",
            a.module
        );
    }
}

#[test]
fn the_syncer_zips_the_docs_name_are_the_ones_make_artifacts_writes() {
    let script = read("scripts/artifacts.sh");
    assert!(script.contains("keywhiz-syncer-$arch.zip"));
    let archs: Vec<&str> = ["aarch64", "x86_64"]
        .into_iter()
        .filter(|a| script.contains(&format!("{a}-unknown-linux")))
        .collect();
    assert_eq!(archs.len(), 2, "both targets are built");
    let docs = [
        "README.md",
        "syncer/README.md",
        "modules/README.md",
        "modules/secrets-syncer/README.md",
    ];
    for d in docs {
        let text = read(d);
        for (i, _) in text.match_indices("keywhiz-syncer-") {
            let rest = &text[i + "keywhiz-syncer-".len()..];
            if let Some(end) = rest.find(".zip") {
                let arch = &rest[..end];
                if arch
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '<' || c == '>')
                {
                    assert!(
                        archs.contains(&arch) || arch == "<arch>",
                        "{d} names keywhiz-syncer-{arch}.zip, which make artifacts never writes"
                    );
                }
            }
        }
        assert!(
            !text.contains("dist/syncer/"),
            "{d}: the zips are in target/lambda-dist/"
        );
    }
    assert!(Path::new(&repo_root().join("scripts/artifacts.sh")).exists());
}

/// The layers mtls-layer publishes are the ones make artifacts builds,
/// lambda-s2s accepts and the CI deployer may read: a rename in one place
/// would leave functions with no layer they may attach.
#[test]
fn the_mtls_layer_names_agree_everywhere() {
    let layer = module("mtls-layer");
    assert!(
        layer.contains(r#"layer_name               = "s2s-mtls-proxy-${each.key}""#),
        "mtls-layer must publish s2s-mtls-proxy-<architecture>"
    );
    assert!(layer.contains(r#"contains(["arm64", "x86_64"], a)"#));
    assert!(layer.contains(r#"action          = "lambda:GetLayerVersion""#));
    let lambda_vars = read("modules/lambda-s2s/variables.tf");
    let (_, body) = blocks(&lambda_vars, "variable")
        .into_iter()
        .find(|(l, _)| l[0] == "mtls_layer_arn")
        .expect("lambda-s2s's mtls_layer_arn");
    let pattern = body
        .split("regex(\"")
        .nth(1)
        .and_then(|r| r.split("\", var.mtls_layer_arn").next())
        .expect("mtls_layer_arn's pattern")
        .replace("\\\\", "\\");
    let ci = read("policies/iam/ci-deployer-identity.json");
    let artifacts = read("scripts/artifacts.sh");
    assert!(artifacts.contains(r#"[ "$arch" = aarch64 ] && arch=arm64"#));
    assert!(artifacts.contains(r#"zip="$OUT/s2s-mtls-proxy-$arch.zip""#));
    for arch in ["arm64", "x86_64"] {
        let arn = format!("arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-{arch}:7");
        assert!(pattern_accepts(&pattern, &arn), "{pattern} refuses {arn}");
        assert!(
            ci.contains(&format!(":layer:s2s-mtls-proxy-{arch}:*")),
            "iam/ci-deployer-identity does not let CI read s2s-mtls-proxy-{arch}"
        );
    }
    let other = "arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-riscv64:7";
    assert!(
        !pattern_accepts(&pattern, other),
        "{pattern} accepts {other}"
    );
}
