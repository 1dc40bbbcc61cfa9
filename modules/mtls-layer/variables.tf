variable "artifact_bucket" {
  description = "The S3 bucket (versioning on) holding the released layer zips."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be an S3 bucket name (3-63 lower-case letters, digits, '.' or '-')."
  }
}

variable "artifacts" {
  description = "The released zips by architecture (arm64, x86_64): S3 key, object version and sha256 in base64 (the binary digest of openssl dgst -sha256 -binary, in base64, as Lambda reports CodeSha256; make artifacts prints the hex). With code signing enforced on the functions (lambda-s2s), the object must be the signed one."
  type        = map(object({ key = string, object_version = string, sha256 = string }))

  validation {
    condition     = length(var.artifacts) > 0 && alltrue([for a in keys(var.artifacts) : contains(["arm64", "x86_64"], a)])
    error_message = "artifacts must name at least one architecture, each arm64 or x86_64 (the architectures Lambda runs)."
  }

  validation {
    condition     = alltrue([for a in values(var.artifacts) : length(a.object_version) > 0 && can(regex("^[A-Za-z0-9+/]{43}=$", a.sha256))])
    error_message = "each artifact needs its S3 object version (the bucket must be versioned) and its sha256 in base64 (44 characters ending in '='), not the hex make artifacts prints."
  }
}

variable "organization_id" {
  description = "Share the layer with every account of this AWS Organization (o-...). Null to share only with account_ids."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an AWS Organizations ID such as o-a1b2c3d4e5."
  }
}

variable "account_ids" {
  description = "Share the layer with these 12-digit account IDs (besides or instead of organization_id)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "account_ids must be 12-digit AWS account IDs (digits only, no ARN)."
  }

  validation {
    condition     = var.organization_id != null || length(var.account_ids) > 0
    error_message = "Share the layer with someone: set organization_id, account_ids, or both. An unshared layer cannot be attached by functions in the app accounts."
  }
}
