//! `bench/resources.sh`: the s2s resources against the mocks.
//!
//! 1. plan+apply (`terraform apply`, which plans first) of N
//!    `s2s_secret_assignment` resources vs N builtin `terraform_data`
//!    resources, N = 100 and 1000, alternating, fresh working directory each
//!    time, medians over the rounds and their ratio from the same run;
//! 2. requests the mocks see for one refresh (`terraform plan`) of N = 10,
//!    100, 1000 assignments of one app (deterministic counts).

use std::time::Instant;

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::{app_group, app_secrets, other_clients, owned_secret, seed_app};
use acceptance_tests::stats::median;
use acceptance_tests::{Stack, StackOptions, Terraform};

fn assignments(app: &str, count: usize) -> String {
    format!(
        "{HEADER}resource \"s2s_secret_assignment\" \"s\" {{\n  count  = {count}\n  app    = \"{app}\"\n  secret = \"{app}-secret-${{count.index}}\"\n}}\n"
    )
}

fn builtin(count: usize) -> String {
    format!(
        "resource \"terraform_data\" \"s\" {{\n  count = {count}\n  input = \"bench-secret-${{count.index}}\"\n}}\n"
    )
}

fn timed(tf: &Terraform, args: &[&str]) -> f64 {
    let started = Instant::now();
    let out = tf.command(args).output().expect("run terraform");
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!(
            "terraform {} failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
    secs
}

/// Runs the three tables, `rounds` alternating rounds for the timings.
pub fn run(rounds: usize) {
    let sizes = [100usize, 1000];
    let mut registry = mock_registry::Seed::default();
    let mut apps: Vec<(String, usize)> = (0..rounds)
        .flat_map(|r| sizes.iter().map(move |n| (format!("bench-r{r}-n{n}"), *n)))
        .collect();
    apps.extend(
        [10, 100, 1000]
            .iter()
            .map(|n| (format!("refresh-n{n}"), *n)),
    );
    // Each app assigns secrets of its own (owned by its group), as the
    // provider only lets an app mirror what it may already read.
    let mut kw = mock_keywhiz::Seed::default();
    for (app, n) in &apps {
        registry
            .apps
            .push(seed_app(app, &[("111122223333", "staging")], false));
        kw.groups.push(app_group(app));
        for i in 0..*n {
            kw.secrets.push(owned_secret(
                app,
                &format!("{app}-secret-{i}"),
                "bench-value",
                0,
            ));
        }
    }
    let stack = Stack::start(StackOptions {
        keywhiz_seed: Some(kw),
        registry_seed: Some(registry),
        ..Default::default()
    });
    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let fresh = || stack.terraform();

    println!("plan+apply (terraform apply) of N resources, {rounds} rounds alternating, medians:");
    println!("| N | s2s_secret_assignment (mocks) | terraform_data | ratio |");
    println!("|---|---|---|---|");
    for &n in &sizes {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for round in 0..rounds {
            // A new app per round: every grant is a real write.
            let tf = fresh();
            tf.write_config(&assignments(&format!("bench-r{round}-n{n}"), n));
            ours.push(timed(&tf, &apply));
            let tf = fresh();
            tf.write_config(&builtin(n));
            theirs.push(timed(&tf, &apply));
        }
        let (a, b) = (median(&mut ours), median(&mut theirs));
        println!("| {n} | {a:.2} s | {b:.2} s | {:.2}x |", a / b);
    }

    println!();
    println!("requests to the mocks for one refresh (terraform plan) of N assignments of one app:");
    println!("| N | Keywhiz requests | Registry requests | per resource |");
    println!("|---|---|---|---|");
    for n in [10usize, 100, 1000] {
        let tf = fresh();
        tf.write_config(&assignments(&format!("refresh-n{n}"), n));
        timed(&tf, &apply);
        stack.clear_logs();
        timed(&tf, &["plan", "-input=false", "-no-color", "-refresh=true"]);
        let k = stack.keywhiz().server().request_log().len();
        let r = stack.registry().server().request_log().len();
        println!("| {n} | {k} | {r} | {:.3} |", (k + r) as f64 / n as f64);
    }

    println!();
    println!("Keywhiz requests for the first grant of a new app (its whole terraform apply, plan included):");
    println!("| existing Keywhiz clients | Keywhiz requests | Registry requests |");
    println!("|---|---|---|");
    for clients in [10usize, 1000] {
        let mut seed = app_secrets("first", &[("first:db-password", "v", 0)]);
        seed.clients.extend(other_clients(clients));
        let stack = Stack::start(StackOptions {
            keywhiz_seed: Some(seed),
            ..Default::default()
        });
        let tf = stack.terraform();
        tf.write_config(&format!(
            "{HEADER}resource \"s2s_registry_app\" \"first\" {{\n  app      = \"first\"\n  accounts = [{{ account_id = \"111122223333\", environment = \"staging\" }}]\n}}\nresource \"s2s_secret_assignment\" \"db\" {{\n  app    = s2s_registry_app.first.id\n  secret = \"first:db-password\"\n}}\n"
        ));
        stack.clear_logs();
        timed(&tf, &apply);
        let k = stack.keywhiz().server().request_log().len();
        let r = stack.registry().server().request_log().len();
        println!("| {clients} | {k} | {r} |");
    }
}
