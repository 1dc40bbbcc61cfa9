//! TLS and identity failures say why and are not retried, under real
//! Terraform: a CA bundle that does not hold the server's CA (unknown
//! issuer), a client certificate the server does not trust, an expired
//! certificate, a key of another certificate, an unreachable STS, and a
//! Keywhiz that does not know (401) or does not empower (403) the identity.
//! Each names what was presented and which setting to check, and costs one
//! attempt at the server, not ten.

use acceptance_tests::config::HEADER;
use acceptance_tests::stack::{app_secrets, seed_app};
use acceptance_tests::{Stack, StackOptions, Terraform};
use mock_common::{IdentitySpec, TestPki};
use mock_keywhiz::seed::SeedClient;

/// Read at plan: one Registry request.
const READ_APP: &str = "data \"s2s_registry_app\" \"orders\" {\n  app = \"orders\"\n}\n";

const ASSIGNMENT: &str = r#"
resource "s2s_secret_assignment" "key" {
  app    = "orders"
  secret = "orders:api-key"
}
"#;

fn failing_plan(tf: &Terraform, config: &str) -> String {
    tf.write_config(&format!("{HEADER}{config}"));
    tf.plan_err().diagnostics()
}

#[test]
fn tls_and_identity_failures_say_why_without_retrying() {
    let mut registry = mock_registry::Seed::default();
    registry
        .apps
        .push(seed_app("orders", &[("111122223333", "staging")], true));
    let mut keywhiz = app_secrets("orders", &[("orders:api-key", "k", 0)]);
    // A client Keywhiz knows, but not as an automation client.
    keywhiz.clients.push(SeedClient {
        name: "ci-billing".into(),
        spiffe_id: Some("spiffe://example.internal/ci/billing".into()),
        ..Default::default()
    });
    registry
        .apps
        .push(seed_app("billing", &[("111122223333", "staging")], true));
    let stack = Stack::start(StackOptions {
        registry_seed: Some(registry),
        keywhiz_seed: Some(keywhiz),
        ..Default::default()
    });
    let registry_tls_failures = || stack.registry().server().counters().handshake_failures;
    let fresh = || stack.terraform();
    // The plan fails at the TLS handshake, saying each of `expected`, after one
    // attempt at Registry (not retried).
    let refused_once = |tf: &Terraform, expected: [&str; 2]| {
        let before = registry_tls_failures();
        let text = failing_plan(tf, READ_APP);
        for e in expected {
            assert!(text.contains(e), "{e:?} missing: {text}");
        }
        assert!(!text.contains("gave up after"), "not retried: {text}");
        assert_eq!(registry_tls_failures() - before, 1, "one attempt");
    };

    // A CA bundle without the servers' CA.
    let other_ca = TestPki::temporary().unwrap();
    let mut tf = fresh();
    tf.set_env("S2S_CA_BUNDLE", other_ca.ca_path().display().to_string());
    refused_once(
        &tf,
        [
            "does not chain to any CA in the CA bundle",
            "Check `ca_bundle` (S2S_CA_BUNDLE)",
        ],
    );

    // A client certificate from a CA the servers do not trust.
    let rogue = stack
        .keywhiz()
        .server()
        .pki()
        .mint_rogue(&IdentitySpec::spiffe(
            "rogue-ci",
            "spiffe://example.internal/ci/shop",
        ))
        .unwrap();
    let mut tf = fresh();
    stack.configure_as(&mut tf, &rogue);
    refused_once(
        &tf,
        [
            "refused the client certificate CN=rogue-ci, SPIFFE ID spiffe://example.internal/ci/shop",
            "Check `client_certificate` (S2S_CLIENT_CERTIFICATE)",
        ],
    );

    // An expired certificate, and a key of another certificate: refused on
    // the attribute before any request.
    let expired = stack
        .keywhiz()
        .mint_identity(&IdentitySpec {
            valid_days: Some(-1),
            ..IdentitySpec::spiffe("old-ci", "spiffe://example.internal/ci/shop")
        })
        .unwrap();
    let mut tf = fresh();
    stack.configure_as(&mut tf, &expired);
    stack.clear_logs();
    let text = failing_plan(&tf, READ_APP);
    assert!(
        text.contains("Unusable mTLS identity")
            && text.contains("client certificate CN=old-ci")
            && text.contains("expired on "),
        "{text}"
    );
    let other = stack
        .keywhiz()
        .mint_identity(&IdentitySpec::cn("someone-else"))
        .unwrap();
    let mut tf = fresh();
    tf.set_env("S2S_CLIENT_KEY", other.key_path.display().to_string());
    let text = failing_plan(&tf, READ_APP);
    assert!(
        text.contains("the client key does not belong to the client certificate"),
        "{text}"
    );
    assert_eq!(stack.registry().server().counters().total, 0, "no request");

    // An STS that nobody answers: where it tried, in words.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut tf = fresh();
    tf.set_env("S2S_AWS_ENDPOINT", format!("http://127.0.0.1:{port}"))
        .set_env("S2S_AWS_REGION", "eu-west-1")
        .set_env("AWS_ACCESS_KEY_ID", "testing")
        .set_env("AWS_SECRET_ACCESS_KEY", "testing")
        .set_env("AWS_EC2_METADATA_DISABLED", "true");
    let text = failing_plan(&tf, "data \"s2s_aws_caller_identity\" \"me\" {}\n");
    assert!(
        text.contains(&format!("cannot reach http://127.0.0.1:{port}")),
        "{text}"
    );
    assert!(
        !text.contains("DispatchFailure") && !text.contains("source: "),
        "no Rust debug output: {text}"
    );

    // Registry knows the CI identity; Keywhiz does not (401) or knows it
    // but not as an automation client (403).
    let unknown = stack.registry().ci_identity("orders").unwrap();
    let mut tf = fresh();
    stack.configure_as(&mut tf, &unknown);
    let text = failing_plan(&tf, ASSIGNMENT);
    assert!(
        text.contains("HTTP 401")
            && text.contains("did not recognise the certificate as an enabled client")
            && text.contains("presented: client certificate CN=ci-orders, SPIFFE ID spiffe://example.internal/ci/orders"),
        "{text}"
    );
    let billing = stack.registry().ci_identity("billing").unwrap();
    let mut tf = fresh();
    stack.configure_as(&mut tf, &billing);
    let text = failing_plan(
        &tf,
        "resource \"s2s_secret_assignment\" \"key\" {\n  app    = \"billing\"\n  secret = \"orders:api-key\"\n}\n",
    );
    assert!(
        text.contains("HTTP 403")
            && text.contains("not an automation client")
            && text.contains("SPIFFE ID spiffe://example.internal/ci/billing"),
        "{text}"
    );
}
