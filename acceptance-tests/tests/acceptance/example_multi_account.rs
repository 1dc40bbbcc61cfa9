//! `examples/multi-account` under real Terraform, against the mocks and moto
//! (STS): one app in two AWS accounts, one provider configuration per
//! account assuming its deployer role, applied by the app's own pipeline
//! identity. The first plain apply names the `-target` step it needs (the
//! account configurations cannot see the default one's plan); after that
//! step everything applies, re-plans empty and destroys.

use acceptance_tests::config::copy_example;
use acceptance_tests::stack::{app_secrets, seed_app};
use acceptance_tests::{Stack, StackOptions, Terraform};

#[test]
fn one_app_in_two_accounts_applies_with_one_provider_per_account() {
    // Another app already exists: the pipeline of orders must leave it alone.
    let mut registry = mock_registry::Seed::default();
    registry
        .apps
        .push(seed_app("ledger", &[("333333333333", "staging")], false));
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(app_secrets("orders", &[("orders:db-password", "pw", 0)])),
        registry_seed: Some(registry),
        moto: true,
    });
    let pipeline = stack.pipeline_identity("orders");
    let mut tf = Terraform::s2s();
    stack.configure_as(&mut tf, &pipeline);
    copy_example(&tf, "multi-account");

    let out = tf.apply_err();
    let text = out.diagnostics();
    assert!(
        text.contains("Unknown app")
            && text.contains("terraform apply -target=s2s_registry_app.<name>"),
        "{text}"
    );
    assert!(!stack
        .registry()
        .state()
        .unwrap()
        .apps
        .contains_key("orders"));

    tf.run_ok(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-target=s2s_registry_app.orders",
    ]);
    tf.apply();
    tf.assert_plans_empty();

    let app = stack.registry().state().unwrap().apps["orders"].clone();
    assert_eq!(
        app.functions.keys().cloned().collect::<Vec<_>>(),
        vec!["111111111111/orders-api", "222222222222/orders-api"]
    );
    assert!(app
        .functions
        .values()
        .all(|f| f.updated_by == "spiffe://example.internal/ci/orders"));
    let hostnames = tf.output("mesh_hostnames");
    assert_eq!(
        hostnames["production"],
        "production.orders.meshproxy.example.internal"
    );
    let policies = tf.output("certificate_read_policies");
    for (env, account) in [("staging", "111111111111"), ("production", "222222222222")] {
        let policy = policies[env].as_str().unwrap_or_default();
        assert!(
            policy.contains(&format!(
                "arn:aws:secretsmanager:eu-west-1:{account}:secret:s2s/orders/tls-"
            )),
            "{env}: {policy}"
        );
    }
    let kw = stack.keywhiz().state().unwrap();
    assert!(kw.secrets["orders:db-password"]
        .groups
        .contains("orders-aws"));

    tf.destroy();
    let registry = stack.registry().state().unwrap();
    assert!(!registry.apps.contains_key("orders"));
    assert!(registry.apps.contains_key("ledger"));
}
