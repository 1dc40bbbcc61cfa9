terraform {
  required_version = ">= 1.8"
  required_providers {
    s2s = {
      source = "registry.example.internal/platform/s2s"
    }
  }
}

# Every argument can also come from its S2S_* environment variable, which is
# how a CI pipeline usually passes the mTLS identity.
provider "s2s" {
  registry_url       = "https://registry.example.internal:8443"
  keywhiz_url        = "https://keywhiz.example.internal:4444"
  client_certificate = "/etc/s2s/terraform.pem" # PEM text or a file path
  client_key         = "/etc/s2s/terraform-key.pem"
  ca_bundle          = "/etc/s2s/ca.pem"
  trust_domain       = "example.internal"
  mesh_domain        = "meshproxy.example.internal"

  expiry_warning_days     = 30
  request_timeout_seconds = 120

  # Optional: STS GetCallerIdentity refuses to register a function in an
  # account other than the one these credentials belong to.
  aws {
    region          = "eu-west-1"
    assume_role_arn = "arn:aws:iam::111122223333:role/platform/ci-deployer"
  }
}
