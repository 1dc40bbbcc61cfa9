//! Who may assign a secret (ARCHITECTURE.md), under real Terraform: the pipeline of
//! app `orders` — with its own CI identity, which Registry lets change
//! `orders` only and Keywhiz knows as an automation client — cannot grant,
//! revoke, import or read the metadata of app `ledger`'s secrets, nor change
//! `ledger` in Registry, whatever it writes in its configuration; it can
//! assign its own secrets and those already granted to its app's groups.

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::{app_group, owned_secret, seed_app, seed_secret};
use acceptance_tests::{Stack, StackOptions, Terraform};
use mock_keywhiz::seed::{SeedClient, SeedGroup};
use serde_json::Value;

fn group(name: &str) -> SeedGroup {
    SeedGroup {
        name: name.into(),
        ..Default::default()
    }
}

fn seeds() -> (mock_registry::Seed, mock_keywhiz::Seed) {
    let mut registry = mock_registry::Seed::default();
    registry
        .apps
        .push(seed_app("ledger", &[("111111111111", "staging")], true));
    registry
        .apps
        .push(seed_app("orders", &[("222222222222", "staging")], true));
    let mut kw = mock_keywhiz::Seed::default();
    for g in ["ledger", "orders", "platform", "ledger-aws", "orders-aws"] {
        kw.groups.push(group(g));
    }
    kw.groups.push(app_group("shared"));
    // The datacenter clients of both apps, in their own groups.
    for (app, groups) in [
        ("ledger", vec!["ledger", "ledger-aws"]),
        ("orders", vec!["orders", "orders-aws"]),
    ] {
        kw.clients.push(SeedClient {
            name: app.into(),
            spiffe_id: Some(format!("spiffe://example.internal/{app}")),
            groups: groups.into_iter().map(str::to_owned).collect(),
            ..Default::default()
        });
    }
    // ledger's password, already mirrored into ledger's accounts.
    let mut password = owned_secret("ledger", "ledger:db-password", "ledger-pw", 0);
    password.groups = vec!["ledger-aws".into()];
    kw.secrets.push(password);
    // ledger's token, put into orders-aws by hand: that grant proves nothing.
    let mut token = owned_secret("ledger", "ledger:api-token", "ledger-token", 0);
    token.groups = vec!["orders-aws".into()];
    kw.secrets.push(token);
    // orders' own secret, and a platform secret granted to orders' group.
    kw.secrets
        .push(owned_secret("orders", "orders:api-key", "orders-key", 0));
    let mut ca = seed_secret("platform:ca-bundle", "ca", 0);
    ca.owner = Some("platform".into());
    ca.groups = vec!["orders".into()];
    kw.secrets.push(ca);
    (registry, kw)
}

fn assignment(name: &str, app: &str, secret: &str) -> String {
    format!("resource \"s2s_secret_assignment\" \"{name}\" {{\n  app    = \"{app}\"\n  secret = \"{secret}\"\n}}\n")
}

/// The error diagnostic about `address`, as (summary, detail).
fn error_at(diags: &[Value], address: &str) -> (String, String) {
    let d = diags
        .iter()
        .find(|d| d["severity"] == "error" && d["address"] == address)
        .unwrap_or_else(|| panic!("no error at {address} in {diags:#?}"));
    (
        d["summary"].as_str().unwrap_or_default().to_owned(),
        d["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn the_pipeline_of_app_b_cannot_touch_app_a() {
    let (registry, keywhiz) = seeds();
    let stack = Stack::start(StackOptions {
        registry_seed: Some(registry),
        keywhiz_seed: Some(keywhiz),
        ..Default::default()
    });
    let before_registry = stack.registry().state().unwrap().apps["ledger"].clone();
    let orders_ci = stack.pipeline_identity("orders");
    let mut tf = Terraform::s2s();
    stack.configure_as(&mut tf, &orders_ci);

    // Every way to reach ledger from orders' pipeline, in one plan.
    tf.write_config(&format!(
        "{HEADER}{}{}{}
resource \"s2s_registry_app\" \"ledger\" {{
  app      = \"ledger\"
  accounts = [{{ account_id = \"111111111111\", environment = \"staging\" }}]
}}
resource \"s2s_lambda_function\" \"ledger\" {{
  app           = \"ledger\"
  environment   = \"staging\"
  account_id    = \"111111111111\"
  function_name = \"ledger-api\"
  role_name     = \"ledger-api\"
  region        = \"eu-west-1\"
}}
",
        assignment("steal", "orders", "ledger:db-password"),
        assignment("as_ledger", "ledger", "ledger:db-password"),
        assignment("from_orders_aws", "orders", "ledger:api-token"),
    ));
    let diags = tf.plan_json_diagnostics();
    let (summary, detail) = error_at(&diags, "s2s_secret_assignment.steal");
    assert_eq!(summary, "Secret not readable by the app");
    assert!(
        detail.contains("is owned by the Keywhiz group \"ledger\""),
        "{detail}"
    );
    let (summary, detail) = error_at(&diags, "s2s_secret_assignment.from_orders_aws");
    assert_eq!(summary, "Secret not readable by the app", "{detail}");
    assert!(detail.contains("\"orders-aws\" does not count"), "{detail}");
    for address in [
        "s2s_secret_assignment.as_ledger",
        "s2s_registry_app.ledger",
        "s2s_lambda_function.ledger",
    ] {
        let (summary, detail) = error_at(&diags, address);
        assert_eq!(summary, "Not allowed to change this app", "{address}");
        assert!(
            detail.contains("spiffe://example.internal/ci/orders may not change app ledger"),
            "{detail}"
        );
        assert!(
            detail.contains("SPIFFE ID spiffe://example.internal/ci/orders"),
            "names what was presented: {detail}"
        );
    }
    let plan_text = serde_json::to_string(&diags).unwrap();
    assert!(
        !plan_text.contains("checksum"),
        "no metadata of ledger's secrets"
    );

    // Nor can it take ledger's grants into its state (to revoke them later).
    tf.write_config(&format!(
        "{HEADER}{}{}",
        assignment("x", "ledger", "ledger:db-password"),
        assignment("y", "orders", "ledger:api-token")
    ));
    for (address, id, refusal) in [
        (
            "s2s_secret_assignment.x",
            "ledger/ledger:db-password",
            "Not allowed to change this app",
        ),
        (
            "s2s_secret_assignment.y",
            "orders/ledger:api-token",
            "Secret not readable by the app",
        ),
    ] {
        let text = tf.import_refused(address, id);
        assert!(text.contains(refusal), "{address}: {text}");
    }
    assert!(tf.state_file().is_empty() || !tf.state_file().contains("ledger:"));

    // What orders may assign: its own secret, and one granted to its group.
    let allowed = format!(
        "{HEADER}{}{}",
        assignment("own", "orders", "orders:api-key"),
        assignment("granted", "orders", "platform:ca-bundle")
    );
    tf.apply_step(&allowed);

    // Keywhiz and Registry: ledger untouched, orders-aws holds what it may.
    let kw = stack.keywhiz().state().unwrap();
    let groups_of = |s: &str| kw.secrets[s].groups.iter().cloned().collect::<Vec<_>>();
    assert_eq!(groups_of("ledger:db-password"), vec!["ledger-aws"]);
    assert_eq!(groups_of("ledger:api-token"), vec!["orders-aws"]);
    assert_eq!(groups_of("orders:api-key"), vec!["orders-aws"]);
    assert_eq!(
        groups_of("platform:ca-bundle"),
        vec!["orders", "orders-aws"]
    );
    assert_eq!(
        stack.registry().state().unwrap().apps["ledger"],
        before_registry
    );
    let writes_by_orders: Vec<String> = stack
        .keywhiz()
        .server()
        .request_log()
        .into_iter()
        .chain(stack.registry().server().request_log())
        .filter(|r| r.caller == "spiffe://example.internal/ci/orders" && r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        writes_by_orders.iter().all(|w| !w.contains("ledger")),
        "{writes_by_orders:?}"
    );
    assert_eq!(
        writes_by_orders.len(),
        2,
        "two grants, nothing else: {writes_by_orders:?}"
    );
    tf.destroy();
    let kw = stack.keywhiz().state().unwrap();
    assert!(kw.secrets["ledger:db-password"]
        .groups
        .contains("ledger-aws"));
    assert!(!kw.secrets["orders:api-key"].groups.contains("orders-aws"));
}
