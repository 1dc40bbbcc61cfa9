//! The first grant for a new app costs a fixed number of Keywhiz requests,
//! whatever the number of existing clients: the provider finds the app's
//! client by name and in a few groups, never by listing every client. Counted
//! at the mock over the whole `terraform apply` (its plan included), with 10
//! and with 1000 existing clients.

use acceptance_tests::config::with_header;
use acceptance_tests::stack::{app_secrets, other_clients};
use acceptance_tests::{Stack, StackOptions};

const RESOURCES: &str = r#"
resource "s2s_registry_app" "orders" {
  app      = "orders"
  accounts = [{ account_id = "111122223333", environment = "staging" }]
}
resource "s2s_secret_assignment" "db" {
  app    = s2s_registry_app.orders.id
  secret = "orders:db-password"
}
"#;

/// Keywhiz requests of the first `terraform apply`, with `clients` other
/// clients in Keywhiz.
fn first_apply(clients: usize) -> Vec<String> {
    let mut seed = app_secrets("orders", &[("orders:db-password", "pw", 0)]);
    seed.clients.extend(other_clients(clients));
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(seed),
        ..Default::default()
    });
    let tf = stack.terraform();
    tf.write_config(&with_header(RESOURCES));
    stack.clear_logs();
    tf.apply();
    let requests: Vec<String> = stack
        .keywhiz()
        .server()
        .request_log()
        .into_iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect();
    // And it worked: the grant, the group and the app's client are there.
    let state = stack.keywhiz().state().unwrap();
    assert!(state.secrets["orders:db-password"]
        .groups
        .contains("orders-aws"));
    assert!(state.clients["orders"].groups.contains("orders-aws"));
    assert_eq!(state.clients.len(), clients + 2, "one new client");
    tf.assert_plans_empty();
    requests
}

#[test]
fn the_first_grant_costs_the_same_few_requests_with_1000_clients() {
    let few = first_apply(10);
    let many = first_apply(1000);
    println!("10 clients: {few:#?}\n1000 clients: {many:#?}");
    assert_eq!(
        few.len(),
        many.len(),
        "independent of the number of clients"
    );
    assert!(
        many.len() <= 10,
        "{} Keywhiz requests for the first grant: {many:#?}",
        many.len()
    );
    assert!(
        many.iter()
            .all(|r| !r.starts_with("GET /automation/v2/clients ")),
        "never lists every client"
    );
}
