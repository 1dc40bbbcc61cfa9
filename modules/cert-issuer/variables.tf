variable "account_id" {
  description = "The 12-digit ID of the central account the issuer, its CA, queue and ledger live in."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account ID (digits only, no ARN)."
  }
}

variable "region" {
  description = "The AWS Region of the issuer and of the app accounts' certificate secrets, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be one AWS Region such as eu-west-1 (no wildcards)."
  }
}

variable "org_id" {
  description = "The AWS Organizations ID (o-...). The issuer may assume the certificate writer only in accounts of this organization."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.org_id))
    error_message = "org_id must be an AWS Organizations ID such as o-s2sexample1."
  }
}

variable "trust_domain" {
  description = "The SPIFFE trust domain: every certificate names spiffe://<trust_domain>/<app>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$", var.trust_domain))
    error_message = "trust_domain must be a lower-case DNS name such as example.internal (no scheme, no path)."
  }
}

variable "registry_url" {
  description = "Base URL of Registry, e.g. https://registry.example.internal."
  type        = string

  validation {
    condition     = can(regex("^https://[^/?#]+(/.*)?$", var.registry_url))
    error_message = "registry_url must be an https:// URL: Registry is reached over mTLS only."
  }
}

variable "mesh_ca_bundle_pem" {
  description = "PEM of the mesh roots that verify mesh servers: written as ca_bundle into every certificate bundle. Lambda environment variables hold 4 KB in all, so keep it to the roots."
  type        = string

  validation {
    condition     = strcontains(var.mesh_ca_bundle_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "mesh_ca_bundle_pem must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----)."
  }
}

variable "ca_common_name" {
  description = "Subject CN of the issuing Private CA."
  type        = string
  default     = "s2s short-lived issuing CA"
}

variable "ca_usage_mode" {
  description = "SHORT_LIVED_CERTIFICATE ($50 a month, validity at most 7 days, but $0.058 per certificate) or GENERAL_PURPOSE ($400 a month, certificates from $0.75 down to $0.001 by monthly volume). Past about 75,000 certificates a month general-purpose costs less; see the cost model in cert-issuer/README.md."
  type        = string
  default     = "SHORT_LIVED_CERTIFICATE"

  validation {
    condition     = contains(["SHORT_LIVED_CERTIFICATE", "GENERAL_PURPOSE"], var.ca_usage_mode)
    error_message = "ca_usage_mode must be SHORT_LIVED_CERTIFICATE or GENERAL_PURPOSE (it cannot be changed once the CA exists)."
  }
}

variable "ca_certificate_pem" {
  description = "The issuing CA's certificate, signed by the datacenter root from the CA's CSR (output ca_csr): the CA is then a subordinate and the mesh roots verify the Lambdas' certificates. Null: the CA signs its own root certificate, which the mesh must then trust (output ca_certificate_chain)."
  type        = string
  default     = null

  validation {
    condition     = var.ca_certificate_pem == null || strcontains(coalesce(var.ca_certificate_pem, "x"), "-----BEGIN CERTIFICATE-----")
    error_message = "ca_certificate_pem must be a PEM certificate, or null for a self-signed root."
  }
}

variable "ca_certificate_chain_pem" {
  description = "The certificates above ca_certificate_pem, up to the datacenter root (PEM). Only with ca_certificate_pem."
  type        = string
  default     = null
}

variable "ca_chain_bucket" {
  description = "The organization-readable S3 bucket the CA chain is published to (what the mesh must trust to accept a Lambda's certificate)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.ca_chain_bucket))
    error_message = "ca_chain_bucket must be an S3 bucket name (3-63 lower-case letters, digits, '.' or '-')."
  }
}

variable "ca_chain_key" {
  description = "Object key of the published CA chain in ca_chain_bucket."
  type        = string
  default     = "s2s/cert-issuer/ca-chain.pem"
}

variable "artifact_bucket" {
  description = "The S3 bucket holding the issuer's Lambda zips (cert-issuer-<arch>.zip from `make artifacts`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be an S3 bucket name (3-63 lower-case letters, digits, '.' or '-')."
  }
}

variable "artifact_key" {
  description = "S3 key of the issuer zip for var.architecture, e.g. cert-issuer/0.1.0/cert-issuer-aarch64.zip."
  type        = string

  validation {
    condition     = startswith(var.artifact_key, "cert-issuer/") && endswith(var.artifact_key, ".zip")
    error_message = "artifact_key must name a .zip object under cert-issuer/."
  }
}

variable "artifact_object_version" {
  description = "The S3 object version of the zip: the code is pinned to it, so an overwritten key cannot change what the next apply deploys."
  type        = string

  validation {
    condition     = length(var.artifact_object_version) > 0
    error_message = "artifact_object_version must be the VersionId S3 returned when the release was uploaded."
  }
}

variable "artifact_sha256" {
  description = "base64(sha256(zip)) of the released zip; the apply fails if the deployed code has another hash."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.artifact_sha256))
    error_message = "artifact_sha256 must be the base64 SHA-256 of the zip (44 characters ending in '=')."
  }
}

variable "architecture" {
  description = "Lambda architecture of the zip: arm64 (cert-issuer-aarch64.zip) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "lifetime_hours" {
  description = "Certificate lifetime in hours (at most 168: short-lived certificate mode)."
  type        = number
  default     = 24

  validation {
    condition     = var.lifetime_hours >= 1 && var.lifetime_hours <= 168
    error_message = "lifetime_hours must be 1..168."
  }
}

variable "renew_margin_hours" {
  description = "A certificate with less than this left is renewed (hourly runs; below the lifetime, so the new one overlaps the old)."
  type        = number
  default     = 12

  validation {
    condition     = var.renew_margin_hours >= 1 && var.renew_margin_hours < var.lifetime_hours
    error_message = "renew_margin_hours must be at least 1 and below lifetime_hours."
  }
}

variable "alarm_remaining_hours" {
  description = "The expiry alarm fires when any certificate has less than this left."
  type        = number
  default     = 6

  validation {
    condition     = var.alarm_remaining_hours >= 1 && var.alarm_remaining_hours < var.renew_margin_hours
    error_message = "alarm_remaining_hours must be at least 1 and below renew_margin_hours."
  }
}

variable "issue_tps" {
  description = "IssueCertificate calls per second for all workers together, below the account's quota (25 by default); each worker keeps issue_tps / worker_concurrency."
  type        = number
  default     = 20

  validation {
    condition     = var.issue_tps > 0 && var.issue_tps <= 1000
    error_message = "issue_tps must be in (0, 1000]."
  }
}

variable "worker_concurrency" {
  description = "Most worker Lambdas at once (the SQS event source's maximum concurrency, 2-1000)."
  type        = number
  default     = 5

  validation {
    condition     = var.worker_concurrency >= 2 && var.worker_concurrency <= 1000
    error_message = "worker_concurrency must be 2..1000 (the event source's limits)."
  }
}

variable "memory_size" {
  description = "Memory of both functions in MB."
  type        = number
  default     = 256
}

variable "planner_timeout" {
  description = "Timeout of the planning function in seconds."
  type        = number
  default     = 300
}

variable "worker_timeout" {
  description = "Timeout of the worker function in seconds (the queue's visibility timeout is six times this)."
  type        = number
  default     = 120
}

variable "max_receive_count" {
  description = "Deliveries of a job before it moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups."
  type        = number
  default     = 90
}

variable "alarm_actions" {
  description = "SNS topic ARNs notified by the alarms."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
