//! Provider functions and the `s2s_sync_schedule` data source under real
//! Terraform: agreement with Terraform's own expression, and the diagnostics
//! for every bad argument.

use acceptance_tests::config::HEADER;
use acceptance_tests::{generated_app_names, Terraform};

fn terraform() -> Terraform {
    Terraform::s2s()
}

/// sync_offset agrees, name for name, with
/// `parseint(substr(sha256(n), 0, 4), 16) % 15` evaluated by Terraform itself.
#[test]
fn sync_offset_agrees_with_terraforms_own_expression_for_1000_names() {
    let names = generated_app_names(1000, 1);
    let list = serde_json::to_string(&names).unwrap();
    let tf = terraform();
    tf.apply_step(&format!(
        r#"{HEADER}
locals {{
  names = {list}
}}
output "ours" {{
  value = [for n in local.names : provider::s2s::sync_offset(n)]
}}
output "terraforms" {{
  value = [for n in local.names : parseint(substr(sha256(n), 0, 4), 16) % 15]
}}
"#
    ));
    let ours = tf.output("ours");
    let theirs = tf.output("terraforms");
    let ours = ours.as_array().expect("list");
    assert_eq!(ours.len(), 1000);
    assert_eq!(ours, theirs.as_array().expect("list"));
    // And both agree with the Rust implementation the syncer module uses.
    for (name, offset) in names.iter().zip(ours) {
        assert_eq!(
            offset.as_u64(),
            Some(u64::from(s2s_core::sync_offset(name))),
            "{name}"
        );
    }
    // A function returning a constant would agree with nothing: all 15 slots appear.
    let distinct: std::collections::BTreeSet<u64> =
        ours.iter().filter_map(|v| v.as_u64()).collect();
    assert_eq!(distinct.len(), 15);
}

#[test]
fn functions_and_data_source_compute_the_contracts() {
    let tf = terraform();
    tf.apply_step(&format!(
        r#"{HEADER}
data "s2s_sync_schedule" "payments" {{
  app = "payments"
}}
output "offset"   {{ value = provider::s2s::sync_offset("payments") }}
output "schedule" {{ value = provider::s2s::sync_schedule("payments") }}
output "host"     {{ value = provider::s2s::mesh_hostname("staging", "payments", "meshproxy.example.internal") }}
output "spiffe"   {{ value = provider::s2s::spiffe_id("example.internal", "payments") }}
output "ds" {{
  value = {{
    offset   = data.s2s_sync_schedule.payments.offset
    schedule = data.s2s_sync_schedule.payments.schedule_expression
    minutes  = data.s2s_sync_schedule.payments.minutes
  }}
}}
"#
    ));
    let offset = s2s_core::sync_offset("payments");
    assert_eq!(tf.output("offset"), serde_json::json!(offset));
    assert_eq!(
        tf.output("schedule"),
        serde_json::json!(format!("cron({offset}/15 * * * ? *)"))
    );
    assert_eq!(
        tf.output("host"),
        serde_json::json!("staging.payments.meshproxy.example.internal")
    );
    assert_eq!(
        tf.output("spiffe"),
        serde_json::json!("spiffe://example.internal/payments")
    );
    let ds = tf.output("ds");
    assert_eq!(ds["offset"], serde_json::json!(offset));
    assert_eq!(ds["schedule"], tf.output("schedule"));
    let minutes: Vec<u64> = (0..4).map(|q| u64::from(offset) + 15 * q).collect();
    assert_eq!(ds["minutes"], serde_json::json!(minutes));
    // The data source is in state with exactly what it computed.
    let resources = tf.state_resources();
    let ds_state = resources
        .iter()
        .find(|r| r["address"] == "data.s2s_sync_schedule.payments")
        .expect("data source in state");
    assert_eq!(ds_state["values"]["app"], "payments");
    assert_eq!(ds_state["values"]["offset"], serde_json::json!(offset));
}

/// One bad call per function argument: each must fail the plan with a
/// message that names the argument and says what is allowed.
#[test]
fn every_function_argument_rejects_bad_input_with_a_clear_message() {
    let app_rule = "must be a DNS label";
    let cases: &[(&str, &[&str])] = &[
        (
            r#"provider::s2s::sync_offset("Payments")"#,
            &["\"Payments\"", app_rule, "app"],
        ),
        (
            r#"provider::s2s::sync_offset("pay-")"#,
            &["\"pay-\"", app_rule],
        ),
        (r#"provider::s2s::sync_offset("")"#, &["\"\"", app_rule]),
        (
            r#"provider::s2s::sync_schedule("9lives")"#,
            &["\"9lives\"", app_rule, "app"],
        ),
        (
            r#"provider::s2s::mesh_hostname("prod", "payments", "meshproxy.example.internal")"#,
            &[
                "\"prod\"",
                "environment",
                "development, staging, production, sandbox",
            ],
        ),
        (
            r#"provider::s2s::mesh_hostname("staging", "pay_ments", "meshproxy.example.internal")"#,
            &["\"pay_ments\"", app_rule, "app"],
        ),
        (
            r#"provider::s2s::mesh_hostname("staging", "payments", "mesh proxy")"#,
            &["\"mesh proxy\"", "mesh domain", "mesh_domain"],
        ),
        (
            r#"provider::s2s::spiffe_id("spiffe://example.internal", "payments")"#,
            &[
                "\"spiffe://example.internal\"",
                "trust domain",
                "trust_domain",
            ],
        ),
        (
            r#"provider::s2s::spiffe_id("example.internal", "Payments")"#,
            &["\"Payments\"", app_rule, "app"],
        ),
    ];
    let tf = terraform();
    for (call, expected) in cases {
        tf.write_config(&format!("{HEADER}\noutput \"x\" {{ value = {call} }}\n"));
        let out = tf.plan_err();
        let text = out.diagnostics();
        assert!(text.contains("Error"), "{call}: {text}");
        for needle in *expected {
            assert!(
                text.contains(needle),
                "{call}: expected {needle:?} in:\n{text}"
            );
        }
    }
}

#[test]
fn data_source_rejects_a_bad_app_at_its_attribute() {
    let tf = terraform();
    tf.write_config(&format!(
        "{HEADER}\ndata \"s2s_sync_schedule\" \"x\" {{\n  app = \"Not_A_Label\"\n}}\n"
    ));
    let out = tf.plan_err();
    let text = out.diagnostics();
    assert!(text.contains("\"Not_A_Label\""), "{text}");
    assert!(text.contains("must be a DNS label"), "{text}");
    // Terraform points at the attribute it came from.
    assert!(text.contains("with data.s2s_sync_schedule.x"), "{text}");
    assert!(text.contains("app = \"Not_A_Label\""), "{text}");
}
