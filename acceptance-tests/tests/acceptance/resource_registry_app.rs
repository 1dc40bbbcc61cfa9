//! `s2s_registry_app` under real Terraform against the mock Registry:
//! create, empty re-plans, in-place update, drift repaired, import (CLI and
//! import block) giving the same state, destroy leaving nothing behind; and
//! the data source.

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::seed_app;
use acceptance_tests::{Stack, StackOptions};
use registry_client::{Account, AppSpec, Environment};

fn app_config(accounts: &[(&str, &str)], certificate_generation: Option<bool>) -> String {
    let accounts: Vec<String> = accounts
        .iter()
        .map(|(id, env)| format!("    {{ account_id = \"{id}\", environment = \"{env}\" }},\n"))
        .collect();
    let flag = certificate_generation
        .map(|b| format!("  certificate_generation = {b}\n"))
        .unwrap_or_default();
    format!(
        "{HEADER}
resource \"s2s_registry_app\" \"payments\" {{
  app      = \"payments\"
  accounts = [
{}  ]
{flag}}}
output \"spiffe_id\" {{ value = s2s_registry_app.payments.spiffe_id }}
output \"etag\"      {{ value = s2s_registry_app.payments.etag }}
",
        accounts.concat()
    )
}

#[test]
fn registry_app_full_lifecycle() {
    let stack = Stack::start(StackOptions::default());
    let admin = stack.registry_admin();
    let tf = stack.terraform();

    // Create: certificate generation is off unless asked for.
    tf.apply_step(&app_config(&[("111122223333", "staging")], None));
    let app = stack.registry().state().unwrap().apps["payments"].clone();
    assert!(!app.certificate_generation);
    assert_eq!(app.accounts.len(), 1);
    assert_eq!(tf.output("spiffe_id"), "spiffe://example.internal/payments");

    // In place: add an account (listed in another order) and opt in to certificates.
    let out = tf.apply_step(&app_config(
        &[("444455556666", "production"), ("111122223333", "staging")],
        Some(true),
    ));
    assert!(
        out.stdout.contains("1 changed, 0 destroyed"),
        "{}",
        out.stdout
    );
    let app = stack.registry().state().unwrap().apps["payments"].clone();
    assert!(app.certificate_generation);
    assert_eq!(app.accounts.len(), 2);

    // Out of band: someone flips the flag off and drops an account.
    let current = stack.block_on(admin.get_app("payments")).unwrap();
    stack
        .block_on(admin.update_app(
            "payments",
            &AppSpec {
                accounts: vec![Account {
                    account_id: "111122223333".into(),
                    environment: Environment::Staging,
                }],
                certificate_generation: false,
            },
            &current.etag,
        ))
        .unwrap();
    assert!(tf.plan_has_changes(true), "refresh must see the drift");
    tf.apply();
    tf.assert_plans_empty();
    let app = stack.registry().state().unwrap().apps["payments"].clone();
    assert!(app.certificate_generation && app.accounts.len() == 2);

    // Out of band: the registration is deleted; plan re-creates it.
    let current = stack.block_on(admin.get_app("payments")).unwrap();
    stack
        .block_on(admin.delete_app("payments", &current.etag))
        .unwrap();
    let plan = tf.run_ok(&["plan", "-no-color"]);
    assert!(plan.stdout.contains("1 to add"), "{}", plan.stdout);
    tf.apply();
    tf.assert_plans_empty();
    let applied = tf.attributes("s2s_registry_app.payments");

    // Import with the CLI into a fresh state: the same state.
    let fresh = stack.terraform();
    fresh.write_config(&app_config(
        &[("111122223333", "staging"), ("444455556666", "production")],
        Some(true),
    ));
    fresh.run_ok(&[
        "import",
        "-no-color",
        "s2s_registry_app.payments",
        "payments",
    ]);
    assert_eq!(fresh.attributes("s2s_registry_app.payments"), applied);
    fresh.assert_plans_empty();

    // Import with an import block: the plan imports and changes nothing.
    let block = stack.terraform();
    block.write_config(&format!(
        "{}\nimport {{\n  to = s2s_registry_app.payments\n  id = \"payments\"\n}}\n",
        app_config(
            &[("111122223333", "staging"), ("444455556666", "production")],
            Some(true),
        )
    ));
    block.assert_plan("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.");

    // A bad import id, into the declared address of an empty state: the
    // provider (not Terraform's address check) refuses it and says what it
    // expects, and nothing is imported.
    let empty = stack.terraform();
    empty.write_config(&app_config(&[("111122223333", "staging")], None));
    let text = empty.import_refused("s2s_registry_app.payments", "Payments!");
    assert!(
        text.contains("Invalid import ID")
            && text.contains("\"Payments!\"")
            && text.contains("is not a valid app name"),
        "{text}"
    );

    // Destroy: Registry holds nothing of it.
    tf.destroy();
    assert!(stack.registry().state().unwrap().apps.is_empty());
}

#[test]
fn registry_app_data_source_reads_an_app() {
    let mut seed = mock_registry::Seed::default();
    seed.apps
        .push(seed_app("orders", &[("222233334444", "sandbox")], true));
    let stack = Stack::start(StackOptions {
        registry_seed: Some(seed),
        ..Default::default()
    });
    let tf = stack.terraform();
    tf.apply_step(&format!(
        "{HEADER}
data \"s2s_registry_app\" \"orders\" {{ app = \"orders\" }}
output \"accounts\" {{ value = data.s2s_registry_app.orders.accounts }}
output \"certs\"    {{ value = data.s2s_registry_app.orders.certificate_generation }}
"
    ));
    assert_eq!(
        tf.output("accounts"),
        serde_json::json!([{"account_id": "222233334444", "environment": "sandbox"}])
    );
    assert_eq!(tf.output("certs"), true);
}
