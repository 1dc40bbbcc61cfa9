# The s2s mTLS layer of eu-west-1, published in the layer account and shared
# with the whole organization; its outputs feed lambda-s2s (mtls_layer_arn) and
# account-baseline (layer_account_id) in the app accounts.

terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "mtls_layer" {
  source = "../../modules/mtls-layer"

  artifact_bucket = "s2s-artifacts-example"
  artifacts = {
    arm64 = {
      key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-arm64.zip"
      object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
      sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    }
    x86_64 = {
      key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-x86_64.zip"
      object_version = "3sZplXNo7JVuAw7mJo2c0NxR1JhL5eQQ"
      sha256         = "Yz/obvL9gowSKqUMTmr4mUU8FyEuW3YjVEne/j5wHHM="
    }
  }
  organization_id = "o-a1b2c3d4e5"
}

output "layer_version_arns" {
  value = module.mtls_layer.layer_version_arns
}

output "layer_account_id" {
  value = module.mtls_layer.layer_account_id
}
