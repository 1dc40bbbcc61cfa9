//! The provider's STS GetCallerIdentity against moto, under real Terraform.

use acceptance_tests::{Moto, Provider, Terraform};

fn config(provider_block: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    s2s = {{ source = "registry.example.internal/platform/s2s" }}
  }}
}}
{provider_block}
data "s2s_aws_caller_identity" "current" {{}}
output "account_id" {{ value = data.s2s_aws_caller_identity.current.account_id }}
output "arn"        {{ value = data.s2s_aws_caller_identity.current.arn }}
"#
    )
}

fn terraform_with_aws_credentials(moto: &Moto) -> Terraform {
    let mut tf = Terraform::new(&[Provider::s2s()]);
    for (k, v) in moto.env() {
        if k != "AWS_ENDPOINT_URL" {
            tf.set_env(k, v);
        }
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
    let tf = Terraform::new(&[Provider::s2s()]);
    tf.write_config(&config(
        "provider \"s2s\" {\n  aws {\n    region          = \"Mars-1\"\n    assume_role_arn = \"arn:aws:iam::12:role/x\"\n  }\n}\n",
    ));
    let out = tf.plan_err();
    let text = out.diagnostics();
    assert!(
        text.contains("\"Mars-1\" is not an AWS region name"),
        "{text}"
    );
    assert!(text.contains("is not an IAM role ARN"), "{text}");
    assert!(text.contains("region"), "{text}");
}
