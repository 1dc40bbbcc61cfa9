//! The provider's STS GetCallerIdentity against moto, under real Terraform.

use acceptance_tests::config::HEADER;
use acceptance_tests::{pointed_attribute, Moto, Terraform};

fn config(provider_block: &str) -> String {
    format!(
        r#"{HEADER}{provider_block}
data "s2s_aws_caller_identity" "current" {{}}
output "account_id" {{ value = data.s2s_aws_caller_identity.current.account_id }}
output "arn"        {{ value = data.s2s_aws_caller_identity.current.arn }}
"#
    )
}

fn terraform_with_aws_credentials(moto: &Moto) -> Terraform {
    let mut tf = Terraform::s2s();
    for (k, v) in moto.credentials() {
        tf.set_env(k, v);
    }
    tf
}

#[test]
fn caller_identity_comes_from_sts() {
    let moto = Moto::start();
    let tf = terraform_with_aws_credentials(&moto);
    tf.apply_step(&config(&format!(
        "provider \"s2s\" {{\n  aws {{\n    region   = \"us-east-1\"\n    endpoint = \"{}\"\n  }}\n}}\n",
        moto.endpoint()
    )));
    assert_eq!(tf.output("account_id"), "123456789012");
    let arn = tf.output("arn");
    assert!(
        arn.as_str().unwrap_or_default().starts_with("arn:aws:"),
        "{arn}"
    );
}

#[test]
fn assume_role_arn_switches_the_account() {
    let moto = Moto::start();
    let tf = terraform_with_aws_credentials(&moto);
    tf.apply_step(&config(&format!(
        "provider \"s2s\" {{\n  aws {{\n    region          = \"us-east-1\"\n    endpoint        = \"{}\"\n    assume_role_arn = \"arn:aws:iam::222222222222:role/platform/ci-deployer\"\n  }}\n}}\n",
        moto.endpoint()
    )));
    assert_eq!(tf.output("account_id"), "222222222222");
    assert_eq!(
        tf.output("arn"),
        "arn:aws:sts::222222222222:assumed-role/ci-deployer/terraform-provider-s2s"
    );
}

#[test]
fn environment_variables_configure_aws_too() {
    let moto = Moto::start();
    let mut tf = terraform_with_aws_credentials(&moto);
    tf.set_env("S2S_AWS_ENDPOINT", moto.endpoint())
        .set_env("S2S_AWS_REGION", "eu-west-2");
    tf.apply_step(&config(""));
    assert_eq!(tf.output("account_id"), "123456789012");
}

#[test]
fn a_bad_aws_setting_is_reported_at_its_attribute() {
    let tf = Terraform::s2s();
    tf.write_config(&config(
        "provider \"s2s\" {\n  aws {\n    region          = \"Mars-1\"\n    assume_role_arn = \"arn:aws:iam::12:role/x\"\n  }\n}\n",
    ));
    let diags = tf.plan_json_diagnostics();
    // Each diagnostic carries the attribute's path, so Terraform's snippet
    // shows that attribute's line (without a path it shows the provider block).
    for (message, attribute) in [
        ("\"Mars-1\" is not an AWS region name", "region"),
        ("is not an IAM role ARN", "assume_role_arn"),
    ] {
        let d = diags
            .iter()
            .find(|d| d["detail"].as_str().is_some_and(|t| t.contains(message)))
            .unwrap_or_else(|| panic!("no diagnostic {message:?} in {diags:#?}"));
        assert_eq!(
            pointed_attribute(d).as_deref(),
            Some(attribute),
            "{message:?} points at {:?}",
            d["snippet"]["code"]
        );
    }
}
