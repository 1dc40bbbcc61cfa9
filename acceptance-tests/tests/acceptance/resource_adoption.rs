//! No silent takeovers, under real Terraform: a second root module that
//! declares a grant, an app or a function that already exists is refused
//! with "import it" and writes nothing, so its destroy cannot revoke or
//! delete what the first module manages; importing it works.

use acceptance_tests::config::{api_function, app_id, key_assignment, staging_app, HEADER};
use acceptance_tests::stack::app_secrets;
use acceptance_tests::{Stack, StackOptions};

fn app() -> String {
    staging_app("orders", "orders", true)
}

fn assignment(app: &str) -> String {
    key_assignment(app, "orders:api-key")
}

fn function(app: &str) -> String {
    api_function(app, "111122223333", "orders-api")
}

#[test]
fn a_second_configuration_is_refused_and_cannot_revoke_the_first() {
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(app_secrets("orders", &[("orders:api-key", "k", 0)])),
        ..Default::default()
    });
    let first = stack.terraform();
    first.apply_step(&format!(
        "{HEADER}{}{}{}",
        app(),
        assignment(&app_id("orders")),
        function(&app_id("orders"))
    ));
    let granted = |stack: &Stack| {
        stack.keywhiz().state().unwrap().secrets["orders:api-key"]
            .groups
            .contains("orders-aws")
    };
    let registry_before = stack.registry().state().unwrap();

    // Each of the three, declared again elsewhere: plan warns, apply refuses.
    for (config, summary) in [
        (assignment("\"orders\""), "Secret already granted"),
        (app(), "App already registered"),
        (function("\"orders\""), "Function already registered"),
    ] {
        let second = stack.terraform();
        second.write_config(&format!("{HEADER}{config}"));
        let plan = second.run_ok(&["plan", "-no-color"]);
        if summary != "Function already registered" {
            assert!(
                plan.diagnostics().contains(&format!("Warning: {summary}")),
                "{}",
                plan.combined()
            );
        }
        let out = second.apply_err();
        let text = out.diagnostics();
        assert!(
            text.contains(&format!("{summary}, import it")) && text.contains("terraform import"),
            "{text}"
        );
        assert!(second.state_resources().is_empty(), "nothing adopted");
        second.destroy();
        assert!(granted(&stack), "the first module's grant survives");
        assert_eq!(stack.registry().state().unwrap(), registry_before);
    }

    // Importing is the way: the same state, an empty plan.
    let second = stack.terraform();
    second.write_config(&format!("{HEADER}{}", assignment("\"orders\"")));
    second.run_ok(&[
        "import",
        "-no-color",
        "s2s_secret_assignment.key",
        "orders/orders:api-key",
    ]);
    second.assert_plans_empty();
    assert_eq!(
        second.attributes("s2s_secret_assignment.key"),
        first.attributes("s2s_secret_assignment.key")
    );
}
