//! Requests per refresh: refreshing N assignments and M functions of one
//! app costs two Keywhiz listings (the group's secrets and its members) and
//! one Registry listing (plus the app's own read and the permission check),
//! not N + M — measured with the mocks' request logs.

use acceptance_tests::config::with_header;
use acceptance_tests::stack::{app_group, owned_secret};
use acceptance_tests::{Stack, StackOptions};

const SECRETS: usize = 40;
const FUNCTIONS: usize = 10;

fn config() -> String {
    let mut hcl = with_header(
        r#"resource "s2s_registry_app" "app" {
  app                    = "payments"
  accounts               = [{ account_id = "111122223333", environment = "staging" }]
  certificate_generation = true
}
"#,
    );
    hcl.push_str(&format!(
        r#"
resource "s2s_secret_assignment" "s" {{
  count  = {SECRETS}
  app    = s2s_registry_app.app.id
  secret = "payments-secret-${{count.index}}"
}}
resource "s2s_lambda_function" "f" {{
  count         = {FUNCTIONS}
  app           = s2s_registry_app.app.id
  environment   = "staging"
  account_id    = "111122223333"
  function_name = "fn-${{count.index}}"
  role_name     = "fn-role"
  region        = "eu-west-1"
}}
"#
    ));
    hcl
}

/// What a mock was asked, in order: `METHOD /path` each.
fn requests(server: &mock_common::MockServer) -> Vec<String> {
    server
        .request_log()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn refresh_costs_the_same_listings_per_app_however_many_resources() {
    let mut kw = mock_keywhiz::Seed::default();
    kw.groups.push(app_group("payments"));
    for i in 0..SECRETS {
        kw.secrets.push(owned_secret(
            "payments",
            &format!("payments-secret-{i}"),
            "v",
            0,
        ));
    }
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(kw),
        ..Default::default()
    });
    let tf = stack.terraform();
    tf.write_config(&config());
    tf.apply();

    stack.clear_logs();
    assert!(!tf.plan_has_changes(true));
    let keywhiz = requests(stack.keywhiz().server());
    let registry = requests(stack.registry().server());
    println!("keywhiz: {keywhiz:?}\nregistry: {registry:?}");
    let mut keywhiz_sorted = keywhiz.clone();
    keywhiz_sorted.sort();
    assert_eq!(
        keywhiz_sorted,
        vec![
            "GET /automation/v2/groups/payments-aws/clients",
            "GET /automation/v2/groups/payments-aws/secrets"
        ],
        "{SECRETS} assignments: the group's secrets and its members, two listings"
    );
    let mut registry_sorted = registry.clone();
    registry_sorted.sort();
    assert_eq!(
        registry_sorted,
        vec![
            "GET /v1/access/apps/payments",
            "GET /v1/apps/payments",
            "GET /v1/apps/payments/functions"
        ],
        "the permission, the app and {FUNCTIONS} functions: three reads"
    );
}
