variable "app" {
  description = "The app whose Keywhiz secrets are synced into this account (a DNS label). It also sets the schedule: provider::s2s::sync_schedule(app)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.app))
    error_message = "app must be a DNS label: a lower-case letter, then up to 62 lower-case letters, digits or '-', not ending in '-'."
  }
}

variable "account_id" {
  description = "The 12-digit ID of the app account the syncer runs in."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account ID (digits only, no ARN)."
  }
}

variable "region" {
  description = "The AWS Region of the syncer and of the synced secrets, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be one AWS Region such as eu-west-1 (no wildcards)."
  }
}

variable "trust_domain" {
  description = "The SPIFFE trust domain: the syncer's certificate must be spiffe://<trust_domain>/<app>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$", var.trust_domain))
    error_message = "trust_domain must be a lower-case DNS name such as example.internal (no scheme, no path)."
  }
}

variable "keywhiz_url" {
  description = "Base URL of Keywhiz, e.g. https://keywhiz.example.internal:4444."
  type        = string

  validation {
    condition     = can(regex("^https://[^/?#]+(/.*)?$", var.keywhiz_url))
    error_message = "keywhiz_url must be an https:// URL: Keywhiz is reached over mTLS only."
  }
}

variable "keywhiz_ca_pem" {
  description = "PEM of the CA(s) that Keywhiz's server certificate chains to."
  type        = string

  validation {
    condition     = strcontains(var.keywhiz_ca_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "keywhiz_ca_pem must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----)."
  }
}

variable "artifact_bucket" {
  description = "The shared S3 bucket holding the syncer's Lambda zips (keywhiz-syncer-<arch>.zip from `make artifacts`): the artifact_bucket given to account-baseline, the one bucket the CI deployer may read."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be an S3 bucket name (3-63 lower-case letters, digits, '.' or '-')."
  }
}

variable "artifact_key" {
  description = "S3 key of the syncer zip for var.architecture, under keywhiz-syncer/ (the prefix the CI deployer may read), e.g. keywhiz-syncer/1.4.0/keywhiz-syncer-aarch64.zip."
  type        = string

  validation {
    condition     = endswith(var.artifact_key, ".zip")
    error_message = "artifact_key must name a .zip object."
  }

  validation {
    condition     = startswith(var.artifact_key, "keywhiz-syncer/")
    error_message = "artifact_key must be under keywhiz-syncer/ in the artifact bucket: the CI deployer reads syncer zips from that prefix only."
  }
}

variable "artifact_object_version" {
  description = "The S3 object version of the zip: the deploy is pinned to these exact bytes even if the key is overwritten."
  type        = string

  validation {
    condition     = length(trimspace(var.artifact_object_version)) > 0 && var.artifact_object_version != "null"
    error_message = "artifact_object_version must be the object's version ID (the bucket must have versioning enabled)."
  }
}

variable "artifact_sha256" {
  description = "SHA-256 of the zip, base64-encoded as Lambda reports CodeSha256 (the binary digest of openssl dgst -sha256 -binary, in base64). The apply fails if the deployed code differs."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+/]{43}=$", var.artifact_sha256))
    error_message = "artifact_sha256 must be a base64-encoded SHA-256 (44 characters ending in '='), not the hex form sha256sum prints."
  }
}

variable "architecture" {
  description = "Instruction set of the zip: arm64 (keywhiz-syncer-aarch64.zip) or x86_64 (keywhiz-syncer-x86_64.zip)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory of the syncer in MB (128-10240)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of one sync in seconds. Must end before the next run 15 minutes later (at most 840)."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout >= 30 && var.timeout <= 840
    error_message = "timeout must be between 30 and 840 seconds: a sync must finish before the next one starts 15 minutes later."
  }
}

variable "max_delete_share" {
  description = "Largest share (0-1) of the synced secrets one run may delete; a run that would delete more deletes nothing, fails and alarms. 0: no run deletes anything by itself. A listing that removes every synced secret is refused whatever the share (see delete_override_until)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.max_delete_share >= 0 && var.max_delete_share <= 1
    error_message = "max_delete_share must be between 0 and 1 (the syncer accepts exactly that range)."
  }
}

variable "delete_override_until" {
  description = "The large-delete override: an RFC 3339 UTC time (e.g. 2026-12-01T18:00:00Z) at most 24 hours after the plan, until which the syncer may delete any share of the synced secrets, all included. Set it in the one reviewed change that lets an intended large removal through; it expires by itself, and the next apply without it removes it. Null: the guard holds."
  type        = string
  default     = null

  validation {
    condition     = var.delete_override_until == null || can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", var.delete_override_until))
    error_message = "delete_override_until must be an RFC 3339 UTC time such as 2026-12-01T18:00:00Z (what the syncer parses)."
  }

  validation {
    condition     = var.delete_override_until == null || try(timecmp(var.delete_override_until, plantimestamp()) > 0 && timecmp(var.delete_override_until, timeadd(plantimestamp(), "24h")) <= 0, false)
    error_message = "delete_override_until must lie in the next 24 hours: the override is for one run's review, not a standing setting."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of the account's Lambda code signing configuration (account-baseline's code_signing_config_arn output): Lambda runs only zips signed by the release profile. The platform-guard SCP refuses a function CI creates without one."
  type        = string

  validation {
    condition     = can(regex("^arn:aws:lambda:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a code signing configuration ARN (arn:aws:lambda:<region>:<account>:code-signing-config:csc-...)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the syncer's log group. Null: CloudWatch Logs' own encryption (the logs hold counts and names, never a value)."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/[0-9a-f-]{36}$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "log_retention_days" {
  description = "Days the syncer's CloudWatch logs are kept (a value CloudWatch Logs accepts; a year by default, so a sync can be traced back)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "failed_runs_to_alarm" {
  description = "Consecutive failed syncs (15 minutes apart) before the alarm fires."
  type        = number
  default     = 2

  validation {
    condition     = var.failed_runs_to_alarm >= 1 && var.failed_runs_to_alarm <= 96
    error_message = "failed_runs_to_alarm must be between 1 and 96 (one day of runs)."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when the alarms fire or recover (e.g. an SNS topic)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : startswith(a, "arn:")])
    error_message = "alarm_actions must be ARNs (arn:...)."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
