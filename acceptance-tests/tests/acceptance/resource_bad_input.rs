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

const APP: &str = "resource s2s_registry_app";
const FUNCTION: &str = "resource s2s_lambda_function";
const ASSIGNMENT: &str = "resource s2s_secret_assignment";
const DATA_APP: &str = "data s2s_registry_app";

const STAGING: &str = "{ account_id = \"123456789012\", environment = \"staging\" }";
const INVALID: &str = "Invalid attribute value";
const BAD_APP: &str = "is not a valid app name";

/// The attributes of a valid block of `kind` (name, HCL expression).
fn valid(kind: &str) -> Vec<(&'static str, String)> {
    let quoted = |v: &str| format!("\"{v}\"");
    match kind {
        APP => vec![
            ("app", quoted("payments")),
            ("accounts", format!("[{STAGING}]")),
        ],
        FUNCTION => vec![
            ("app", quoted("payments")),
            ("environment", quoted("staging")),
            ("account_id", quoted("123456789012")),
            ("function_name", quoted("api")),
            ("role_name", quoted("role")),
        ],
        ASSIGNMENT => vec![
            ("app", quoted("payments")),
            ("secret", quoted("payments-db")),
        ],
        DATA_APP => vec![("app", quoted("payments"))],
        other => panic!("no valid {other}"),
    }
}

/// One bad input, named: a block that is valid but for its changed
/// attributes, and the diagnostic it must get.
struct Case {
    /// The block's label: names the case in the configuration and in failures.
    name: String,
    kind: &'static str,
    body: String,
    summary: &'static str,
    detail: &'static str,
    /// The attribute the diagnostic points at (its line in the snippet): the
    /// first one changed.
    attribute: &'static str,
}

/// Case `name`: a valid `kind` with `changes` (attribute, HCL value) applied; the
/// first change is the one the diagnostic must point at, any others set the scene.
fn case(
    name: &str,
    kind: &'static str,
    changes: &[(&'static str, &str)],
    summary: &'static str,
    detail: &'static str,
) -> Case {
    let mut attributes = valid(kind);
    for (attribute, value) in changes {
        match attributes.iter_mut().find(|(a, _)| a == attribute) {
            Some(slot) => slot.1 = (*value).to_owned(),
            None => attributes.push((attribute, (*value).to_owned())),
        }
    }
    Case {
        name: name.to_owned(),
        kind,
        body: body(&attributes),
        summary,
        detail,
        attribute: changes
            .first()
            .map(|c| c.0)
            .expect("a case changes something"),
    }
}

fn static_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let too_long = format!("\"{}\"", "a".repeat(64));
    for (name, value) in [
        ("uppercase", "\"Payments\""),
        ("underscore", "\"pay_ments\""),
        ("leading_dash", "\"-payments\""),
        ("trailing_dash", "\"payments-\""),
        ("too_long", too_long.as_str()),
    ] {
        cases.push(case(
            &format!("app_{name}"),
            APP,
            &[("app", value)],
            INVALID,
            BAD_APP,
        ));
    }
    let account =
        |id: &str, env: &str| format!("[{{ account_id = \"{id}\", environment = \"{env}\" }}]");
    let long_function = format!("\"{}\"", "f".repeat(65));
    cases.extend([
        case(
            "account_too_short",
            APP,
            &[("accounts", &account("12345", "staging"))],
            "Invalid account id",
            "must be exactly 12 digits",
        ),
        case(
            "account_not_digits",
            APP,
            &[("accounts", &account("12345678901a", "staging"))],
            "Invalid account id",
            "must be exactly 12 digits",
        ),
        case(
            "account_environment_unknown",
            APP,
            &[("accounts", &account("123456789012", "prod"))],
            "Invalid environment",
            "use one of development, staging, production, sandbox",
        ),
        case(
            "account_twice",
            APP,
            &[(
                "accounts",
                &format!(
                    "[{STAGING}, {{ account_id = \"123456789012\", environment = \"production\" }}]"
                ),
            )],
            "Account listed twice",
            "appears more than once",
        ),
        case(
            "function_environment",
            FUNCTION,
            &[("environment", "\"qa\"")],
            INVALID,
            "is not an environment",
        ),
        case(
            "function_account",
            FUNCTION,
            &[("account_id", "\"1234\"")],
            INVALID,
            "exactly 12 digits",
        ),
        case(
            "function_name_arn",
            FUNCTION,
            &[(
                "function_name",
                "\"arn:aws:lambda:eu-west-1:123456789012:function:api\"",
            )],
            INVALID,
            "is not a Lambda function name",
        ),
        case(
            "function_name_too_long",
            FUNCTION,
            &[("function_name", &long_function)],
            INVALID,
            "is not a Lambda function name",
        ),
        case(
            "function_role_path",
            FUNCTION,
            &[("role_name", "\"app/payments/role\"")],
            INVALID,
            "is not an IAM role name",
        ),
        case(
            "function_region",
            FUNCTION,
            &[("region", "\"Europe\"")],
            INVALID,
            "is not an AWS region name",
        ),
        case(
            "function_app",
            FUNCTION,
            &[("app", "\"Pay\"")],
            INVALID,
            BAD_APP,
        ),
        case(
            "assignment_app",
            ASSIGNMENT,
            &[("app", "\"Bad App\"")],
            INVALID,
            BAD_APP,
        ),
        case(
            "data_app",
            DATA_APP,
            &[("app", "\"UPPER\"")],
            INVALID,
            BAD_APP,
        ),
    ]);
    for (name, secret) in [
        ("leading_period", "\".hidden\""),
        ("space", "\"has space\""),
        ("slash", "\"a/b\""),
    ] {
        cases.push(case(
            &format!("secret_{name}"),
            ASSIGNMENT,
            &[("secret", secret)],
            INVALID,
            "is not a valid Keywhiz secret name",
        ));
    }
    cases
}

fn plan_time_cases() -> Vec<Case> {
    let unknown_app = "Registry has no app named \"ghost\"";
    vec![
        case(
            "function_unknown_app",
            FUNCTION,
            &[("app", "\"ghost\"")],
            "Unknown app",
            unknown_app,
        ),
        case(
            "function_unregistered_account",
            FUNCTION,
            &[("account_id", "\"999999999999\"")],
            "Account not registered for the app",
            "has not registered account 999999999999",
        ),
        case(
            "function_other_environment",
            FUNCTION,
            &[
                ("environment", "\"production\""),
                ("function_name", "\"api2\""),
            ],
            "Environment differs from the account's",
            "Set `environment = \"staging\"`",
        ),
        case(
            "function_certificates_off",
            FUNCTION,
            &[("app", "\"nocerts\"")],
            "Certificate generation is off for the app",
            "Set `certificate_generation = true`",
        ),
        case(
            "function_wrong_aws_account",
            FUNCTION,
            &[
                ("account_id", "\"111122223333\""),
                ("environment", "\"production\""),
                ("function_name", "\"api3\""),
            ],
            "Wrong AWS account",
            "belong to account 123456789012",
        ),
        case(
            "assignment_unknown_secret",
            ASSIGNMENT,
            &[("secret", "\"no-such-secret\"")],
            "Unknown secret",
            "Keywhiz has no secret named \"no-such-secret\"",
        ),
        case(
            "assignment_unknown_app",
            ASSIGNMENT,
            &[("app", "\"ghost\"")],
            "Unknown app",
            unknown_app,
        ),
        case(
            "data_unknown_app",
            DATA_APP,
            &[("app", "\"ghost\"")],
            "Unknown app",
            unknown_app,
        ),
    ]
}

/// One attribute a line.
fn body(attributes: &[(&str, String)]) -> String {
    attributes
        .iter()
        .map(|(a, v)| format!("{a} = {v}\n"))
        .collect()
}

/// The header of block `name` of `kind`, as Terraform's snippet shows it for context.
fn header(kind: &str, name: &str) -> String {
    let (block, ty) = kind.split_once(' ').unwrap_or((kind, ""));
    format!("{block} \"{ty}\" \"{name}\"")
}

fn context(c: &Case) -> String {
    header(c.kind, &c.name)
}

/// A root module of these blocks (kind, name, body).
fn config<'a>(blocks: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> String {
    let mut hcl = HEADER.to_owned();
    for (kind, name, body) in blocks {
        hcl.push_str(&format!("{} {{\n{body}}}\n", header(kind, name)));
    }
    hcl
}

/// One plan of all `cases`: each fails with its own diagnostic at its
/// attribute, and Terraform reports no error that is not one of them.
fn assert_cases(tf: &Terraform, cases: &[Case]) {
    tf.write_config(&config(
        cases
            .iter()
            .map(|c| (c.kind, c.name.as_str(), c.body.as_str())),
    ));
    let diags: Vec<Value> = tf
        .plan_json_diagnostics()
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    let of_case = |d: &Value, c: &Case| {
        d["snippet"]["context"].as_str() == Some(context(c).as_str()) && d["summary"] == c.summary
    };
    for d in &diags {
        assert!(
            cases.iter().any(|c| of_case(d, c)),
            "an error no case expects:\n{d:#?}"
        );
    }
    for c in cases {
        let name = &c.name;
        let Some(d) = diags.iter().find(|d| of_case(d, c)) else {
            panic!(
                "{name} ({}): no diagnostic {:?} in\n{diags:#?}",
                c.body, c.summary
            );
        };
        let detail = d["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(c.detail),
            "{name}: {detail:?} lacks {:?}",
            c.detail
        );
        assert_eq!(
            pointed_attribute(d).as_deref(),
            Some(c.attribute),
            "{name}: the diagnostic points at {:?}, not at {}",
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

    // Import ids that do not parse name the expected form (into declared addresses,
    // so that it is the provider that refuses them, not Terraform).
    let declared: Vec<(&str, &str, String)> = [(FUNCTION, "f"), (ASSIGNMENT, "a"), (APP, "r")]
        .into_iter()
        .map(|(kind, name)| (kind, name, body(&valid(kind))))
        .collect();
    tf.write_config(&config(
        declared.iter().map(|(k, n, b)| (*k, *n, b.as_str())),
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
        let text = tf.import_refused(address, id);
        assert!(
            text.contains("Invalid import ID") && text.contains(expected),
            "{text}"
        );
    }
}
