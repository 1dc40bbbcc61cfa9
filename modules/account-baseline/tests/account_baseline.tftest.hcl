# terraform test for account-baseline. Needs the hashicorp/aws provider
# installed (it is mocked, but Terraform still loads its schema) and the s2s
# provider, which renders the policies for real. make test runs it against
# hashicorp/aws 6.25.0's real schema (a schema-only provider): see
# ../README.md.

mock_provider "aws" {}

provider "s2s" {}

variables {
  app                          = "payments"
  account_id                   = "111111111111"
  region                       = "eu-west-1"
  ci_account_id                = "888888888888"
  org_id                       = "o-s2sexample1"
  artifact_bucket              = "s2s-artifacts-example"
  layer_account_id             = "999999999999"
  central_account_id           = "999999999999"
  signing_profile_version_arns = ["arn:aws:signer:eu-west-1:999999999999:/signing-profiles/s2s_release/AbCdEf1234"]
}

run "the_certificate_writer_is_role_platform_s2s_cert_writer" {
  command = plan

  assert {
    condition     = aws_iam_role.cert_writer.name == "s2s-cert-writer" && aws_iam_role.cert_writer.path == "/platform/"
    error_message = "the writer must be role/platform/s2s-cert-writer, the one the issuer assumes and secrets-guard lets write s2s/*/tls"
  }

  assert {
    condition     = strcontains(aws_iam_role.cert_writer.assume_role_policy, "arn:aws:iam::999999999999:role/platform/s2s-cert-issuer") && strcontains(aws_iam_role_policy.cert_writer.policy, "secret:s2s/*/tls-??????")
    error_message = "only the central issuer assumes the writer, which writes only certificates"
  }
}

run "deployer_is_role_platform_ci_deployer" {
  command = plan

  assert {
    condition     = aws_iam_role.ci_deployer.name == "ci-deployer" && aws_iam_role.ci_deployer.path == "/platform/"
    error_message = "the deployer must be role/platform/ci-deployer, the name the guardrails exempt"
  }

  assert {
    condition     = jsondecode(aws_iam_role.ci_deployer.assume_role_policy).Statement[0].Principal.AWS == "arn:aws:iam::888888888888:role/platform/ci-runner"
    error_message = "the deployer must trust only the CI account's ci-runner"
  }

  assert {
    condition     = aws_iam_role_policy.ci_deployer.policy == data.s2s_policy.ci_deployer_identity.json
    error_message = "the deployer's policy must be the bundle's iam/ci-deployer-identity"
  }

  assert {
    condition     = aws_iam_policy.app_boundary.name == "app-boundary" && aws_iam_policy.app_boundary.path == "/platform/"
    error_message = "the boundary must be policy/platform/app-boundary, the one ci-deployer-identity requires"
  }
}

run "refuses_a_wildcard_artifact_bucket" {
  command = plan

  variables {
    artifact_bucket = "s2s-artifacts-*"
  }

  expect_failures = [var.artifact_bucket]
}

run "refuses_a_wildcard_app" {
  command = plan

  variables {
    app = "*"
  }

  expect_failures = [var.app]
}

run "refuses_an_account_arn" {
  command = plan

  variables {
    account_id = "arn:aws:iam::111111111111:root"
  }

  expect_failures = [var.account_id]
}
