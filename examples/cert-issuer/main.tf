# The central certificate issuer: its short-lived Private CA, the hourly
# planner and the SQS workers from the shared artifact bucket (pinned by
# object version and sha256), the queue, the ledger and the alarms. The CA
# chain is published to the organization's trust bucket.

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

module "issuer" {
  source = "../../modules/cert-issuer"

  account_id              = "999999999999"
  region                  = "eu-west-1"
  org_id                  = "o-s2sexample1"
  trust_domain            = "example.internal"
  registry_url            = "https://registry.example.internal"
  mesh_ca_bundle_pem      = file("${path.module}/mesh-roots.pem")
  ca_chain_bucket         = "s2s-org-trust"
  artifact_bucket         = "s2s-artifacts-example"
  artifact_key            = "cert-issuer/0.1.0/cert-issuer-aarch64.zip"
  artifact_object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
  artifact_sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
  architecture            = "arm64"
  alarm_actions           = ["arn:aws:sns:eu-west-1:999999999999:platform-alerts"]
  tags = {
    component = "s2s-cert-issuer"
  }
}

output "ca_certificate_chain" {
  description = "What the datacenter mesh must trust to accept the Lambdas' certificates."
  value       = module.issuer.ca_certificate_chain
}

output "ca_chain_s3_uri" {
  description = "Where the organization reads it."
  value       = module.issuer.ca_chain_s3_uri
}
