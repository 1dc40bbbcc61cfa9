//! Known at plan, checked at plan, under real Terraform:
//! `s2s_registry_app.id` is the app name in the plan, so on a first apply a
//! typo'd secret or an unregistered account fails the plan and nothing is
//! written; after `terraform state rm` of the app, its functions and grants
//! are not replaced, and importing the app gives back an empty plan.

use acceptance_tests::config::{api_function, app_id, key_assignment, staging_app, with_header};
use acceptance_tests::stack::app_secrets;
use acceptance_tests::{Stack, StackOptions};

fn config(secret: &str, function_account: &str) -> String {
    with_header(&format!(
        "{}{}{}",
        staging_app("orders", "orders", true),
        key_assignment(&app_id("orders"), secret),
        api_function(&app_id("orders"), function_account, "orders-api")
    ))
}

fn nothing_written(stack: &Stack) {
    assert!(stack.registry().state().unwrap().apps.is_empty(), "no app");
    let kw = stack.keywhiz().state().unwrap();
    assert!(!kw.groups.contains_key("orders-aws"), "no group");
    assert!(!kw.clients.contains_key("orders"), "no client");
}

#[test]
fn first_apply_checks_at_plan_and_state_rm_adopts_without_replacing() {
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(app_secrets("orders", &[("orders:api-key", "k", 0)])),
        ..Default::default()
    });
    let tf = stack.terraform();

    // A typo'd secret and an account the app does not register: the plan
    // says so, before the app, the group or the client are written.
    tf.write_config(&config("orders:api-kee", "999999999999"));
    let out = tf.apply_err();
    let text = out.diagnostics();
    assert!(
        text.contains("Keywhiz has no secret named \"orders:api-kee\""),
        "{text}"
    );
    assert!(
        text.contains("App \"orders\" has not registered account 999999999999; its planned accounts are: 111122223333 (staging)"),
        "{text}"
    );
    assert!(!out.stdout.contains("Creating..."), "nothing applied");
    nothing_written(&stack);

    // The app's id is known in the plan, and so is every reference to it.
    tf.write_config(&config("orders:api-key", "111122223333"));
    tf.run_ok(&["plan", "-no-color", "-out=first.tfplan"]);
    let planned = tf.run_ok(&["show", "-json", "first.tfplan"]).stdout;
    let planned: serde_json::Value = serde_json::from_str(&planned).unwrap();
    let resources = planned["planned_values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let value = |address: &str, attr: &str| {
        resources
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"][attr].clone())
            .unwrap_or_default()
    };
    assert_eq!(value("s2s_registry_app.orders", "id"), "orders");
    assert_eq!(
        value("s2s_secret_assignment.key", "id"),
        "orders/orders:api-key"
    );
    assert_eq!(
        value("s2s_lambda_function.api", "id"),
        "orders/111122223333/orders-api"
    );
    tf.run_ok(&["apply", "-no-color", "first.tfplan"]);
    tf.assert_plans_empty();
    let applied = tf.attributes("s2s_registry_app.orders");

    // The app leaves the state: its dependents stay as they are.
    tf.run_ok(&["state", "rm", "-no-color", "s2s_registry_app.orders"]);
    let plan = tf.assert_plan("Plan: 1 to add, 0 to change, 0 to destroy.");
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(
        plan.diagnostics()
            .contains("Warning: App already registered"),
        "{}",
        plan.combined()
    );
    tf.run_ok(&["import", "-no-color", "s2s_registry_app.orders", "orders"]);
    tf.assert_plans_empty();
    assert_eq!(tf.attributes("s2s_registry_app.orders"), applied);
    let kw = stack.keywhiz().state().unwrap();
    assert!(kw.secrets["orders:api-key"].groups.contains("orders-aws"));
    assert_eq!(
        stack.registry().state().unwrap().apps["orders"]
            .functions
            .len(),
        1
    );
}
