# The s2s quickstart: runs offline against the freshly built provider and
# the mock Registry and Keywhiz (`make demo` starts them and points the
# provider at them through S2S_* environment variables).

terraform {
  required_version = ">= 1.8"
  required_providers {
    s2s = {
      source = "registry.example.internal/platform/s2s"
    }
  }
}

# Registry and Keywhiz URLs and the mTLS identity come from the environment:
# S2S_REGISTRY_URL, S2S_KEYWHIZ_URL, S2S_CLIENT_CERTIFICATE, S2S_CLIENT_KEY,
# S2S_CA_BUNDLE (and S2S_AWS_* for the STS account check).
provider "s2s" {
  trust_domain = var.trust_domain
  mesh_domain  = var.mesh_domain
}

# 1. The app's AWS presence in Registry: the account it runs in, and
#    certificates for its Lambda functions (off unless asked for).
resource "s2s_registry_app" "app" {
  app = var.app
  accounts = [
    { account_id = var.account_id, environment = var.environment },
  ]
  certificate_generation = true
}

# 2. A Lambda function registered as an s2s component of the app. Its
#    computed values feed the aws_lambda_function and its role.
resource "s2s_lambda_function" "api" {
  app           = s2s_registry_app.app.id
  environment   = var.environment
  account_id    = var.account_id
  function_name = "${var.app}-api"
  role_name     = "${var.app}-api"
  region        = var.region
}

# 3. Keywhiz secrets opted in for sync into the app's Secrets Manager.
resource "s2s_secret_assignment" "secrets" {
  for_each = toset(var.secrets)
  app      = s2s_registry_app.app.id
  secret   = each.value
}

# When does this app's secrets syncer run? Every 15 minutes, at an offset
# derived from the app name so accounts do not all call Keywhiz at once.
data "s2s_sync_schedule" "app" {
  app = var.app
}
