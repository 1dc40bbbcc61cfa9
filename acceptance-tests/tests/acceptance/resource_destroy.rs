//! `terraform destroy` is never refused by a create-time check, under real
//! Terraform. Terraform plans the whole configuration before it destroys
//! (its pre-destroy refresh), so a resource whose remote object is gone and
//! cannot be made again must not fail that plan: a secret deleted in
//! Keywhiz stays in state with a warning, and destroy goes through. And a
//! first apply that cannot succeed fails at plan, so there is nothing
//! half-written for destroy to trip over.

use acceptance_tests::config::{api_function, app_id, key_assignment, staging_app, with_header};
use acceptance_tests::stack::app_secrets;
use acceptance_tests::{Stack, StackOptions};
use keywhiz_client::DeletionMode;

fn config(app: &str, certificates: bool) -> String {
    with_header(&format!(
        "{}{}{}",
        staging_app("app", app, certificates),
        key_assignment(&app_id("app"), &format!("{app}:api-key")),
        api_function(&app_id("app"), "111122223333", "api")
    ))
}

#[test]
fn destroy_goes_through_after_a_secret_was_deleted_or_a_first_apply_failed() {
    let mut kw = app_secrets("orders", &[("orders:api-key", "k", 0)]);
    kw.groups
        .extend(app_secrets("shop", &[("shop:api-key", "k", 0)]).groups);
    kw.secrets
        .extend(app_secrets("shop", &[("shop:api-key", "k", 0)]).secrets);
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(kw),
        ..Default::default()
    });
    let keywhiz = stack.keywhiz_automation();

    // The secret is deleted in Keywhiz after the apply.
    let tf = stack.terraform();
    tf.apply_step(&config("orders", true));
    stack
        .block_on(keywhiz.delete_secret("orders:api-key", DeletionMode::Hard))
        .unwrap();
    let out = tf.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        out.code,
        0,
        "nothing to do, nothing refused:\n{}",
        out.combined()
    );
    assert!(
        out.diagnostics()
            .contains("Warning: Secret deleted in Keywhiz"),
        "{}",
        out.combined()
    );
    tf.run_ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    assert!(tf.attributes("s2s_secret_assignment.key")["checksum"].is_null());
    tf.destroy();
    assert!(stack.registry().state().unwrap().apps.is_empty());

    // What the docs say for a configuration that asks for what the provider
    // refuses (here, a secret that does not exist): `destroy -refresh=false`
    // skips Terraform's pre-destroy plan and destroys what the state holds.
    let assignment = "resource \"s2s_secret_assignment\" \"key\" {\n  app    = s2s_registry_app.app.id\n  secret = \"orders:api-key\"\n}\n";
    let without = config("orders", true).replace(assignment, "");
    assert!(!without.contains("s2s_secret_assignment"));
    tf.apply_step(&without);
    tf.write_config(&format!(
        "{without}resource \"s2s_secret_assignment\" \"typo\" {{\n  app    = s2s_registry_app.app.id\n  secret = \"orders:api-kee\"\n}}\n"
    ));
    tf.plan_err();
    tf.run_ok(&["destroy", "-auto-approve", "-refresh=false", "-no-color"]);
    assert!(stack.registry().state().unwrap().apps.is_empty());

    // A first apply that cannot work (no certificates for the function)
    // fails at plan; destroy then has nothing to undo, and succeeds.
    let tf = stack.terraform();
    tf.write_config(&config("shop", false));
    let out = tf.apply_err();
    assert!(
        out.diagnostics()
            .contains("Certificate generation is off for the app"),
        "{}",
        out.combined()
    );
    tf.destroy();
    assert!(stack.registry().state().unwrap().apps.is_empty());
    let state = stack.keywhiz().state().unwrap();
    assert!(!state.groups.contains_key("shop-aws"));
}
