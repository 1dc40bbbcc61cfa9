//! Reliability of the s2s resources under real Terraform: the quickstart
//! converges while 30% of Registry and Keywhiz requests fail (5xx, 429,
//! connection resets) without duplicate or lost registrations; two applies
//! racing on one app leave exactly one winner and a clear conflict error.

use acceptance_tests::config::HEADER;
use std::path::Path;

use acceptance_tests::stack::{app_secrets, PROVIDER_SPIFFE_ID};
use acceptance_tests::{repo_root, Stack, StackOptions, Terraform};
use mock_common::Faults;

fn copy_quickstart(tf: &Terraform) {
    let dir = repo_root().join("examples/quickstart");
    for entry in std::fs::read_dir(&dir).expect("examples/quickstart") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            tf.write_file(name, &std::fs::read_to_string(&path).expect("read"));
        }
    }
}

fn seeded_keywhiz() -> mock_keywhiz::Seed {
    app_secrets(
        "payments",
        &[
            ("payments:db-password", "pw-value", 0),
            ("payments-api-key", "key-value", 0),
        ],
    )
}

#[test]
fn quickstart_converges_with_30_percent_faults() {
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(seeded_keywhiz()),
        ..Default::default()
    });
    let tf = stack.terraform();
    copy_quickstart(&tf);
    stack.set_faults(Faults {
        error_rate: 0.1,
        throttle_rate: 0.1,
        reset_rate: 0.1,
        ..Faults::none()
    });
    stack.clear_logs();
    tf.apply();
    let injected: u64 = [stack.registry().server(), stack.keywhiz().server()]
        .iter()
        .map(|s| s.counters().faults.values().sum::<u64>())
        .sum();
    assert!(injected > 0, "faults were injected");
    // Still converged when refreshed through the faults.
    assert!(!tf.plan_has_changes(true));
    stack.set_faults(Faults::none());
    tf.assert_plans_empty();

    // Exactly what the quickstart declares: no duplicates, nothing lost.
    let registry = stack.registry().state().unwrap();
    assert_eq!(registry.apps.len(), 1);
    assert_eq!(registry.apps["payments"].functions.len(), 1);
    let keywhiz = stack.keywhiz().state().unwrap();
    assert_eq!(
        keywhiz.groups.keys().collect::<Vec<_>>(),
        vec!["payments", "payments-aws"],
        "the app's own group (seeded) and its AWS group"
    );
    let app_clients: Vec<_> = keywhiz
        .clients
        .values()
        .filter(|c| c.spiffe_id.as_deref() == Some("spiffe://example.internal/payments"))
        .collect();
    assert_eq!(app_clients.len(), 1, "one client for the app");
    assert!(app_clients[0].groups.contains("payments-aws"));
    for s in ["payments:db-password", "payments-api-key"] {
        assert!(
            keywhiz.secrets[s].groups.contains("payments-aws"),
            "{s} granted"
        );
    }
    assert_eq!(
        keywhiz.clients.len(),
        2,
        "the provider's automation client and the app's client"
    );
    assert!(keywhiz
        .clients
        .values()
        .any(|c| c.spiffe_id.as_deref() == Some(PROVIDER_SPIFFE_ID)));

    // Destroy through the faults too: nothing of it left in Registry.
    stack.set_faults(Faults {
        error_rate: 0.1,
        throttle_rate: 0.1,
        reset_rate: 0.1,
        ..Faults::none()
    });
    tf.destroy();
    stack.set_faults(Faults::none());
    assert!(stack.registry().state().unwrap().apps.is_empty());
    let keywhiz = stack.keywhiz().state().unwrap();
    assert!(keywhiz.secrets.values().all(|s| s.groups.is_empty()));
}

fn app_config(dir: &Path, accounts: &str, certs: bool) {
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"{HEADER}resource "s2s_registry_app" "race" {{
  app                    = "race"
  accounts               = [{accounts}]
  certificate_generation = {certs}
}}
"#
        ),
    )
    .expect("write config");
}

#[test]
fn two_applies_racing_on_one_app_have_one_winner() {
    let stack = Stack::start(StackOptions::default());
    let staging = r#"{ account_id = "111122223333", environment = "staging" }"#;
    let both = r#"{ account_id = "111122223333", environment = "staging" }, { account_id = "444455556666", environment = "production" }"#;
    let mut a = Terraform::s2s();
    let mut b = Terraform::s2s();
    stack.configure(&mut a);
    stack.configure(&mut b);
    app_config(a.dir(), staging, false);
    a.apply();
    app_config(b.dir(), staging, false);
    b.run_ok(&["import", "-no-color", "s2s_registry_app.race", "race"]);

    // Both pipelines plan against the same ETag, then apply at once.
    app_config(a.dir(), staging, true);
    app_config(b.dir(), both, false);
    a.run_ok(&["plan", "-out=race.tfplan", "-no-color"]);
    b.run_ok(&["plan", "-out=race.tfplan", "-no-color"]);
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| a.run(&["apply", "-no-color", "race.tfplan"]));
        let hb = s.spawn(|| b.run(&["apply", "-no-color", "race.tfplan"]));
        (ha.join().expect("a"), hb.join().expect("b"))
    });
    let winners = [&ra, &rb].iter().filter(|o| o.code == 0).count();
    assert_eq!(winners, 1, "exactly one apply wins");
    let (winner_is_a, loser) = if ra.code == 0 {
        (true, &rb)
    } else {
        (false, &ra)
    };
    let text = loser.diagnostics();
    assert!(
        text.contains("changed since you planned, run plan again")
            && text.contains("Nothing was written"),
        "{text}"
    );
    // Registry holds the winner's version, untouched by the loser.
    let app = stack.registry().state().unwrap().apps["race"].clone();
    if winner_is_a {
        assert!(app.certificate_generation && app.accounts.len() == 1);
    } else {
        assert!(!app.certificate_generation && app.accounts.len() == 2);
    }
}
