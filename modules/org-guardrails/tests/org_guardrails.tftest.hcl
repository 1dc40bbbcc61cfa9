# terraform test for org-guardrails. Needs the hashicorp/aws provider installed
# (it is mocked, but Terraform still loads its schema) and the s2s provider,
# which renders the policies for real. make test runs it against hashicorp/aws
# 6.25.0's real schema (a schema-only provider): see ../README.md.

mock_provider "aws" {}

provider "s2s" {}

variables {
  app_ou_ids         = ["ou-ab12-cd34ef56", "ou-ab12-gh78ij90"]
  org_id             = "o-s2sexample1"
  central_account_id = "999999999999"
  ci_account_id      = "888888888888"
  root_id            = "r-ab12"
}

run "both_scps_on_every_app_ou_and_the_rcp_on_the_root" {
  command = plan

  assert {
    condition     = length(aws_organizations_policy_attachment.secrets_guard) == 2 && length(aws_organizations_policy_attachment.platform_guard) == 2
    error_message = "each SCP must be attached to each app OU"
  }

  assert {
    condition     = aws_organizations_policy.secrets_guard.content == data.s2s_policy.secrets_guard.json
    error_message = "the SCP must be the bundle's scp/secrets-guard"
  }

  assert {
    condition     = aws_organizations_policy_attachment.secrets_perimeter[0].target_id == "r-ab12"
    error_message = "the RCP must be attached to the root"
  }
}

run "no_rcp_without_a_root" {
  command = plan

  variables {
    root_id = null
  }

  assert {
    condition     = length(aws_organizations_policy.secrets_perimeter) == 0
    error_message = "root_id = null must leave the RCP out"
  }
}

run "refuses_an_account_id_as_ou" {
  command = plan

  variables {
    app_ou_ids = ["111111111111"]
  }

  expect_failures = [var.app_ou_ids]
}
