//! Refresh sees what the syncer depends on, and import gives the state apply
//! gives, under real Terraform: the app's Keywhiz client removed from
//! `<app>-aws` out of band is planned back in; an `s2s_lambda_function`
//! imported without any provider Region takes the Region from its import ID
//! (and otherwise refuses with a message saying so).

use acceptance_tests::config::{api_function, app_id, key_assignment, staging_app, HEADER};
use acceptance_tests::stack::app_secrets;
use acceptance_tests::{Stack, StackOptions};
use keywhiz_client::ModifyGroupsRequest;

fn app() -> String {
    staging_app("orders", "orders", true)
}

#[test]
fn a_client_removed_from_the_group_is_planned_back() {
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(app_secrets("orders", &[("orders:api-key", "k", 0)])),
        ..Default::default()
    });
    let tf = stack.terraform();
    tf.apply_step(&format!(
        "{HEADER}{}{}",
        app(),
        key_assignment(&app_id("orders"), "orders:api-key")
    ));
    let member = |stack: &Stack| {
        stack.keywhiz().state().unwrap().clients["orders"]
            .groups
            .contains("orders-aws")
    };
    assert!(member(&stack));

    // Out of band: the app's client leaves orders-aws; its syncers would
    // fail every run from now on.
    let kw = stack.keywhiz_automation();
    stack
        .block_on(kw.modify_client_groups(
            "orders",
            &ModifyGroupsRequest {
                add_groups: vec![],
                remove_groups: vec!["orders-aws".into()],
            },
        ))
        .unwrap();
    tf.assert_plan("Plan: 0 to add, 1 to change, 0 to destroy.");
    tf.apply();
    tf.assert_plans_empty();
    assert!(member(&stack));
    assert_eq!(
        tf.attributes("s2s_secret_assignment.key")["keywhiz_client"],
        "orders"
    );
}

#[test]
fn a_function_imports_to_the_applied_state_without_a_provider_region() {
    let stack = Stack::start(StackOptions::default());
    let function = |app: &str| api_function(app, "111122223333", "orders-api");
    let tf = stack.terraform();
    tf.apply_step(&format!("{HEADER}{}{}", app(), function(&app_id("orders"))));
    let applied = tf.attributes("s2s_lambda_function.api");
    assert!(applied["certificate_read_policy_json"].is_string());

    // No provider Region anywhere: the import ID must carry it.
    let fresh = stack.terraform();
    fresh.write_config(&format!("{HEADER}{}", function("\"orders\"")));
    let text = fresh.import_refused("s2s_lambda_function.api", "orders/111122223333/orders-api");
    assert!(
        text.contains("Cannot import without an AWS Region")
            && text.contains("orders/111122223333/orders-api/<region>"),
        "{text}"
    );
    fresh.run_ok(&[
        "import",
        "-no-color",
        "s2s_lambda_function.api",
        "orders/111122223333/orders-api/eu-west-1",
    ]);
    assert_eq!(fresh.attributes("s2s_lambda_function.api"), applied);
    fresh.assert_plans_empty();
}
