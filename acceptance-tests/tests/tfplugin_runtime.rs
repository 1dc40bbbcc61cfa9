//! The tfplugin runtime under real Terraform, through its own test provider
//! (`tfplugin/examples/terraform-provider-tfptest.rs`): TCP_NODELAY, Ctrl-C
//! keeping the resource being created, messages above 4 MiB, logs reaching
//! `TF_LOG` (ARCHITECTURE.md, "Why the provider runs on a runtime of our own").

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::{provider_dir, Provider, Terraform};

const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    tfptest = { source = "s2s/tfptest" }
  }
}
"#;

fn tfptest() -> Provider {
    Provider {
        source: "s2s/tfptest".into(),
        dir: provider_dir("terraform-provider-tfptest", true),
    }
}

/// A Ctrl-C (SIGINT to Terraform's whole process group, as a terminal sends
/// it) while a create is in flight must not orphan the resource.
#[test]
fn ctrl_c_during_a_slow_create_still_records_the_resource() {
    let tf = Terraform::new(&[tfptest()]);
    tf.write_config(&format!(
        "{REQUIRED_PROVIDERS}\nresource \"tfptest_slow\" \"x\" {{\n  name     = \"survivor\"\n  delay_ms = 3000\n}}\n"
    ));
    let mut cmd = tf.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start terraform apply");
    let pgid = child.id();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let started = Instant::now();
    // Wait until Terraform reports the create as started, then interrupt.
    loop {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).expect("read terraform output");
        seen.push_str(&line);
        if line.contains("tfptest_slow.x: Creating...") {
            break;
        }
        assert!(
            n > 0 && started.elapsed() < Duration::from_secs(60),
            "create never started:\n{seen}"
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    // Signal exactly Terraform's group, never our own.
    assert_eq!(process_group_of(&pgid.to_string()), pgid);
    assert_ne!(process_group_of("self"), pgid);
    let status = Command::new("kill")
        .args(["-s", "INT", "--", &format!("-{pgid}")])
        .status()
        .expect("send SIGINT");
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read rest");
    let out = child.wait_with_output().expect("wait for terraform");
    println!("{seen}{rest}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        rest.contains("Interrupt received") || rest.contains("Stopping operation"),
        "Terraform did not see the interrupt:\n{rest}"
    );
    let state = tf.show_json();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let slow = resources
        .iter()
        .find(|r| r["address"] == "tfptest_slow.x")
        .unwrap_or_else(|| panic!("the resource was orphaned: not in state\n{state:#}"));
    assert_eq!(slow["values"]["id"], "slow-survivor");
}

/// The process group of a pid (or "self"), from /proc.
fn process_group_of(pid: &str) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc stat");
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    after_name
        .split_whitespace()
        .nth(2)
        .and_then(|f| f.parse().ok())
        .expect("pgrp field")
}

/// Provider log lines reach Terraform's log at the right level.
#[test]
fn tf_log_debug_shows_the_providers_log_lines() {
    let mut tf = Terraform::new(&[tfptest()]);
    let log = tf.dir().join("terraform.log");
    tf.set_env("TF_LOG", "debug")
        .set_env("TF_LOG_PATH", log.display().to_string());
    tf.write_config(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"tfptest\" {{\n  label = \"L\"\n}}\ndata \"tfptest_echo\" \"x\" {{\n  in = \"hi\"\n}}\n"
    ));
    tf.run_ok(&["plan", "-input=false", "-no-color"]);
    let text = std::fs::read_to_string(&log).expect("TF_LOG_PATH written");
    let provider_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-tfptest:"))
        .collect();
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("[DEBUG]") && l.contains("configuring tfptest provider")),
        "no provider debug line in the log; provider lines were:\n{}",
        provider_lines.join("\n")
    );
    // Our timestamps parse as hclog's, so no line degrades to a raw dump.
    assert!(
        !provider_lines.iter().any(|l| l.contains("\"@message\"")),
        "a provider line was not parsed as hclog JSON"
    );
}

/// A 5 MiB attribute goes through plan, apply, state and refresh intact
/// (gRPC's default cap is 4 MiB).
#[test]
fn five_mib_attribute_round_trips() {
    let tf = Terraform::new(&[tfptest()]);
    let blob: String = (0..5 * 1024 * 1024)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    tf.write_file("blob.txt", &blob);
    tf.apply_step(&format!(
        "{REQUIRED_PROVIDERS}\nresource \"tfptest_blob\" \"x\" {{\n  content = file(\"blob.txt\")\n}}\n\
         output \"same\" {{ value = sha256(tfptest_blob.x.content) == sha256(file(\"blob.txt\")) }}\n\
         output \"length\" {{ value = tfptest_blob.x.length }}\n"
    ));
    assert_eq!(tf.output("same"), serde_json::json!(true));
    assert_eq!(tf.output("length"), serde_json::json!(5 * 1024 * 1024));
    tf.destroy();
}

/// Run by hand, a provider explains itself instead of hanging or crashing.
#[test]
fn running_a_provider_by_hand_prints_a_friendly_message() {
    for (binary, example) in [
        ("terraform-provider-tfptest", true),
        ("terraform-provider-s2s", false),
    ] {
        let path = provider_dir(binary, example).join(binary);
        let out = Command::new(&path)
            .env_remove(tfplugin::MAGIC_COOKIE_KEY)
            .output()
            .expect("run provider");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{binary}: {text}");
        assert!(text.contains("This binary is a plugin"), "{binary}: {text}");
        assert!(text.contains("--debug"), "{binary}: {text}");
    }
}
