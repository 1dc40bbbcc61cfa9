//! Changes to an app that its functions rely on, under real Terraform:
//! turning `certificate_generation` off, removing an account or changing its
//! environment is refused at plan while a function of this configuration
//! still relies on it (naming the function), and goes through when the same
//! change removes the functions; a function registered by another
//! configuration is protected at apply. The plan judges what the
//! configuration will make true, so drift and "account + function in one
//! change" do not deadlock.

use acceptance_tests::config::HEADER;
use acceptance_tests::{Stack, StackOptions, Terraform};
use registry_client::{Account, AppSpec, Environment};
use serde_json::Value;

struct Config<'a> {
    certificates: bool,
    accounts: &'a [(&'a str, &'a str)],
    functions: &'a [(&'a str, &'a str, &'a str)],
}

impl Config<'_> {
    fn hcl(&self) -> String {
        let accounts: Vec<String> = self
            .accounts
            .iter()
            .map(|(id, env)| format!("{{ account_id = \"{id}\", environment = \"{env}\" }}"))
            .collect();
        let mut hcl = format!(
            "{HEADER}resource \"s2s_registry_app\" \"orders\" {{\n  app = \"orders\"\n  accounts = [{}]\n  certificate_generation = {}\n}}\n",
            accounts.join(", "),
            self.certificates
        );
        for (name, account, env) in self.functions {
            hcl.push_str(&format!(
                "resource \"s2s_lambda_function\" \"{name}\" {{\n  app = s2s_registry_app.orders.id\n  environment = \"{env}\"\n  account_id = \"{account}\"\n  function_name = \"{name}\"\n  role_name = \"{name}\"\n  region = \"eu-west-1\"\n}}\n"
            ));
        }
        hcl
    }
}

const STAGING: (&str, &str) = ("111111111111", "staging");
const PRODUCTION: (&str, &str) = ("222222222222", "production");

fn errors(tf: &Terraform) -> Vec<(String, String, String)> {
    tf.plan_json_diagnostics()
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (s(&d["address"]), s(&d["summary"]), s(&d["detail"]))
        })
        .collect()
}

fn functions(stack: &Stack) -> Vec<String> {
    stack.registry().state().unwrap().apps["orders"]
        .functions
        .keys()
        .cloned()
        .collect()
}

#[test]
fn what_functions_rely_on_is_guarded_and_the_plan_sees_the_planned_app() {
    let stack = Stack::start(StackOptions::default());
    let tf = stack.terraform();
    let both = [
        ("a", STAGING.0, STAGING.1),
        ("b", PRODUCTION.0, PRODUCTION.1),
    ];
    // Both accounts, a function in each, certificates on: where the test starts, and
    // where the last change comes back to.
    let both_functions = Config {
        certificates: true,
        accounts: &[STAGING, PRODUCTION],
        functions: &both,
    }
    .hcl();
    tf.apply_step(&both_functions);

    // Flag off while both functions stay: each is named.
    tf.write_config(
        &Config {
            certificates: false,
            accounts: &[STAGING, PRODUCTION],
            functions: &both,
        }
        .hcl(),
    );
    let errs = errors(&tf);
    for address in ["s2s_lambda_function.a", "s2s_lambda_function.b"] {
        assert!(
            errs.iter().any(|(a, s, d)| a == address
                && s == "Certificate generation is off for the app"
                && d.contains("This plan turns certificate_generation off")),
            "{address}: {errs:#?}"
        );
    }
    // Production dropped while b is still in it; staging's environment changed.
    tf.write_config(
        &Config {
            certificates: true,
            accounts: &[("111111111111", "sandbox")],
            functions: &both,
        }
        .hcl(),
    );
    let errs = errors(&tf);
    assert!(
        errs.iter().any(|(a, s, d)| a == "s2s_lambda_function.b"
            && s == "The app's plan removes this function's account"
            && d.contains("removes account 222222222222")),
        "{errs:#?}"
    );
    assert!(
        errs.iter().any(|(a, s, d)| a == "s2s_lambda_function.a"
            && s == "Environment differs from the account's"
            && d.contains("changes account 111111111111 of app \"orders\" to \"sandbox\"")),
        "{errs:#?}"
    );
    assert_eq!(functions(&stack).len(), 2, "nothing written");

    // The account and its function go in one change: Terraform destroys the
    // function first, then updates the app.
    tf.apply_step(
        &Config {
            certificates: true,
            accounts: &[STAGING],
            functions: &both[..1],
        }
        .hcl(),
    );
    assert_eq!(functions(&stack), vec!["111111111111/a"]);

    // Drift: the flag turned off and the function deregistered out of band.
    // The configuration says true: the plan turns it on and registers again.
    let admin = stack.registry_admin();
    let fa = stack
        .block_on(admin.get_function("orders", STAGING.0, "a"))
        .unwrap();
    stack
        .block_on(admin.delete_function("orders", STAGING.0, "a", &fa.etag))
        .unwrap();
    let now = stack.block_on(admin.get_app("orders")).unwrap();
    stack
        .block_on(admin.update_app(
            "orders",
            &AppSpec {
                accounts: vec![Account {
                    account_id: STAGING.0.into(),
                    environment: Environment::Staging,
                }],
                certificate_generation: false,
            },
            &now.etag,
        ))
        .unwrap();
    tf.apply();
    tf.assert_plans_empty();
    assert!(stack.registry().state().unwrap().apps["orders"].certificate_generation);

    // A new account and a function in it, in one change.
    tf.apply_step(&both_functions);
    assert_eq!(functions(&stack).len(), 2);

    // Another configuration's function in staging: turning the flag off here
    // (and removing this configuration's own functions) is refused at apply,
    // before the app is written.
    let other = stack.terraform();
    other.apply_step(&format!(
        "{HEADER}resource \"s2s_lambda_function\" \"x\" {{\n  app = \"orders\"\n  environment = \"staging\"\n  account_id = \"{}\"\n  function_name = \"other-x\"\n  role_name = \"x\"\n  region = \"eu-west-1\"\n}}\n",
        STAGING.0
    ));
    tf.write_config(
        &Config {
            certificates: false,
            accounts: &[STAGING, PRODUCTION],
            functions: &[],
        }
        .hcl(),
    );
    let plan = tf.run_ok(&["plan", "-no-color"]);
    assert!(
        plan.diagnostics()
            .contains("Warning: Registered functions rely on what this change removes"),
        "{}",
        plan.combined()
    );
    let out = tf.apply_err();
    let text = out.diagnostics();
    assert!(
        text.contains("orders/111111111111/other-x (certificate_generation is turned off")
            && text.contains("Nothing was written"),
        "{text}"
    );
    assert!(stack.registry().state().unwrap().apps["orders"].certificate_generation);
    assert_eq!(functions(&stack), vec!["111111111111/other-x"]);
}
