//! Reliability of the s2s resources under real Terraform: the quickstart
//! converges while 30% of Registry and Keywhiz requests fail (5xx, 429,
//! connection resets) without duplicate or lost registrations; two applies
//! racing on one app leave exactly one winner and a clear conflict error.

use std::path::Path;

use acceptance_tests::config::{copy_example, HEADER};

use acceptance_tests::stack::{app_secrets, PROVIDER_SPIFFE_ID};
use acceptance_tests::{Stack, StackOptions, Terraform};
use mock_common::Faults;

fn seeded_keywhiz() -> mock_keywhiz::Seed {
    app_secrets(
        "payments",
        &[
            ("payments:db-password", "pw-value", 0),
            ("payments-api-key", "key-value", 0),
        ],
    )
}

/// The faults' seed unless `S2S_FAULT_SEED` names one: with it, the first request
/// each mock sees (Registry: this seed, Keywhiz: the next one) meets a fault.
const SEED: u64 = 7;

/// 30% of requests fail: a third each 5xx, 429 and connection reset.
fn thirty_percent(seed: u64) -> Faults {
    Faults {
        error_rate: 0.1,
        throttle_rate: 0.1,
        reset_rate: 0.1,
        seed: Some(seed),
        ..Faults::none()
    }
}

/// Both mocks' fault settings from one seed, each checked up front to fault the
/// first request it meets (so that a run cannot pass without meeting a fault).
fn seeded_faults() -> (Faults, Faults) {
    let seed = mock_common::faults::env_seed()
        .expect("S2S_FAULT_SEED")
        .unwrap_or(SEED);
    eprintln!("fault seed {seed} (S2S_FAULT_SEED replays it)");
    let registry = thirty_percent(seed);
    let keywhiz = thirty_percent(seed.wrapping_add(1));
    for (mock, faults) in [("Registry", &registry), ("Keywhiz", &keywhiz)] {
        let first = faults.preview(1).expect("preview");
        assert!(
            first[0].1.is_some(),
            "seed {seed} does not fault the first {mock} request; this test needs one that does"
        );
    }
    (registry, keywhiz)
}

/// Sets the faults (every setting restarts the draws from its seed); `None`: none.
fn set_faults(stack: &Stack, faults: Option<&(Faults, Faults)>) {
    let (registry, keywhiz) = faults.cloned().unwrap_or_default();
    stack
        .registry()
        .server()
        .set_faults(registry)
        .expect("registry faults");
    stack
        .keywhiz()
        .server()
        .set_faults(keywhiz)
        .expect("keywhiz faults");
}

/// The faults each mock injected since its log was last cleared.
fn injected(stack: &Stack) -> [(&'static str, u64); 2] {
    let count = |s: &mock_common::MockServer| s.counters().faults.values().sum::<u64>();
    [
        ("Registry", count(stack.registry().server())),
        ("Keywhiz", count(stack.keywhiz().server())),
    ]
}

fn assert_faults_met(stack: &Stack, phase: &str) {
    for (mock, n) in injected(stack) {
        assert!(n > 0, "{phase}: {mock} injected no fault");
    }
}

#[test]
fn quickstart_converges_with_30_percent_faults() {
    let faults = seeded_faults();
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(seeded_keywhiz()),
        ..Default::default()
    });
    let tf = stack.terraform();
    copy_example(&tf, "quickstart");
    set_faults(&stack, Some(&faults));
    stack.clear_logs();
    tf.apply();
    assert_faults_met(&stack, "apply");
    // Still converged when refreshed through the faults.
    assert!(!tf.plan_has_changes(true));
    set_faults(&stack, None);
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
    set_faults(&stack, Some(&faults));
    stack.clear_logs();
    tf.destroy();
    assert_faults_met(&stack, "destroy");
    set_faults(&stack, None);
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
