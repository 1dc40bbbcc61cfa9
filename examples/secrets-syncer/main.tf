# The Keywhiz syncer of the payments account, from the shared artifact bucket,
# pinned by object version and sha256.

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

provider "s2s" {}

module "syncer" {
  source = "../../modules/secrets-syncer"

  app                     = "payments"
  account_id              = "111111111111"
  region                  = "eu-west-1"
  trust_domain            = "example.internal"
  keywhiz_url             = "https://keywhiz.example.internal:4444"
  keywhiz_ca_pem          = file("${path.module}/keywhiz-ca.pem")
  artifact_bucket         = "s2s-artifacts-example"
  artifact_key            = "keywhiz-syncer/0.1.0/keywhiz-syncer-aarch64.zip"
  artifact_object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
  artifact_sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
  code_signing_config_arn = "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
  architecture            = "arm64"
  alarm_actions           = ["arn:aws:sns:eu-west-1:111111111111:platform-alerts"]
  tags = {
    app = "payments"
  }
}

output "schedule_expression" {
  description = "When the syncer runs."
  value       = module.syncer.schedule_expression
}
