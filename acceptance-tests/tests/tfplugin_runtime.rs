//! The tfplugin runtime under real Terraform, through its own test provider
//! (`tfplugin/examples/terraform-provider-tfptest.rs`): Ctrl-C keeping the
//! resource being created, messages above 4 MiB, logs reaching `TF_LOG`, clean
//! exits on Shutdown, `--debug` reattach (ARCHITECTURE.md, "Why the provider runs
//! on a runtime of our own").

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
/// it, the provider included) while a create is in flight must not orphan the
/// resource: the provider ignores the signal, Terraform's StopProvider reaches
/// the create, and the create still returns what it made.
#[test]
fn ctrl_c_during_a_slow_create_still_records_the_resource() {
    let markers = tempfile::tempdir().expect("marker dir");
    let mut tf = Terraform::new(&[tfptest()]);
    tf.set_env("TFPTEST_MARKER_DIR", markers.path().display().to_string());
    // 60 s unless a stop ends the wait: nothing here depends on the machine's speed.
    tf.write_config(&format!(
        "{REQUIRED_PROVIDERS}\nresource \"tfptest_slow\" \"x\" {{\n  name     = \"survivor\"\n  delay_ms = 60000\n}}\n"
    ));
    let mut cmd = tf.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start terraform apply");
    let pgid = child.id();
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    // Proof the provider is inside the create (Terraform prints "Creating..."
    // before it makes the call), then interrupt.
    let creating = markers.path().join("survivor.creating");
    let started = Instant::now();
    while !creating.exists() {
        let exited = child.try_wait().expect("poll terraform");
        if exited.is_some() || started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!(
                "the create never started (terraform {exited:?}):\n{}",
                stdout.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Signal exactly Terraform's group, never our own.
    assert_eq!(process_group_of(&pgid.to_string()), pgid);
    interrupt_group(pgid);
    child.wait().expect("wait for terraform");
    let out = stdout.join().unwrap_or_default();
    println!("{out}{}", stderr.join().unwrap_or_default());
    assert!(
        out.contains("Interrupt received") || out.contains("Stopping operation"),
        "Terraform did not see the interrupt:\n{out}"
    );
    // The stop reached the create while it waited: it was interrupted, not finished
    // by its 60 s, and it still completed.
    let created = std::fs::read_to_string(markers.path().join("survivor.created"))
        .unwrap_or_else(|e| panic!("the create never completed ({e}):\n{out}"));
    assert_eq!(created, "stopped", "the stop did not reach the create");
    assert!(started.elapsed() < Duration::from_secs(60));
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

/// Reads a child's pipe to the end on a thread, so the child never blocks on it.
fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// The process group of a pid (or "self"), from /proc.
/// SIGINT to process group `pgid` (as Ctrl-C in a terminal sends it), which must not
/// be this test's own.
fn interrupt_group(pgid: u32) {
    assert_ne!(process_group_of("self"), pgid);
    let status = Command::new("kill")
        .args(["-s", "INT", "--", &format!("-{pgid}")])
        .status()
        .expect("send SIGINT");
    assert!(status.success());
}

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
    // Every provider process Terraform started left on Shutdown, none was killed
    // (go-plugin kills a plugin still running 2 s after asking it to exit).
    let plugin_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("plugin") && l.contains("exit"))
        .collect();
    let started = text
        .lines()
        .filter(|l| l.contains("plugin started") && l.contains("terraform-provider-tfptest"))
        .count();
    let exited = plugin_lines
        .iter()
        .filter(|l| l.contains("plugin process exited") && l.contains("terraform-provider-tfptest"))
        .count();
    assert!(started > 0, "no provider process started:\n{text}");
    assert_eq!(
        exited,
        started,
        "a provider process did not exit:\n{}",
        plugin_lines.join("\n")
    );
    assert!(
        !text.contains("plugin failed to exit gracefully"),
        "a provider process was killed:\n{}",
        plugin_lines.join("\n")
    );
}

/// `--debug`: the provider prints a `TF_REATTACH_PROVIDERS` line; Terraform runs
/// given it use that process (and start none of their own), it outlives each run
/// (their Shutdown is ignored), and Ctrl-C stops it.
#[test]
fn debug_mode_serves_two_terraform_runs_until_ctrl_c() {
    let binary = tfptest().dir.join("terraform-provider-tfptest");
    let mut cmd = Command::new(&binary);
    cmd.arg("--debug")
        .env_remove(tfplugin::MAGIC_COOKIE_KEY)
        .env("TF_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut provider = cmd.spawn().expect("start the provider with --debug");
    let pgid = provider.id();
    let log = drain(provider.stderr.take().expect("stderr"));
    let mut stdout = BufReader::new(provider.stdout.take().expect("stdout"));
    let mut printed = String::new();
    let reattach = loop {
        let mut line = String::new();
        let n = stdout
            .read_line(&mut line)
            .expect("read the provider's output");
        printed.push_str(&line);
        if n == 0 {
            let _ = provider.kill();
            panic!("no TF_REATTACH_PROVIDERS line:\n{printed}");
        }
        if let Some(json) = line
            .trim()
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|rest| rest.strip_suffix('\''))
        {
            break json.to_owned();
        }
    };
    let stdout = drain(stdout);

    let mut tf = Terraform::new(&[tfptest()]);
    tf.set_env("TF_REATTACH_PROVIDERS", reattach);
    let config = |label: &str| {
        format!(
            "{REQUIRED_PROVIDERS}\nprovider \"tfptest\" {{\n  label = \"{label}\"\n}}\ndata \"tfptest_echo\" \"x\" {{\n  in = \"hi\"\n}}\noutput \"out\" {{ value = data.tfptest_echo.x.out }}\n"
        )
    };
    // Each run configures the provider with its own label, so the log below
    // shows which runs this process served.
    tf.write_config(&config("first"));
    tf.apply();
    assert_eq!(tf.output("out"), serde_json::json!("firsthi"));
    tf.write_config(&config("second"));
    tf.run_ok(&["plan", "-input=false", "-no-color"]);
    assert!(
        provider.try_wait().expect("poll the provider").is_none(),
        "the debug provider exited after Terraform's runs"
    );

    interrupt_group(pgid);
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = provider.try_wait().expect("poll the provider") {
            break exit;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = provider.kill();
            panic!("Ctrl-C did not stop the debug provider");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = log.join().unwrap_or_default();
    println!("{printed}{}{log}", stdout.join().unwrap_or_default());
    assert!(exit.success(), "{exit:?}");
    // Both runs were served by this process.
    for label in ["first", "second"] {
        assert!(
            log.lines()
                .any(|l| l.contains("tfptest provider configured")
                    && l.contains(&format!("\"label\":\"{label}\""))),
            "the {label} run did not reach the debug provider:\n{log}"
        );
    }
}

/// What the README says the example provider is checked for under Terraform, in one
/// working directory: a function call, the data source, create and an empty re-plan,
/// semantic JSON (a reformatted document is no change), a validation error pointing at
/// its attribute, replacement, import, destroy.
#[test]
fn the_example_provider_round_trips_under_terraform() {
    let tf = Terraform::new(&[tfptest()]);
    let config = |name: &str, json: &str, imported: bool| {
        let import = if imported {
            "resource \"tfptest_slow\" \"imported\" {\n  name = \"three\"\n}\n"
        } else {
            ""
        };
        format!(
            "{REQUIRED_PROVIDERS}\n\
             resource \"tfptest_slow\" \"a\" {{\n  name = \"{name}\"\n}}\n\
             resource \"tfptest_blob\" \"j\" {{\n  content = \"x\"\n  json    = {json}\n}}\n\
             data \"tfptest_echo\" \"e\" {{\n  in = \"hi\"\n}}\n{import}\
             output \"doubled\" {{ value = provider::tfptest::double(21) }}\n\
             output \"echo\" {{ value = data.tfptest_echo.e.out }}\n"
        )
    };
    let compact = r#"jsonencode({ a = 1, b = [1, 2] })"#;
    tf.apply_step(&config("one", compact, false));
    let outputs = tf.outputs();
    assert_eq!(outputs["doubled"], serde_json::json!(42));
    assert_eq!(outputs["echo"], serde_json::json!("hi"));
    assert_eq!(tf.attributes("tfptest_slow.a")["id"], "slow-one");

    // The same document, reordered and re-spaced: no change.
    tf.write_config(&config(
        "one",
        r#""{\n  \"b\": [1, 2],\n  \"a\": 1\n}""#,
        false,
    ));
    assert!(
        !tf.plan_has_changes(true),
        "reformatted JSON planned a change"
    );

    // A refused value names its attribute.
    tf.write_config(&config("Bad_Name", compact, false));
    let diags = tf.plan_json_diagnostics();
    let refused = diags
        .iter()
        .find(|d| {
            d["detail"]
                .as_str()
                .is_some_and(|t| t.contains("lowercase letters"))
        })
        .unwrap_or_else(|| panic!("no validation diagnostic: {diags:#?}"));
    assert_eq!(refused["address"], "tfptest_slow.a", "{refused:#}");
    assert!(
        refused["snippet"]["code"]
            .as_str()
            .is_some_and(|c| c.contains("name = \"Bad_Name\"")),
        "the diagnostic does not point at `name`: {refused:#}"
    );

    // `name` requires replacement.
    tf.write_config(&config("two", compact, false));
    let plan = tf.run_ok(&["plan", "-input=false", "-no-color"]);
    assert!(
        plan.stdout.contains("tfptest_slow.a must be replaced"),
        "{}",
        plan.stdout
    );
    tf.apply_step(&config("two", compact, false));
    assert_eq!(tf.attributes("tfptest_slow.a")["id"], "slow-two");

    // Import, then nothing to change.
    tf.write_config(&config("two", compact, true));
    tf.run_ok(&[
        "import",
        "-input=false",
        "-no-color",
        "tfptest_slow.imported",
        "slow-three",
    ]);
    assert_eq!(tf.attributes("tfptest_slow.imported")["name"], "three");
    tf.assert_plans_empty();

    tf.destroy();
    assert!(tf.state_resources().is_empty());
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
