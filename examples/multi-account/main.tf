# One app in several AWS accounts: one s2s provider configuration per
# account, each assuming that account's CI deployer role, so that every
# function is checked (STS GetCallerIdentity) against the account it is
# registered in. The app and its secret assignments need no AWS account and
# use the default configuration.
#
# Registry and Keywhiz URLs, the pipeline's mTLS identity, the trust and mesh
# domains come from S2S_* environment variables (see README.md); the AWS
# region and endpoint from S2S_AWS_REGION / S2S_AWS_ENDPOINT.

terraform {
  required_version = ">= 1.8"
  required_providers {
    s2s = {
      source = "registry.example.internal/platform/s2s"
    }
  }
}

locals {
  app = "orders"
  accounts = {
    staging    = "111111111111"
    production = "222222222222"
  }
}

provider "s2s" {}

provider "s2s" {
  alias = "staging"
  aws {
    assume_role_arn = "arn:aws:iam::${local.accounts.staging}:role/platform/ci-deployer"
  }
}

provider "s2s" {
  alias = "production"
  aws {
    assume_role_arn = "arn:aws:iam::${local.accounts.production}:role/platform/ci-deployer"
  }
}

# The app, with both accounts. A provider configuration (alias) is its own
# process, so the functions below cannot see this plan: on the very first
# apply, register the app first with
#   terraform apply -target=s2s_registry_app.orders
resource "s2s_registry_app" "orders" {
  app = local.app
  accounts = [
    for environment, account_id in local.accounts : {
      account_id  = account_id
      environment = environment
    }
  ]
  certificate_generation = true
}

resource "s2s_lambda_function" "staging" {
  provider      = s2s.staging
  app           = s2s_registry_app.orders.id
  environment   = "staging"
  account_id    = local.accounts.staging
  function_name = "${local.app}-api"
  role_name     = "${local.app}-api"
}

resource "s2s_lambda_function" "production" {
  provider      = s2s.production
  app           = s2s_registry_app.orders.id
  environment   = "production"
  account_id    = local.accounts.production
  function_name = "${local.app}-api"
  role_name     = "${local.app}-api"
}

# Synced into both accounts: each account's syncer reads the app's group.
resource "s2s_secret_assignment" "db_password" {
  app    = s2s_registry_app.orders.id
  secret = "${local.app}:db-password"
}

output "mesh_hostnames" {
  value = {
    staging    = s2s_lambda_function.staging.mesh_hostname
    production = s2s_lambda_function.production.mesh_hostname
  }
}

output "certificate_read_policies" {
  value = {
    staging    = s2s_lambda_function.staging.certificate_read_policy_json
    production = s2s_lambda_function.production.certificate_read_policy_json
  }
}
