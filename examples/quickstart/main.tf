# The s2s quickstart: runs offline against the freshly built provider
# (`make demo`).

terraform {
  required_version = ">= 1.8"
  required_providers {
    s2s = {
      source = "s2s/s2s"
    }
  }
}

provider "s2s" {
  trust_domain = var.trust_domain
  mesh_domain  = var.mesh_domain
}

# When does this app's secrets syncer run? Every 15 minutes, at an offset
# derived from the app name so accounts do not all call Keywhiz at once.
data "s2s_sync_schedule" "app" {
  app = var.app
}
