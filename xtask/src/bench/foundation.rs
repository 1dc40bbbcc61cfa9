//! `bench/foundation.sh`: sync-slot balance, the plan cost of the provider
//! against Terraform's builtin, the handshake time and peak RSS (the figures
//! quoted in README.md). Timings are measured side by side in one run,
//! alternating the variants and reporting medians, since these machines are
//! noisy; counts are deterministic.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::config::{with_header, HEADER, S2S_SOURCE};
use acceptance_tests::stats::median;
use acceptance_tests::{generated_app_names, Provider, Terraform};

/// How evenly `sync_offset` spreads apps over the 15 minute slots.
pub fn slots(count: usize) {
    let mut load = [0usize; 15];
    for name in generated_app_names(count, 2026) {
        load[usize::from(s2s_core::sync_offset(&name))] += 1;
    }
    let max = *load.iter().max().unwrap_or(&0);
    let min = *load.iter().min().unwrap_or(&0);
    let mean = count as f64 / 15.0;
    println!("sync_offset load over the 15 slots for {count} generated app names:");
    println!(
        "| slot | {} |",
        (0..15)
            .map(|s| format!("{s:>3}"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|------|{}", "-----|".repeat(15));
    println!(
        "| apps | {} |",
        load.iter()
            .map(|l| format!("{l:>3}"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!(
        "min {min}, max {max}, mean {mean:.1}, max/mean {:.3}, min/mean {:.3}",
        max as f64 / mean,
        min as f64 / mean
    );
}

/// `terraform plan` of N `s2s_sync_schedule` data sources vs N builtin
/// `terraform_data` resources.
pub fn plan_ratio(count: usize, rounds: usize) {
    let tf = Terraform::s2s();
    let data_sources = format!(
        "{HEADER}data \"s2s_sync_schedule\" \"app\" {{\n  count = {count}\n  app   = \"app-${{count.index}}\"\n}}\n"
    );
    let builtin = format!(
        "resource \"terraform_data\" \"app\" {{\n  count = {count}\n  input = \"app-${{count.index}}\"\n}}\n"
    );
    let mut provider_ms = Vec::new();
    let mut builtin_ms = Vec::new();
    for _ in 0..rounds {
        for (config, samples) in [
            (&data_sources, &mut provider_ms),
            (&builtin, &mut builtin_ms),
        ] {
            tf.write_config(config);
            let started = Instant::now();
            plan_quietly(&tf, &["-refresh=true"]);
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let (p, b) = (median(&mut provider_ms), median(&mut builtin_ms));
    println!("terraform plan, {count} instances, median of {rounds} alternating runs:");
    println!("| what | median ms |\n|---|---|");
    println!("| {count} × data.s2s_sync_schedule | {p:.0} |");
    println!("| {count} × terraform_data (builtin, no provider) | {b:.0} |");
    println!("ratio s2s / builtin: {:.2}", p / b);
}

/// Time from exec to the handshake line, and the peak RSS of the provider
/// process under a 1000-data-source plan.
pub fn handshake(runs: usize) {
    let binary = acceptance_tests::built_binary("terraform-provider-s2s", false);
    let client_cert = std::env::temp_dir().join("s2s-bench-client.pem");
    let have_cert = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
        ])
        .args([
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "/dev/null",
        ])
        .arg("-out")
        .arg(&client_cert)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let mut plain = Vec::new();
    let mut tls = Vec::new();
    for _ in 0..runs {
        plain.push(time_to_handshake(&binary, None));
        if have_cert {
            tls.push(time_to_handshake(&binary, Some(&client_cert)));
        }
    }
    println!("provider start to handshake line, median of {runs}:");
    println!("| transport | median ms |\n|---|---|");
    println!(
        "| plaintext (TF_DISABLE_PLUGIN_TLS) | {:.2} |",
        median(&mut plain)
    );
    if have_cert {
        println!(
            "| AutoMTLS (P-521 client cert, as go-plugin) | {:.2} |",
            median(&mut tls)
        );
    }
    peak_rss(&binary);
}

fn time_to_handshake(binary: &std::path::Path, client_cert: Option<&std::path::Path>) -> f64 {
    let mut cmd = Command::new(binary);
    cmd.env(tfplugin::MAGIC_COOKIE_KEY, tfplugin::MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(cert) = client_cert {
        cmd.env(
            "PLUGIN_CLIENT_CERT",
            std::fs::read_to_string(cert).expect("read client cert"),
        );
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read handshake");
    let elapsed = started.elapsed();
    assert!(
        line.starts_with("1|6|tcp|"),
        "unexpected handshake {line:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed.as_secs_f64() * 1000.0
}

/// Runs a 1000-data-source plan with every provider process started under
/// /usr/bin/time, and reports the largest maximum RSS.
fn peak_rss(binary: &std::path::Path) {
    let wrapper_dir = tempfile::tempdir().expect("temp dir");
    let rss_log = wrapper_dir.path().join("rss.log");
    let wrapper = wrapper_dir.path().join("terraform-provider-s2s");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec /usr/bin/time -a -o {} -f %M {} \"$@\"\n",
            rss_log.display(),
            binary.display()
        ),
    )
    .expect("write wrapper");
    let mut perms = std::fs::metadata(&wrapper).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).expect("chmod");
    let tf = Terraform::new(&[Provider {
        source: S2S_SOURCE.into(),
        dir: wrapper_dir.path().to_path_buf(),
    }]);
    tf.write_config(&with_header(
        "data \"s2s_sync_schedule\" \"app\" {\n  count = 1000\n  app   = \"app-${count.index}\"\n}\n",
    ));
    plan_quietly(&tf, &[]);
    std::thread::sleep(Duration::from_millis(200));
    let log = std::fs::read_to_string(&rss_log).unwrap_or_default();
    let rss_kb: Vec<u64> = log.lines().filter_map(|l| l.trim().parse().ok()).collect();
    println!(
        "peak RSS of the provider over {} processes of a 1000-data-source plan: {:.1} MB (smallest {:.1} MB)",
        rss_kb.len(),
        rss_kb.iter().max().copied().unwrap_or(0) as f64 / 1024.0,
        rss_kb.iter().min().copied().unwrap_or(0) as f64 / 1024.0
    );
}

/// `terraform plan` that must succeed, without printing the plan (a timed
/// run of thousands of instances would mostly measure the printing).
fn plan_quietly(tf: &Terraform, extra: &[&str]) {
    let mut args = vec!["plan", "-input=false", "-no-color"];
    args.extend_from_slice(extra);
    let out = tf.command(&args).output().expect("run terraform");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
