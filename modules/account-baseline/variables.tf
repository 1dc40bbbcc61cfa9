variable "app" {
  description = "The app that lives in this account (a DNS label, as in its SPIFFE ID). The permissions boundary caps every app role at this app's secrets; the deployer reads only this app's artifacts and manages only its syncer's alarms."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.app))
    error_message = "app must be a DNS label: a lower-case letter, then up to 62 lower-case letters, digits or '-', not ending in '-'."
  }
}

variable "account_id" {
  description = "The 12-digit ID of the account this baseline is applied to."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account ID (digits only, no ARN)."
  }
}

variable "region" {
  description = "The AWS Region of the app's secrets and functions, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be one AWS Region such as eu-west-1 (no wildcards)."
  }
}

variable "artifact_bucket" {
  description = "The shared, versioned S3 bucket of the Lambda zips. The deployer may read only pinned object versions (s3:GetObjectVersion) under keywhiz-syncer/ and <app>/ in it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be one S3 bucket name (3-63 lower-case letters, digits, '.' or '-'; no wildcards, no ARN)."
  }
}

variable "layer_account_id" {
  description = "The 12-digit ID of the account that publishes the s2s mTLS layer (s2s-mtls-proxy-arm64, s2s-mtls-proxy-x86_64). The deployer may attach only those layers, from this account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.layer_account_id))
    error_message = "layer_account_id must be a 12-digit AWS account ID."
  }
}

variable "ci_account_id" {
  description = "The 12-digit ID of the CI system's account. Its role/platform/ci-runner (where the CI system's OIDC federation or instance role lands) is the only principal that may assume the deployer."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.ci_account_id))
    error_message = "ci_account_id must be a 12-digit AWS account ID."
  }
}

variable "org_id" {
  description = "The AWS Organizations ID (o-...). The deployer trusts the CI runner only while it belongs to this organization."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.org_id))
    error_message = "org_id must be an AWS Organizations ID such as o-a1b2c3d4e5."
  }
}

variable "central_account_id" {
  description = "The 12-digit ID of the central account whose role/platform/s2s-cert-issuer (modules/cert-issuer) is the only principal that may assume this account's certificate writer."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.central_account_id))
    error_message = "central_account_id must be the 12-digit AWS account ID of the issuer's account."
  }
}

variable "signing_profile_version_arns" {
  description = "Version ARNs of the AWS Signer profile(s) that sign s2s releases (platform AWSLambda-SHA384-ECDSA, in the release account): the only publishers the account's code signing configuration accepts."
  type        = list(string)

  validation {
    condition     = length(var.signing_profile_version_arns) > 0 && length(var.signing_profile_version_arns) <= 20 && alltrue([for a in var.signing_profile_version_arns : can(regex("^arn:aws:signer:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:/signing-profiles/[A-Za-z0-9_]{2,64}/[A-Za-z0-9]{10}$", a))])
    error_message = "signing_profile_version_arns must list 1-20 signing profile version ARNs (arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>)."
  }
}

variable "max_session_duration" {
  description = "Longest CI deployer session in seconds (3600-43200). Keep it near the length of one pipeline run."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds between 3600 and 43200 (IAM's limits)."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
