//! `s2s_lambda_function` under real Terraform against the mock Registry and
//! moto (STS): create with the app in the same apply, empty re-plans, the
//! computed values, in-place update, drift repaired, import, destroy.

use acceptance_tests::config::HEADER;
use acceptance_tests::{Stack, StackOptions};
use registry_client::{Environment, FunctionSpec};
use serde_json::Value;

/// moto's default account: the caller of every STS call in these tests.
const ACCOUNT: &str = "123456789012";

fn config(role_name: &str, with_output: bool) -> String {
    let outputs = if with_output {
        r#"
output "mesh_hostname" { value = s2s_lambda_function.api.mesh_hostname }
output "env"           { value = s2s_lambda_function.api.environment_variables }
output "policy"        { value = s2s_lambda_function.api.certificate_read_policy_json }
output "secret"        { value = s2s_lambda_function.api.certificate_secret_name }
"#
    } else {
        ""
    };
    format!(
        r#"{HEADER}resource "s2s_registry_app" "payments" {{
  app                    = "payments"
  accounts               = [{{ account_id = "{ACCOUNT}", environment = "staging" }}]
  certificate_generation = true
}}
resource "s2s_lambda_function" "api" {{
  app           = s2s_registry_app.payments.id
  environment   = "staging"
  account_id    = "{ACCOUNT}"
  function_name = "payments-api"
  role_name     = "{role_name}"
}}
{outputs}"#
    )
}

fn registered(stack: &Stack) -> Vec<String> {
    stack
        .registry()
        .state()
        .unwrap()
        .apps
        .get("payments")
        .map(|a| a.functions.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn lambda_function_full_lifecycle() {
    let stack = Stack::start(StackOptions {
        moto: true,
        ..Default::default()
    });
    let admin = stack.registry_admin();
    let tf = stack.terraform();

    // Create together with the app (the function waits for `app`'s id).
    tf.apply_step(&config("payments-api", true));
    assert_eq!(registered(&stack).len(), 1);
    assert_eq!(
        tf.output("mesh_hostname"),
        "staging.payments.meshproxy.example.internal"
    );
    assert_eq!(tf.output("secret"), "s2s/payments/tls");
    let env = tf.output("env");
    assert_eq!(env["S2S_SPIFFE_ID"], "spiffe://example.internal/payments");
    assert_eq!(env["S2S_CERTIFICATE_SECRET"], "s2s/payments/tls");
    assert_eq!(
        env["S2S_MESH_HOSTNAME"],
        "staging.payments.meshproxy.example.internal"
    );
    let policy: Value = serde_json::from_str(tf.output("policy").as_str().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        format!("arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:s2s/payments/tls-??????")
    );
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 1);

    // In place: a new role name.
    let out = tf.apply_step(&config("payments-api-v2", true));
    assert!(
        out.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        out.stdout
    );
    let f = stack
        .block_on(admin.get_function("payments", ACCOUNT, "payments-api"))
        .unwrap();
    assert_eq!(f.role_name, "payments-api-v2");

    // Out of band: the role is changed; refresh sees it, apply puts it back.
    stack
        .block_on(admin.update_function(
            "payments",
            ACCOUNT,
            "payments-api",
            &FunctionSpec {
                environment: Environment::Staging,
                role_name: "hijacked".into(),
            },
            &f.etag,
        ))
        .unwrap();
    assert!(tf.plan_has_changes(true));
    tf.apply();
    tf.assert_plans_empty();
    let f = stack
        .block_on(admin.get_function("payments", ACCOUNT, "payments-api"))
        .unwrap();
    assert_eq!(f.role_name, "payments-api-v2");

    // Out of band: the registration is deleted; plan registers it again.
    stack
        .block_on(admin.delete_function("payments", ACCOUNT, "payments-api", &f.etag))
        .unwrap();
    tf.assert_plan("Plan: 1 to add, 0 to change, 0 to destroy.");
    tf.apply();
    tf.assert_plans_empty();
    let applied = tf.attributes("s2s_lambda_function.api");

    // Import into a fresh state (app first, then the function): same state.
    let fresh = stack.terraform();
    fresh.write_config(&config("payments-api-v2", false));
    fresh.run_ok(&[
        "import",
        "-no-color",
        "s2s_registry_app.payments",
        "payments",
    ]);
    let id = format!("payments/{ACCOUNT}/payments-api");
    fresh.run_ok(&["import", "-no-color", "s2s_lambda_function.api", &id]);
    assert_eq!(fresh.attributes("s2s_lambda_function.api"), applied);
    fresh.assert_plans_empty();

    // Destroy: the function (and the app) are gone from Registry.
    tf.write_config(&config("payments-api-v2", false));
    tf.destroy();
    assert!(stack.registry().state().unwrap().apps.is_empty());
}
