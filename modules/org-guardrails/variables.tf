variable "app_ou_ids" {
  description = "IDs of the organizational units holding the app accounts (ou-...). Both SCPs are attached to each."
  type        = list(string)

  validation {
    condition     = length(var.app_ou_ids) > 0 && alltrue([for id in var.app_ou_ids : can(regex("^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$", id))])
    error_message = "app_ou_ids must list at least one OU ID of the form ou-xxxx-xxxxxxxx (not a root r-... or an account ID)."
  }

  validation {
    condition     = length(distinct(var.app_ou_ids)) == length(var.app_ou_ids)
    error_message = "app_ou_ids lists an OU twice."
  }
}

variable "org_id" {
  description = "The AWS Organizations ID (o-...): the resource control policy lets only its principals reach secrets."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.org_id))
    error_message = "org_id must be an AWS Organizations ID such as o-a1b2c3d4e5."
  }
}

variable "central_account_id" {
  description = "The 12-digit ID of the central account whose role/platform/s2s-cert-issuer is the only principal the resource control policy lets assume a certificate writer."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.central_account_id))
    error_message = "central_account_id must be a 12-digit AWS account ID."
  }
}

variable "ci_account_id" {
  description = "The 12-digit ID of the CI system's account whose role/platform/ci-runner is the only principal the resource control policy lets assume a CI deployer."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.ci_account_id))
    error_message = "ci_account_id must be a 12-digit AWS account ID."
  }
}

variable "root_id" {
  description = "ID of the organization root (r-...) the resource control policy is attached to. Null leaves the RCP out (e.g. while RCPs are not enabled in the organization)."
  type        = string
  default     = null

  validation {
    condition     = var.root_id == null || can(regex("^r-[0-9a-z]{4,32}$", var.root_id))
    error_message = "root_id must be the organization root's ID (r-xxxx) or null."
  }
}

variable "name_prefix" {
  description = "Prefix of the policy names in Organizations (s2s- gives s2s-secrets-guard, s2s-platform-guard, s2s-secrets-perimeter)."
  type        = string
  default     = "s2s-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{0,32}$", var.name_prefix))
    error_message = "name_prefix must be at most 32 letters, digits, '-' or '_'."
  }
}

variable "tags" {
  description = "Tags for the policies."
  type        = map(string)
  default     = {}
}
