# The s2s guardrails of the organization: both SCPs on the app OU, the secrets
# perimeter RCP on the root. Apply from the management account (or the
# delegated Organizations administrator) after account-baseline in every app
# account.

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
  region = "us-east-1"
}

provider "s2s" {}

module "guardrails" {
  source = "../../modules/org-guardrails"

  app_ou_ids         = ["ou-ab12-cd34ef56"]
  central_account_id = "999999999999"
  ci_account_id      = "888888888888"
  org_id             = "o-s2sexample1"
  root_id            = "r-ab12"
}

output "scp_ids" {
  description = "The SCPs by bundle name."
  value       = module.guardrails.scp_ids
}

output "policy_sizes" {
  description = "Each document's size as sent."
  value       = module.guardrails.policy_sizes
}
