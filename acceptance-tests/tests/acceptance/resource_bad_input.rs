//! Bad input to the s2s resources and data source: each case must fail plan
//! with its own diagnostic, pointing at the attribute (Terraform's snippet
//! of the diagnostic shows the attribute's line). The cases share one
//! working directory and run as three plans (static validation, checks
//! against Registry/Keywhiz/STS at plan time, import ids) to keep the suite
//! fast; `terraform plan -json` reports every diagnostic of a run.

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::{app_secrets, seed_app};
use acceptance_tests::{pointed_attribute, Stack, StackOptions, Terraform};
use serde_json::Value;

/// One bad input: a resource body, and what its diagnostic must say.
struct Case {
    kind: &'static str,
    body: String,
    summary: &'static str,
    detail: &'static str,
    /// The attribute the diagnostic points at (its line in the snippet).
    attribute: &'static str,
}

fn case(
    kind: &'static str,
    body: &str,
    summary: &'static str,
    detail: &'static str,
    attribute: &'static str,
) -> Case {
    Case {
        kind,
        body: body.to_owned(),
        summary,
        detail,
        attribute,
    }
}

fn app(app: &str, accounts: &str) -> String {
    format!("app = \"{app}\"\naccounts = [{accounts}]")
}

fn function(app: &str, env: &str, account: &str, name: &str, role: &str, extra: &str) -> String {
    format!(
        "app = \"{app}\"\nenvironment = \"{env}\"\naccount_id = \"{account}\"\nfunction_name = \"{name}\"\nrole_name = \"{role}\"\n{extra}"
    )
}

fn assignment(app: &str, secret: &str) -> String {
    format!("app = \"{app}\"\nsecret = \"{secret}\"")
}

const STAGING: &str = "{ account_id = \"123456789012\", environment = \"staging\" }";

fn static_cases() -> Vec<Case> {
    let bad_app = "is not a valid app name";
    vec![
        case(
            "resource s2s_registry_app",
            &app("Payments", STAGING),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "resource s2s_registry_app",
            &app("pay_ments", STAGING),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "resource s2s_registry_app",
            &app("-payments", STAGING),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "resource s2s_registry_app",
            &app("payments-", STAGING),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "resource s2s_registry_app",
            &app(&"a".repeat(64), STAGING),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "resource s2s_registry_app",
            &app(
                "acct1",
                "{ account_id = \"12345\", environment = \"staging\" }",
            ),
            "Invalid account id",
            "must be exactly 12 digits",
            "accounts",
        ),
        case(
            "resource s2s_registry_app",
            &app(
                "acct2",
                "{ account_id = \"12345678901a\", environment = \"staging\" }",
            ),
            "Invalid account id",
            "must be exactly 12 digits",
            "accounts",
        ),
        case(
            "resource s2s_registry_app",
            &app(
                "env1",
                "{ account_id = \"123456789012\", environment = \"prod\" }",
            ),
            "Invalid environment",
            "use one of development, staging, production, sandbox",
            "accounts",
        ),
        case(
            "resource s2s_registry_app",
            &app(
                "dup",
                &format!(
                    "{STAGING}, {{ account_id = \"123456789012\", environment = \"production\" }}"
                ),
            ),
            "Account listed twice",
            "appears more than once",
            "accounts",
        ),
        case(
            "resource s2s_lambda_function",
            &function("payments", "qa", "123456789012", "api", "role", ""),
            "Invalid attribute value",
            "is not an environment",
            "environment",
        ),
        case(
            "resource s2s_lambda_function",
            &function("payments", "staging", "1234", "api", "role", ""),
            "Invalid attribute value",
            "exactly 12 digits",
            "account_id",
        ),
        case(
            "resource s2s_lambda_function",
            &function(
                "payments",
                "staging",
                "123456789012",
                "arn:aws:lambda:eu-west-1:123456789012:function:api",
                "role",
                "",
            ),
            "Invalid attribute value",
            "is not a Lambda function name",
            "function_name",
        ),
        case(
            "resource s2s_lambda_function",
            &function(
                "payments",
                "staging",
                "123456789012",
                &"f".repeat(65),
                "role",
                "",
            ),
            "Invalid attribute value",
            "is not a Lambda function name",
            "function_name",
        ),
        case(
            "resource s2s_lambda_function",
            &function(
                "payments",
                "staging",
                "123456789012",
                "api",
                "app/payments/role",
                "",
            ),
            "Invalid attribute value",
            "is not an IAM role name",
            "role_name",
        ),
        case(
            "resource s2s_lambda_function",
            &function(
                "payments",
                "staging",
                "123456789012",
                "api",
                "role",
                "region = \"Europe\"",
            ),
            "Invalid attribute value",
            "is not an AWS region name",
            "region",
        ),
        case(
            "resource s2s_lambda_function",
            &function("Pay", "staging", "123456789012", "api", "role", ""),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "resource s2s_secret_assignment",
            &assignment("payments", ".hidden"),
            "Invalid attribute value",
            "is not a valid Keywhiz secret name",
            "secret",
        ),
        case(
            "resource s2s_secret_assignment",
            &assignment("payments", "has space"),
            "Invalid attribute value",
            "is not a valid Keywhiz secret name",
            "secret",
        ),
        case(
            "resource s2s_secret_assignment",
            &assignment("payments", "a/b"),
            "Invalid attribute value",
            "is not a valid Keywhiz secret name",
            "secret",
        ),
        case(
            "resource s2s_secret_assignment",
            &assignment("Bad App", "db"),
            "Invalid attribute value",
            bad_app,
            "app",
        ),
        case(
            "data s2s_registry_app",
            "app = \"UPPER\"",
            "Invalid attribute value",
            bad_app,
            "app",
        ),
    ]
}

fn plan_time_cases() -> Vec<Case> {
    vec![
        case(
            "resource s2s_lambda_function",
            &function("ghost", "staging", "123456789012", "api", "role", ""),
            "Unknown app",
            "Registry has no app named \"ghost\"",
            "app",
        ),
        case(
            "resource s2s_lambda_function",
            &function("payments", "staging", "999999999999", "api", "role", ""),
            "Account not registered for the app",
            "has not registered account 999999999999",
            "account_id",
        ),
        case(
            "resource s2s_lambda_function",
            &function("payments", "production", "123456789012", "api2", "role", ""),
            "Environment differs from the account's",
            "Set `environment = \"staging\"`",
            "environment",
        ),
        case(
            "resource s2s_lambda_function",
            &function("nocerts", "staging", "123456789012", "api", "role", ""),
            "Certificate generation is off for the app",
            "Set `certificate_generation = true`",
            "app",
        ),
        case(
            "resource s2s_lambda_function",
            &function("payments", "production", "111122223333", "api3", "role", ""),
            "Wrong AWS account",
            "belong to account 123456789012",
            "account_id",
        ),
        case(
            "resource s2s_secret_assignment",
            &assignment("payments", "no-such-secret"),
            "Unknown secret",
            "Keywhiz has no secret named \"no-such-secret\"",
            "secret",
        ),
        case(
            "resource s2s_secret_assignment",
            &assignment("ghost", "payments-db"),
            "Unknown app",
            "Registry has no app named \"ghost\"",
            "app",
        ),
        case(
            "data s2s_registry_app",
            "app = \"ghost\"",
            "Unknown app",
            "Registry has no app named \"ghost\"",
            "app",
        ),
    ]
}

fn config(cases: &[Case]) -> String {
    let mut hcl = HEADER.to_owned();
    for (i, c) in cases.iter().enumerate() {
        let (block, ty) = c.kind.split_once(' ').unwrap();
        hcl.push_str(&format!(
            "{block} \"{ty}\" \"case{i}\" {{\n{}\n}}\n",
            c.body
        ));
    }
    hcl
}

/// The block header Terraform's snippet shows as the context of case `i`.
fn context(i: usize, c: &Case) -> String {
    let (block, ty) = c.kind.split_once(' ').unwrap_or((c.kind, ""));
    format!("{block} \"{ty}\" \"case{i}\"")
}

/// One plan of all `cases`: each fails with its own diagnostic at its
/// attribute, and Terraform reports no error that is not one of them.
fn assert_cases(tf: &Terraform, cases: &[Case]) {
    tf.write_config(&config(cases));
    let diags: Vec<Value> = tf
        .plan_json_diagnostics()
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    for d in &diags {
        let ours = cases.iter().enumerate().any(|(i, c)| {
            d["snippet"]["context"].as_str() == Some(context(i, c).as_str())
                && d["summary"] == c.summary
        });
        assert!(ours, "an error no case expects:\n{d:#?}");
    }
    for (i, c) in cases.iter().enumerate() {
        let context = context(i, c);
        let found = diags.iter().find(|d| {
            d["snippet"]["context"].as_str() == Some(context.as_str()) && d["summary"] == c.summary
        });
        let Some(d) = found else {
            panic!(
                "case{i} ({}): no diagnostic {:?} in\n{diags:#?}",
                c.body, c.summary
            );
        };
        let detail = d["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(c.detail),
            "case{i}: {detail:?} lacks {:?}",
            c.detail
        );
        assert_eq!(
            pointed_attribute(d).as_deref(),
            Some(c.attribute),
            "case{i}: the diagnostic points at {:?}, not at {}",
            d["snippet"]["code"],
            c.attribute
        );
    }
}

#[test]
fn bad_input_is_refused_with_its_attribute() {
    let mut reg = mock_registry::Seed::default();
    reg.apps.push(seed_app(
        "payments",
        &[("123456789012", "staging"), ("111122223333", "production")],
        true,
    ));
    reg.apps
        .push(seed_app("nocerts", &[("123456789012", "staging")], false));
    let kw = app_secrets("payments", &[("payments-db", "x", 0)]);
    let stack = Stack::start(StackOptions {
        registry_seed: Some(reg),
        keywhiz_seed: Some(kw),
        moto: true,
    });
    let tf = stack.terraform();

    assert_cases(&tf, &static_cases());
    assert_cases(&tf, &plan_time_cases());

    // Import ids that do not parse name the expected form.
    tf.write_config(&format!(
        "{HEADER}resource \"s2s_lambda_function\" \"f\" {{\n{}\n}}\nresource \"s2s_secret_assignment\" \"a\" {{\n{}\n}}\nresource \"s2s_registry_app\" \"r\" {{\n{}\n}}\n",
        function("payments", "staging", "123456789012", "api", "role", ""),
        assignment("payments", "payments-db"),
        app("payments", STAGING)
    ));
    for (address, id, expected) in [
        (
            "s2s_lambda_function.f",
            "payments/123456789012",
            "expected <app>/<account_id>/<function_name>",
        ),
        (
            "s2s_lambda_function.f",
            "payments/1234/api",
            "must be exactly 12 digits",
        ),
        (
            "s2s_secret_assignment.a",
            "payments-db",
            "expected <app>/<secret>",
        ),
        (
            "s2s_secret_assignment.a",
            "payments/.hidden",
            "is not a valid Keywhiz secret name",
        ),
        ("s2s_registry_app.r", "Payments", "is not a valid app name"),
    ] {
        let out = tf.run(&["import", "-no-color", address, id]);
        assert_ne!(out.code, 0);
        let text = out.diagnostics();
        assert!(
            text.contains("Invalid import ID") && text.contains(expected),
            "{text}"
        );
    }
}
