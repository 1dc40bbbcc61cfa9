//! Settings and messages a user meets early, under real Terraform: the
//! expiry comes from the one rule the syncer tags by (Keywhiz's field, else
//! the `expiry` metadata key the syncer can see) with whole days counted up;
//! `expiry_warning_days` takes whole days; a missing `trust_domain` fails
//! the plan of an assignment, not its apply; importing a secret that is not
//! granted says so; the `<app>-s2s` client name is in the schema's docs.

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::{app_group, owned_secret, seed_app};
use acceptance_tests::{Stack, StackOptions};

fn assignment(name: &str, secret: &str) -> String {
    format!("resource \"s2s_secret_assignment\" \"{name}\" {{\n  app    = \"orders\"\n  secret = \"{secret}\"\n}}\n")
}

#[test]
fn settings_and_messages_a_user_meets_first() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let in_three_days = now + 3 * 86_400;
    let mut kw = mock_keywhiz::Seed::default();
    kw.groups.push(app_group("orders"));
    // The date only in the metadata the syncer sees...
    let mut by_metadata = owned_secret("orders", "orders:cert", "c", 0);
    by_metadata.metadata = [("expiry".to_string(), in_three_days.to_string())].into();
    kw.secrets.push(by_metadata);
    // ...and only in Keywhiz's own field, which the syncer cannot see.
    kw.secrets
        .push(owned_secret("orders", "orders:token", "t", in_three_days));
    kw.secrets
        .push(owned_secret("orders", "orders:other", "o", 0));
    let mut registry = mock_registry::Seed::default();
    registry
        .apps
        .push(seed_app("orders", &[("111122223333", "staging")], false));
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(kw),
        registry_seed: Some(registry),
        ..Default::default()
    });
    let tf = stack.terraform();

    let config = format!(
        "{HEADER}{}{}",
        assignment("cert", "orders:cert"),
        assignment("token", "orders:token")
    );
    tf.write_config(&config);
    let (code, diags) = tf.plan_json();
    assert_eq!(code, 0, "{diags:#?}");
    let warning = |address: &str| -> String {
        diags
            .iter()
            .find(|d| d["summary"] == "Secret expires soon" && d["address"] == address)
            .and_then(|d| d["detail"].as_str())
            .unwrap_or_else(|| panic!("no expiry warning for {address}: {diags:#?}"))
            .to_owned()
    };
    let by_metadata = warning("s2s_secret_assignment.cert");
    let by_field = warning("s2s_secret_assignment.token");
    assert!(by_metadata.contains("in 3 days"), "{by_metadata}");
    assert!(by_field.contains("in 3 days"), "{by_field}");
    assert!(
        by_field.contains("set the secret's metadata key `expiry`")
            && !by_metadata.contains("metadata key"),
        "only the field-only date is hidden from the syncer: {by_field} / {by_metadata}"
    );
    tf.apply_step(&config);
    for address in ["s2s_secret_assignment.cert", "s2s_secret_assignment.token"] {
        assert_eq!(tf.attributes(address)["expiry"], in_three_days, "{address}");
    }

    // A fraction of a day is refused, not rounded.
    tf.write_config(&format!(
        "{config}provider \"s2s\" {{\n  expiry_warning_days = 1.5\n}}\n"
    ));
    let text = tf.plan_err().diagnostics();
    assert!(text.contains("1.5 is not a whole number"), "{text}");

    // Without a trust domain the plan of a new assignment fails.
    let mut no_td = stack.terraform();
    no_td.set_env("S2S_TRUST_DOMAIN", "");
    no_td.write_config(&format!("{HEADER}{}", assignment("other", "orders:other")));
    let text = no_td.plan_err().diagnostics();
    assert!(text.contains("The provider has no trust domain"), "{text}");
    assert!(!stack.keywhiz().state().unwrap().secrets["orders:other"]
        .groups
        .contains("orders-aws"));

    // Importing a secret that exists but is not granted.
    let fresh = stack.terraform();
    fresh.write_config(&format!("{HEADER}{}", assignment("other", "orders:other")));
    let text = fresh.import_refused("s2s_secret_assignment.other", "orders/orders:other");
    assert!(
        text.contains(
            "Keywhiz secret \"orders:other\" exists but is not granted to \"orders-aws\""
        ),
        "{text}"
    );

    // The client names the provider uses are documented in the schema.
    let schema = fresh.run_ok(&["providers", "schema", "-json"]).stdout;
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    let description = schema["provider_schemas"]["registry.example.internal/platform/s2s"]
        ["resource_schemas"]["s2s_secret_assignment"]["block"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        description.contains("or `<app>-s2s` if `<app>` is a client with another identity"),
        "the <app>-s2s fallback is documented: {description}"
    );
}
