//! `s2s_secret_assignment` under real Terraform against mock Keywhiz and
//! mock Registry: create (group made, existing client reused by SPIFFE ID),
//! empty re-plans, rotation seen without a diff, revoke repaired, import,
//! destroy revoking only the grant, the expiry warning — and the seeded
//! secret's contents nowhere in state, show -json, plan output or the
//! TF_LOG=trace log of the whole lifecycle.

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::{app_group, base64_encode, owned_secret, seed_app};
use acceptance_tests::{Stack, StackOptions};
use keywhiz_client::{CreateOrUpdateSecretRequest, ModifyGroupsRequest, SecretContent};
use mock_keywhiz::seed::SeedClient;
use serde_json::Value;

const CANARY: &str = "canary-7f3e9a51-do-not-leak";
const ROTATED: &str = "rotated-4b1c2d77-do-not-leak";

fn config(secrets: &[&str]) -> String {
    let mut hcl = String::from(HEADER);
    for (i, s) in secrets.iter().enumerate() {
        hcl.push_str(&format!(
            "resource \"s2s_secret_assignment\" \"s{i}\" {{\n  app    = \"payments\"\n  secret = \"{s}\"\n}}\n"
        ));
    }
    hcl
}

fn granted(stack: &Stack) -> Vec<String> {
    let kw = stack.keywhiz_automation();
    match stack.block_on(kw.group_secrets("payments-aws")) {
        Ok(list) => list.into_iter().map(|s| s.info.name).collect(),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn secret_assignment_full_lifecycle_leaks_nothing() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut kw_seed = mock_keywhiz::Seed::default();
    kw_seed.groups.push(app_group("payments"));
    kw_seed
        .secrets
        .push(owned_secret("payments", "payments:db-password", CANARY, 0));
    kw_seed.secrets.push(owned_secret(
        "payments",
        "payments-api-key",
        "another-value",
        now + 5 * 86_400,
    ));
    // The app's datacenter client has the app's SPIFFE ID under another
    // name, as a member of the app's own group.
    kw_seed.clients.push(SeedClient {
        name: "payments-legacy".into(),
        spiffe_id: Some("spiffe://example.internal/payments".into()),
        groups: vec!["payments".into()],
        ..Default::default()
    });
    let mut reg_seed = mock_registry::Seed::default();
    reg_seed
        .apps
        .push(seed_app("payments", &[("111122223333", "staging")], false));
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(kw_seed),
        registry_seed: Some(reg_seed),
        ..Default::default()
    });
    let kw = stack.keywhiz_automation();
    let mut tf = stack.terraform();
    let log = tf.dir().join("trace.log");
    tf.set_env("TF_LOG", "trace")
        .set_env("TF_LOG_PATH", log.display().to_string());
    let mut printed = String::new();

    // Create: the group is made, the existing client is reused and enrolled.
    printed += &tf.apply_step(&config(&["payments:db-password"])).combined();
    assert_eq!(granted(&stack), vec!["payments:db-password"]);
    let state = stack.keywhiz().state().unwrap();
    assert!(state.groups.contains_key("payments-aws"));
    assert!(!state.clients.contains_key("payments"), "no second client");
    assert_eq!(
        tf.attributes("s2s_secret_assignment.s0")["keywhiz_client"],
        "payments-legacy"
    );
    assert!(state.clients["payments-legacy"]
        .groups
        .contains("payments-aws"));
    let a = tf.attributes("s2s_secret_assignment.s0");
    assert_eq!(a["secretsmanager_name"], "keywhiz/payments@db-password");
    assert_eq!(a["id"], "payments/payments:db-password");
    assert!(a["expiry"].is_null());
    let checksum = a["checksum"].as_str().unwrap().to_owned();

    // A second secret expiring in 5 days: plan warns (default 30 days ahead).
    tf.write_config(&config(&["payments:db-password", "payments-api-key"]));
    let plan = tf.run_ok(&["plan", "-no-color"]);
    printed += &plan.combined();
    let text = plan.diagnostics();
    assert!(text.contains("Warning: Secret expires soon"), "{text}");
    assert!(text.contains("payments-api-key"), "{text}");
    // Seeded 5 days ahead: that is 5 days, not 4, a moment later.
    assert!(text.contains("in 5 days"), "{text}");
    printed += &tf
        .apply_step(&config(&["payments:db-password", "payments-api-key"]))
        .combined();

    // Rotation: refresh records the new checksum, nothing to change.
    stack
        .block_on(kw.create_or_update_secret(
            "payments:db-password",
            &CreateOrUpdateSecretRequest {
                content: SecretContent::from_bytes(ROTATED.as_bytes()),
                kind: "password".into(),
                ..Default::default()
            },
        ))
        .unwrap();
    tf.assert_plans_empty();
    tf.run_ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let rotated = tf.attributes("s2s_secret_assignment.s0");
    assert_ne!(rotated["checksum"], Value::from(checksum));

    // Out of band: the grant is revoked; plan grants it again.
    stack
        .block_on(kw.modify_secret_groups(
            "payments:db-password",
            &ModifyGroupsRequest {
                add_groups: vec![],
                remove_groups: vec!["payments-aws".into()],
            },
        ))
        .unwrap();
    let plan = tf.assert_plan("Plan: 1 to add, 0 to change, 0 to destroy.");
    printed += &plan.combined();
    tf.apply();
    tf.assert_plans_empty();
    assert_eq!(granted(&stack).len(), 2);
    let applied = tf.attributes("s2s_secret_assignment.s0");

    // Import into a fresh state: the same state.
    let fresh = stack.terraform();
    fresh.write_config(&config(&["payments:db-password"]));
    fresh.run_ok(&[
        "import",
        "-no-color",
        "s2s_secret_assignment.s0",
        "payments/payments:db-password",
    ]);
    assert_eq!(fresh.attributes("s2s_secret_assignment.s0"), applied);
    fresh.assert_plans_empty();

    // Leak check over everything Terraform wrote or printed.
    let shown = tf.run_ok(&["show", "-json"]).stdout;
    let state = tf.state_file();
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        trace.contains("s2s_secret_assignment"),
        "trace log was written"
    );
    for secret in [CANARY, ROTATED] {
        for form in [secret.to_owned(), base64_encode(secret.as_bytes())] {
            for (what, text) in [
                ("state file", &state),
                ("show -json", &shown),
                ("plan/apply output", &printed),
                ("TF_LOG=trace log", &trace),
            ] {
                assert!(!text.contains(&form), "secret contents in the {what}");
            }
        }
    }

    // Destroy: the grants are revoked; the group, the client and the secrets stay.
    tf.destroy();
    assert!(granted(&stack).is_empty());
    let state = stack.keywhiz().state().unwrap();
    assert!(state.groups.contains_key("payments-aws"));
    assert!(state.clients["payments-legacy"]
        .groups
        .contains("payments-aws"));
    assert_eq!(state.secrets.len(), 2);
}
