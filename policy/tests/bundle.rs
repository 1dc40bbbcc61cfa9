//! The bundle passes its own checks and claims; `check` and `prove` as a user runs them.

use policy::{bundle::EMBEDDED, claims, whocan, Bundle, Severity, World};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

/// Template parameters from (name, value) pairs.
fn params(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn world() -> World {
    let bundle = Bundle::from_dir(&policies()).unwrap_or_else(|e| panic!("{e}"));
    World::load(&policies().join("claims/world.json"), &bundle).unwrap_or_else(|e| panic!("{e}"))
}

fn cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_s2s-policy"))
        .args(args)
        .current_dir(policies().join(".."))
        .output()
        .unwrap_or_else(|e| panic!("run s2s-policy: {e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn cli_check_policies_passes() {
    let (code, out) = cli(&["check", "policies/"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s)"), "{out}");
}

#[test]
fn cli_check_fails_on_a_bad_policy() {
    let dir = std::env::temp_dir().join(format!("s2s-policy-bad-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("scp")).unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.join("scp/bad.json");
    std::fs::write(&bad, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = cli(&["check", "--json", bad.to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("scp-principal"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cli_prove_claims_passes() {
    let (code, out) = cli(&["prove", "policies/claims"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

/// `who-can ... --only` as the README shows it: exactly the syncer writes a Keywhiz mirror.
#[test]
fn cli_who_can_only_means_exactly_these() {
    let who_can = |only: &str| {
        cli(&[
            "who-can",
            "write:secretsmanager",
            "arn:aws:secretsmanager:{region}:{payments}:secret:keywhiz/db-AbCdEf",
            "--only",
            only,
        ])
    };
    let (code, out) = who_can("syncer@payments");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("OK: exactly syncer@payments can do it"),
        "{out}"
    );
    // The app's role cannot write its mirror: naming it is a failure, not an "OK".
    let (code, out) = who_can("syncer@payments,app@payments");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("app@payments") && l.contains("never, but --only expects it")),
        "{out}"
    );
    assert!(
        out.contains("FAIL: 1 principal(s) differ from --only"),
        "{out}"
    );
    // Someone outside the list can: a failure as before.
    let (code, out) = who_can("app@payments");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("<-- not in --only"), "{out}");
    assert!(
        out.contains("FAIL: 2 principal(s) differ from --only"),
        "{out}"
    );
    // A name the world does not have (a typo) is an error, never an "OK".
    let (code, out) = who_can("syncer@payments,sycner@payments");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("sycner@payments, which is not a principal"),
        "{out}"
    );
}

#[test]
fn claims_are_many_and_all_hold() {
    let cs = claims::load(&policies().join("claims")).unwrap_or_else(|e| panic!("{e}"));
    assert!(cs.len() >= 40, "{} claims", cs.len());
    let w = world();
    for o in claims::prove(&w, &cs) {
        assert!(
            o.problems.is_empty(),
            "claim {}: {:?}",
            o.claim.id,
            o.problems
        );
    }
}

#[test]
fn embedded_bundle_is_the_directory() {
    let embedded = Bundle::embedded().unwrap_or_else(|e| panic!("{e}"));
    let dir = Bundle::from_dir(&policies()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(embedded.templates.len(), dir.templates.len());
    for (name, t) in &dir.templates {
        assert_eq!(embedded.templates[name].text, t.text, "{name}");
    }
    // Every file of the bundle directories is embedded.
    for sub in ["scp", "rcp", "iam"] {
        for e in std::fs::read_dir(policies().join(sub))
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            let rel = format!("{sub}/{}", e.file_name().to_string_lossy());
            assert!(
                EMBEDDED.iter().any(|(p, _)| *p == rel),
                "{rel} is not in bundle::EMBEDDED"
            );
        }
    }
    let all = embedded.check();
    assert!(
        all.values()
            .flatten()
            .all(|f| f.severity != Severity::Error),
        "{all:?}"
    );
}

#[test]
fn render_refuses_missing_and_bad_params() {
    let b = Bundle::embedded().unwrap_or_else(|e| panic!("{e}"));
    let mut p = std::collections::BTreeMap::new();
    p.insert("account_id".to_string(), "111111111111".to_string());
    assert!(
        b.render("iam/syncer-identity", &p).is_err(),
        "region missing"
    );
    p.insert("region".to_string(), "eu-west-1".to_string());
    assert!(b.render("iam/syncer-identity", &p).is_err(), "app missing");
    p.insert("app".to_string(), "payments".to_string());
    let out = b
        .render("iam/syncer-identity", &p)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("arn:aws:secretsmanager:eu-west-1:111111111111:secret:keywhiz/*"));
    assert!(out
        .contains("arn:aws:secretsmanager:eu-west-1:111111111111:secret:s2s/payments/tls-??????"));
    p.insert("account_id".to_string(), "1111\"}".to_string());
    assert!(
        b.render("iam/syncer-identity", &p).is_err(),
        "bad account id"
    );
    // SCPs keep their IAM policy variables.
    let scp = b
        .render("scp/secrets-guard", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(scp.contains("${aws:PrincipalAccount}"));
}

fn actions_of(action: &str) -> Vec<String> {
    if let Some(svc) = action.strip_prefix("write:") {
        whocan::expand_actions(&format!("{svc}:*"))
            .into_iter()
            .filter(|a| !whocan::SECRET_READS.contains(&a.as_str()))
            .collect()
    } else if action == "read:secretsmanager" {
        whocan::SECRET_VALUE_READS
            .iter()
            .map(|a| a.to_string())
            .collect()
    } else {
        whocan::expand_actions(action)
    }
}

/// Who can, directly or over any chain the world models, is exactly `allowed`: nobody
/// else can, and every one of them can (a guardrail that locks them out fails too).
fn only_in(w: &World, action: &str, resource: &str, allowed: &[&str]) {
    let answers = whocan::who_can(w, &actions_of(action), &w.expand(resource))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answers.len() >= 15);
    for name in allowed {
        let a = answers
            .iter()
            .find(|a| a.actor == *name)
            .unwrap_or_else(|| panic!("{name} is not a principal of the world"));
        assert!(
            a.can(),
            "{name} cannot {action} on {resource}: {:?}",
            a.denied_example.as_ref().map(|d| (&d.reason, &d.deciding))
        );
    }
    for a in answers {
        if !allowed.contains(&a.actor.as_str()) {
            let ex = a.allowed.first().map(|(r, d)| {
                format!(
                    "{} {} {} {:?}",
                    r.principal.arn, r.action, r.context, d.deciding
                )
            });
            assert!(
                a.allowed.is_empty(),
                "{} can {action} on {resource}: {ex:?}",
                a.actor
            );
            assert!(
                a.chains.is_empty(),
                "{} can {action} on {resource} over a chain: {:?}",
                a.actor,
                a.chains.first().map(|c| &c.0)
            );
        }
    }
}

fn only(action: &str, resource: &str, allowed: &[&str]) {
    only_in(&world(), action, resource, allowed);
}

/// Lambda itself reaches the app's roles by assuming them: that is running the app.
const LAMBDA: &str = "service:lambda.amazonaws.com";
/// The CI system's runner reaches CI by assuming the deployer (its trust), by
/// design; whoever administers the CI system's account can become the runner
/// (no SCP guards the platform OU: the CI account is trusted with CI, see
/// policies/README.md "Limits").
const CI_SYSTEM: [&str; 3] = ["ci-runner@tooling", "other@tooling", "root@tooling"];

fn ci() -> Vec<&'static str> {
    let mut v = vec!["ci@payments"];
    v.extend(CI_SYSTEM);
    v
}

#[test]
fn who_can_write_keywhiz_is_only_the_syncer() {
    only(
        "write:secretsmanager",
        "arn:aws:secretsmanager:{region}:{payments}:secret:keywhiz/db-AbCdEf",
        &["syncer@payments"],
    );
}

#[test]
fn who_can_write_the_certificate_is_only_the_writer() {
    only(
        "write:secretsmanager",
        "arn:aws:secretsmanager:{region}:{payments}:secret:s2s/payments/tls-AbCdEf",
        // The central issuer writes through the writer role it assumes; the
        // central account's own administrators can become the issuer (no SCP
        // guards the central account: the issuer's account is trusted with
        // what it issues, see policies/README.md "Limits").
        &[
            "cert-writer@payments",
            "issuer@central",
            "other@central",
            "root@central",
            // Lambda runs the issuer's functions (iam/cert-issuer-trust).
            LAMBDA,
        ],
    );
}

#[test]
fn who_can_read_a_secret_is_only_the_apps_roles() {
    only(
        "read:secretsmanager",
        "arn:aws:secretsmanager:{region}:{payments}:secret:keywhiz/db-AbCdEf",
        &["app@payments", "app-admin@payments", LAMBDA],
    );
}

#[test]
fn who_can_read_the_certificate_is_only_the_apps_roles_and_the_syncer() {
    // The syncer authenticates to Keywhiz as the app with this certificate. The app's
    // other roles (app-admin, AdministratorAccess within the boundary) are not among the
    // reader roles Registry lists, so the secret's resource policy keeps them out.
    only(
        "read:secretsmanager",
        "arn:aws:secretsmanager:{region}:{payments}:secret:s2s/payments/tls-AbCdEf",
        &[
            "app@payments",
            "cert-reader@payments",
            "syncer@payments",
            LAMBDA,
        ],
    );
}

#[test]
fn who_can_create_an_app_role_is_only_ci() {
    only(
        "iam:CreateRole",
        "arn:aws:iam::{payments}:role/app/payments/x",
        &ci(),
    );
}

/// The chains are what stops the create -> assume -> read escape: without the
/// guardrails on sts:AssumeRole, who-can finds CI reading over a chain.
#[test]
fn chains_find_ci_reading_through_a_role_it_mints_when_the_assume_guards_are_gone() {
    let mut b = Bundle::embedded().unwrap_or_else(|e| panic!("{e}"));
    for name in ["scp/platform-guard", "rcp/secrets-perimeter"] {
        let t = b
            .templates
            .get_mut(name)
            .unwrap_or_else(|| panic!("{name}"));
        let mut v: serde_json::Value =
            serde_json::from_str(&t.text).unwrap_or_else(|e| panic!("{e}"));
        if let Some(sts) = v["Statement"].as_array_mut() {
            sts.retain(|st| st["Sid"] != "OnlyServicesAssumeWorkloadRoles");
        }
        t.text = v.to_string();
    }
    let text = std::fs::read_to_string(policies().join("claims/world.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let w = World::from_str(&text, &b).unwrap_or_else(|e| panic!("{e}"));
    let answers = whocan::who_can(
        &w,
        &actions_of("read:secretsmanager"),
        &w.expand("arn:aws:secretsmanager:{region}:{payments}:secret:keywhiz/db-AbCdEf"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ci = answers
        .iter()
        .find(|a| a.actor == "ci@payments")
        .unwrap_or_else(|| panic!("no ci@payments"));
    assert!(ci.allowed.is_empty(), "CI reads directly");
    let steps: Vec<String> = ci.chains.iter().flat_map(|c| c.0.clone()).collect();
    assert!(
        steps.iter().any(|s| s.contains("sts:AssumeRole")),
        "no chain through an assumed role: {steps:?}"
    );
}

#[test]
fn who_can_change_the_deployer_or_the_boundary_is_only_the_organizations_access_role() {
    let w = world();
    let deployer = "arn:aws:iam::{payments}:role/platform/ci-deployer";
    let access_role = "arn:aws:iam::{payments}:role/OrganizationAccountAccessRole";
    let boundary = "arn:aws:iam::{payments}:policy/platform/app-boundary";
    let org_admin = ["org-admin@payments"];
    for action in [
        "iam:Put*",
        "iam:Attach*",
        "iam:Detach*",
        "iam:UpdateAssumeRolePolicy",
        "iam:Tag*",
    ] {
        only_in(&w, action, deployer, &org_admin);
        // The access role is the organization's: nobody in the account changes it, not
        // even itself (scp/platform-guard OrgAdminChangesOnlyTheBaselineRoles).
        only_in(&w, action, access_role, &[]);
    }
    for action in ["iam:*PolicyVersion", "iam:DeletePolicy"] {
        only_in(&w, action, boundary, &org_admin);
    }
    // Nothing runs as the deployer by being passed it; the access role passes only itself.
    only_in(&w, "iam:PassRole", deployer, &[]);
    only_in(&w, "iam:PassRole", access_role, &org_admin);
}

#[test]
fn who_can_change_the_syncer_schedule_is_only_ci() {
    let w = world();
    let rule = "arn:aws:events:{region}:{payments}:rule/keywhiz-syncer";
    for action in ["events:Put*", "events:Remove*", "events:Delete*"] {
        only_in(&w, action, rule, &ci());
    }
    // Not even CI pauses it: its identity has no Disable/EnableRule (Terraform changes
    // the rule with PutRule), and the SCP keeps everyone else out.
    only_in(&w, "events:DisableRule", rule, &[]);
    only_in(&w, "events:EnableRule", rule, &[]);
}

#[test]
fn who_can_change_the_syncer_function_is_only_ci() {
    let f = "arn:aws:lambda:{region}:{payments}:function:keywhiz-syncer";
    for action in [
        "lambda:Update*",
        "lambda:DeleteFunction",
        "lambda:AddPermission",
        "lambda:PublishVersion",
    ] {
        only(action, f, &ci());
    }
    only(
        "iam:PassRole",
        "arn:aws:iam::{payments}:role/platform/keywhiz-syncer",
        &ci(),
    );
}

#[test]
fn render_refuses_values_that_widen_a_policy() {
    let b = Bundle::embedded().unwrap_or_else(|e| panic!("{e}"));
    let good = params(&[
        ("account_id", "111111111111"),
        ("region", "eu-west-1"),
        ("app", "payments"),
    ]);
    let out = b
        .render("iam/app-lambda-identity", &good)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("secret:s2s/payments/tls-??????"), "{out}");
    for (param, value, why) in [
        ("app", "*", "wildcard '*'"),
        ("app", "pay*", "wildcard '*'"),
        ("app", "payment?", "wildcard '?'"),
        ("region", "*", "wildcard '*'"),
        ("region", "eu-west-?", "wildcard '?'"),
        ("account_id", "${aws:PrincipalAccount}", "policy variable"),
        ("app", "payments\n", "control character"),
    ] {
        let mut p = good.clone();
        p.insert(param.to_string(), value.to_string());
        let err = match b.render("iam/app-lambda-identity", &p) {
            Ok(doc) => panic!("{param}={value:?} rendered: {doc}"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("parameter {param}")) && err.contains(why),
            "{param}={value:?}: {err}"
        );
        assert!(err.contains("widen"), "{err}");
    }
    // A value that only fails the pattern keeps the pattern message.
    let mut p = good.clone();
    p.insert("app".into(), "Payments".into());
    let err = b
        .render("iam/app-lambda-identity", &p)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("does not match"), "{err}");
}

#[test]
fn ci_deployer_trust_names_the_runner_of_the_ci_account() {
    let b = Bundle::embedded().unwrap_or_else(|e| panic!("{e}"));
    let p = params(&[
        ("ci_account_id", "888888888888"),
        ("org_id", "o-s2sexample1"),
    ]);
    let out = b
        .render("iam/ci-deployer-trust", &p)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("arn:aws:iam::888888888888:role/platform/ci-runner"));
    assert!(policy::check(&out, policy::PolicyType::Trust).is_empty());
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `s2s-policy prove policies/claims --json | head -c 100`: the JSON (about 100 KB, more
    // than a pipe holds) is still being written when the reader goes away.
    let mut child = Command::new(env!("CARGO_BIN_EXE_s2s-policy"))
        .args(["prove", "policies/claims", "--json"])
        .current_dir(policies().join(".."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run s2s-policy: {e}"));
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut head = [0u8; 100];
    stdout
        .read_exact(&mut head)
        .unwrap_or_else(|e| panic!("read: {e}"));
    drop(stdout);
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(String::from_utf8_lossy(&head).starts_with('['));
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}
