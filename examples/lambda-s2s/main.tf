# One s2s Lambda function of the payments app in its staging account: the
# registration in Registry, the role under /app/payments/ with the boundary,
# the certificate read policy, the mTLS layer and its environment.

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

# Registry, trust and mesh settings come from S2S_* environment variables
# (S2S_REGISTRY_URL, S2S_CLIENT_CERTIFICATE, ...), as in CI.
provider "s2s" {
  trust_domain = "example.internal"
  mesh_domain  = "meshproxy.example.internal"
}

module "payments_api" {
  source = "../../modules/lambda-s2s"

  app                     = "payments"
  code_signing_config_arn = "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
  environment             = "staging"
  account_id              = "111111111111"
  region                  = "eu-west-1"
  function_name           = "payments-api"
  mtls_layer_arn          = "arn:aws:lambda:eu-west-1:999999999999:layer:s2s-mtls-proxy-arm64:7"
  mesh_gateway            = "mesh-gateway.example.internal:443"
  s3_bucket               = "s2s-artifacts-example"
  s3_key                  = "payments/payments-api/2.3.1/payments-api-arm64.zip"
  s3_object_version       = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
  environment_variables = {
    LOG_LEVEL = "info"
  }
  tags = {
    app = "payments"
  }
}

output "function_arn" {
  description = "The function."
  value       = module.payments_api.function_arn
}

output "mesh_hostname" {
  description = "How the mesh reaches it."
  value       = module.payments_api.mesh_hostname
}
