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
//! The modules are read as HCL (hcl.rs, through `hcl-edit`); Terraform's
//! loader and `terraform test` check them as Terraform (modules_terraform.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use acceptance_tests::repo_root;
use clap::CommandFactory;
use hcl_edit::expr::Expression;
use serde_json::Value;
use syncer::cli::Cli;
use syncer::Settings;

use crate::hcl::{
    attr, call_args, label, literal, module, nested, object, references, resolved, settings, text,
    Config,
};

fn read(rel: &str) -> String {
    fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A name as the module sets it, as a pattern: `${var.app}` is `${app}`,
/// and a value the caller chooses (a variable, a call) is `*`.
fn name_pattern(e: &Expression, locals: &BTreeMap<String, &Expression>) -> String {
    match e {
        Expression::String(_) | Expression::StringTemplate(_) => {
            resolved(e, locals).replace("${var.app}", "${app}")
        }
        _ => match crate::hcl::bare_reference(e) {
            Some((kind, name)) if kind == "local" => locals
                .get(&name)
                .map(|l| name_pattern(l, locals))
                .unwrap_or_else(|| panic!("local.{name} is not defined")),
            _ => "*".into(),
        },
    }
}

/// The `data "s2s_policy"` blocks of a module: label → bundle name.
fn policies(c: &Config) -> BTreeMap<String, String> {
    c.of("data")
        .filter(|d| label(d, 0) == "s2s_policy")
        .map(|d| {
            (
                label(d, 1).to_owned(),
                attr(d, "name").and_then(literal).unwrap_or_default(),
            )
        })
        .collect()
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
fn template_of(e: &Expression, policies: &BTreeMap<String, String>) -> String {
    let refs = references(e);
    let path: Vec<&str> = match refs.as_slice() {
        [one] => one.iter().map(String::as_str).collect(),
        _ => panic!("not one bundle document: {}", text(e)),
    };
    match path.as_slice() {
        ["s2s_lambda_function", _, "certificate_read_policy_json"] => {
            "iam/app-certificate-read".into()
        }
        ["data", "s2s_policy", x, "json"] => policies
            .get(*x)
            .cloned()
            .unwrap_or_else(|| panic!("no data.s2s_policy.{x}")),
        _ => panic!("not a bundle document: {}", text(e)),
    }
}

fn role_attachments() -> Vec<RoleAttachment> {
    let mut out = Vec::new();
    for m in MODULES {
        let c = module(m);
        let policies = policies(&c);
        let locals = c.locals();
        for role in c.of("resource").filter(|r| label(r, 0) == "aws_iam_role") {
            let value = |name: &str| {
                attr(role, name)
                    .map(|e| name_pattern(e, &locals))
                    .unwrap_or_default()
            };
            let trust = template_of(
                attr(role, "assume_role_policy").expect("assume_role_policy"),
                &policies,
            );
            let me = ["aws_iam_role", label(role, 1), "id"]
                .map(String::from)
                .to_vec();
            let identity = c
                .of("resource")
                .filter(|p| {
                    label(p, 0) == "aws_iam_role_policy"
                        && attr(p, "role").is_some_and(|r| references(r) == [me.clone()])
                })
                .map(|p| template_of(attr(p, "policy").expect("policy"), &policies))
                .collect();
            let boundary = attr(role, "permissions_boundary").map(|b| {
                let arn = resolved(b, &locals);
                assert!(
                    arn.ends_with(":policy/platform/app-boundary"),
                    "{m}: the boundary is the bundle's by its fixed name, not {arn}"
                );
                "iam/app-boundary".to_owned()
            });
            out.push(RoleAttachment {
                module: m.into(),
                path: value("path").trim_matches('/').to_owned(),
                name: value("name"),
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
    let set: Vec<&Expression> = syncer_settings(&syncer)
        .into_iter()
        .filter(|(k, _)| k == "SYNCER_RESOURCE_POLICY")
        .map(|(_, v)| v)
        .collect();
    let [policy] = set.as_slice() else {
        panic!("SYNCER_RESOURCE_POLICY is set once: {} times", set.len())
    };
    assert_eq!(
        template_of(policy, &policies(&syncer)),
        secrets["keywhiz/*"]
    );
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
    let function = |c: &Config| {
        let found: Vec<_> = c
            .of("resource")
            .filter(|r| label(r, 0) == "aws_lambda_function")
            .cloned()
            .collect();
        assert_eq!(found.len(), 1, "{}: one function", c.name);
        found.into_iter().next().expect("one")
    };
    for f in w["functions"].as_array().expect("functions") {
        let (name, role) = (
            f["name"].as_str().unwrap_or_default(),
            f["role"].as_str().unwrap_or_default(),
        );
        let (c, lambda) = match role {
            "syncer" => {
                let lambda = function(&syncer);
                let set = attr(&lambda, "function_name")
                    .map(|e| resolved(e, &syncer.locals()))
                    .unwrap_or_default();
                assert_eq!(set, name, "the syncer's function name");
                (&syncer, lambda)
            }
            "app" => (&app, function(&app)),
            other => panic!("function {name} runs as {other}: no module creates it"),
        };
        let signed = f["code_signing"].as_bool().unwrap_or(false);
        assert_eq!(
            attr(&lambda, "code_signing_config_arn")
                .map(text)
                .as_deref()
                == Some("var.code_signing_config_arn"),
            signed,
            "{name}: code signing as the world says"
        );
        let locals = c.locals();
        let tags = attr(&lambda, "tags")
            .map(|t| settings(t, &locals))
            .unwrap_or_default();
        for (k, v) in f["tags"].as_object().into_iter().flatten() {
            let v = v.as_str().unwrap_or_default().replace("${app}", "var.app");
            assert!(
                tags.iter().any(|(key, value)| key == k && text(value) == v),
                "{name}: the module tags its function {k} = {v}"
            );
            // And the guardrail keys on that very tag.
            assert!(
                read("policies/scp/platform-guard.json").contains(&format!("aws:ResourceTag/{k}"))
            );
        }
    }
}

/// Every `environment { variables }` entry of the syncer's function.
fn syncer_settings(syncer: &Config) -> Vec<(String, &Expression)> {
    let locals = syncer.locals();
    syncer
        .of("resource")
        .filter(|r| label(r, 0) == "aws_lambda_function")
        .flat_map(|r| nested(r, "environment"))
        .filter_map(|e| attr(e, "variables"))
        .flat_map(|v| settings(v, &locals))
        .collect()
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
    let syncer = module("secrets-syncer");
    let set: BTreeSet<String> = syncer_settings(&syncer)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    // What the syncer cannot run without, by its own validation: each is set.
    let runnable = Settings {
        app: "payments".into(),
        trust_domain: "example.internal".into(),
        keywhiz_url: "https://kw".into(),
        ..Settings::default()
    };
    assert!(runnable.validate().is_ok());
    for (variable, without) in [
        (
            "SYNCER_APP",
            Settings {
                app: String::new(),
                ..runnable.clone()
            },
        ),
        (
            "SYNCER_TRUST_DOMAIN",
            Settings {
                trust_domain: String::new(),
                ..runnable.clone()
            },
        ),
        (
            "SYNCER_KEYWHIZ_URL",
            Settings {
                keywhiz_url: String::new(),
                ..runnable.clone()
            },
        ),
    ] {
        assert!(without.validate().is_err(), "the syncer needs {variable}");
        assert!(
            set.contains(variable),
            "secrets-syncer does not set {variable}: {set:?}"
        );
    }
    for v in &set {
        assert!(
            read_by_syncer.contains(v),
            "secrets-syncer sets {v}, which the syncer does not read"
        );
    }
    // max_delete_share: the module's bounds, inclusive, are the syncer's.
    let vars = syncer.variables();
    let condition = |name: &str| -> String {
        let v = vars.get(name).unwrap_or_else(|| panic!("variable {name}"));
        nested(v, "validation")
            .filter_map(|val| attr(val, "condition"))
            .map(text)
            .collect::<Vec<_>>()
            .join(" && ")
    };
    let share = condition("max_delete_share");
    assert!(
        share.contains("var.max_delete_share >= 0 && var.max_delete_share <= 1"),
        "{share}"
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
    assert!(condition("delete_override_until")
        .contains(r#"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"#));
}

fn pattern_accepts(pattern: &str, value: &str) -> bool {
    let schema = serde_json::json!({"type": "string", "pattern": pattern});
    jsonschema::is_valid(&schema, &Value::String(value.into()))
}

#[test]
fn app_names_follow_s2s_core_everywhere() {
    // Each rule is every regex a module's app validations apply to var.app
    // (all must accept a name for the module to).
    let mut rules: Vec<(String, Vec<String>)> = Vec::new();
    for m in ["account-baseline", "lambda-s2s", "secrets-syncer"] {
        let c = module(m);
        let vars = c.variables();
        let app = vars
            .get("app")
            .unwrap_or_else(|| panic!("{m}: variable app"));
        let regexes: Vec<String> = nested(app, "validation")
            .filter_map(|v| attr(v, "condition"))
            .flat_map(|cond| call_args(cond, "regex"))
            .filter(|args| args.get(1).map(|a| text(a)).as_deref() == Some("var.app"))
            .filter_map(|args| args.first().and_then(|p| literal(p)))
            .collect();
        assert!(!regexes.is_empty(), "{m}: app has no regex validation");
        rules.push((format!("modules/{m}"), regexes));
    }
    let index: Value = serde_json::from_str(&read("policies/index.json")).expect("index");
    rules.push((
        "policies/index.json".into(),
        vec![index["params"]["app"]["pattern"]
            .as_str()
            .expect("pattern")
            .into()],
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
                re.iter().all(|r| pattern_accepts(r, s)),
                s2s_core::validate_app(s).is_ok(),
                "{where_} ({re:?}) and s2s-core disagree on {s:?}"
            );
        }
    }
}

#[test]
fn the_names_the_guardrails_grant_are_the_names_the_modules_create() {
    let ci = read("policies/iam/ci-deployer-identity.json");
    let syncer = module("secrets-syncer");
    let locals = syncer.locals();
    let mut alarms = Vec::new();
    for alarm in syncer
        .of("resource")
        .filter(|r| label(r, 0) == "aws_cloudwatch_metric_alarm")
    {
        let name = name_pattern(attr(alarm, "alarm_name").expect("alarm_name"), &locals);
        // An alarm per key of a `for_each = local.X` map, `${each.key}` in its name.
        match attr(alarm, "for_each") {
            Some(each) => {
                let map = match crate::hcl::bare_reference(each) {
                    Some((kind, local)) if kind == "local" => locals[local.as_str()],
                    _ => panic!("alarm for_each is not a local map: {}", text(each)),
                };
                for key in object(map).keys() {
                    alarms.push(name.replace("${each.key}", key));
                }
            }
            None => alarms.push(name),
        }
    }
    // Both ways: no alarm CI may not manage, no grant for an alarm that is gone.
    let granted: BTreeSet<String> = ci
        .match_indices(":alarm:")
        .filter_map(|(i, _)| ci[i + ":alarm:".len()..].split('"').next())
        .map(str::to_owned)
        .collect();
    for name in &alarms {
        assert!(
            !name.contains("${each"),
            "{name}: a for_each key left unresolved"
        );
    }
    assert_eq!(
        alarms.iter().cloned().collect::<BTreeSet<_>>(),
        granted,
        "the alarms secrets-syncer creates (left) and the ones iam/ci-deployer-identity lets CI manage (right)"
    );
    let queue = syncer
        .of("resource")
        .find(|r| label(r, 0) == "aws_sqs_queue")
        .and_then(|q| attr(q, "name"))
        .map(|n| resolved(n, &locals))
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
    // The zips are named from the script's table: `<name>-<arch>.zip`, the syncer's name `keywhiz-syncer`.
    assert!(script.contains(r#"zip="$OUT/$name-$arch.zip""#));
    assert!(script.contains("[keywhiz-syncer]="));
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
    let published: Vec<String> = layer
        .of("resource")
        .filter(|r| label(r, 0) == "aws_lambda_layer_version")
        .filter_map(|r| attr(r, "layer_name"))
        .map(text)
        .collect();
    assert_eq!(
        published,
        [r#""s2s-mtls-proxy-${each.key}""#],
        "mtls-layer must publish s2s-mtls-proxy-<architecture>"
    );
    let artifacts_rule = layer
        .variables()
        .get("artifacts")
        .map(|v| {
            nested(v, "validation")
                .filter_map(|val| attr(val, "condition"))
                .map(text)
                .collect::<Vec<_>>()
                .join(" && ")
        })
        .unwrap_or_default();
    assert!(
        artifacts_rule.contains(r#"contains(["arm64", "x86_64"], a)"#),
        "{artifacts_rule}"
    );
    let permissions: Vec<Option<String>> = layer
        .of("resource")
        .filter(|r| label(r, 0) == "aws_lambda_layer_version_permission")
        .map(|r| attr(r, "action").and_then(literal))
        .collect();
    assert!(
        !permissions.is_empty()
            && permissions
                .iter()
                .all(|a| a.as_deref() == Some("lambda:GetLayerVersion")),
        "{permissions:?}"
    );
    let lambda = module("lambda-s2s");
    let arn_var = lambda.variables();
    let arn_var = arn_var
        .get("mtls_layer_arn")
        .expect("lambda-s2s's mtls_layer_arn");
    let patterns: Vec<String> = nested(arn_var, "validation")
        .filter_map(|v| attr(v, "condition"))
        .flat_map(|cond| call_args(cond, "regex"))
        .filter(|args| args.get(1).map(|a| text(a)).as_deref() == Some("var.mtls_layer_arn"))
        .filter_map(|args| args.first().and_then(|p| literal(p)))
        .collect();
    let [pattern] = patterns.as_slice() else {
        panic!("mtls_layer_arn's pattern: {patterns:?}")
    };
    let ci = read("policies/iam/ci-deployer-identity.json");
    let artifacts = read("scripts/artifacts.sh");
    assert!(artifacts.contains(r#"[ "$arch" = aarch64 ] && arch=arm64"#));
    assert!(artifacts.contains(r#"zip="$OUT/s2s-mtls-proxy-$arch.zip""#));
    for arch in ["arm64", "x86_64"] {
        let arn = format!("arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-{arch}:7");
        assert!(pattern_accepts(pattern, &arn), "{pattern} refuses {arn}");
        assert!(
            ci.contains(&format!(":layer:s2s-mtls-proxy-{arch}:*")),
            "iam/ci-deployer-identity does not let CI read s2s-mtls-proxy-{arch}"
        );
    }
    let other = "arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-riscv64:7";
    assert!(
        !pattern_accepts(pattern, other),
        "{pattern} accepts {other}"
    );
}
