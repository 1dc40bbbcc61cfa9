# account-baseline for the payments account: the CI deployer role, the app
# permissions boundary and the certificate writer. Apply once before the org guardrails are attached, and
# later as role/OrganizationAccountAccessRole (the only role platform-guard lets
# change the deployer and the boundary).

terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    s2s = {
      source = "registry.example.internal/platform/s2s"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

# s2s_policy renders locally; no Registry or Keywhiz settings are needed.
provider "s2s" {}

module "baseline" {
  source = "../../modules/account-baseline"

  app              = "payments"
  account_id       = "111111111111"
  region           = "eu-west-1"
  ci_account_id    = "888888888888"
  org_id           = "o-s2sexample1"
  artifact_bucket  = "s2s-artifacts-example"
  layer_account_id = "999999999999"
  # The account of modules/cert-issuer.
  central_account_id           = "999999999999"
  signing_profile_version_arns = ["arn:aws:signer:eu-west-1:999999999999:/signing-profiles/s2s_release/AbCdEf1234"]
  tags = {
    app = "payments"
  }
}

output "ci_deployer_role_arn" {
  description = "What the CI runner assumes in this account."
  value       = module.baseline.ci_deployer_role_arn
}

output "app_boundary_policy_arn" {
  description = "The boundary every payments role carries."
  value       = module.baseline.app_boundary_policy_arn
}

output "cert_writer_role_arn" {
  description = "What the central cert-issuer assumes to write s2s/payments/tls here."
  value       = module.baseline.cert_writer_role_arn
}
