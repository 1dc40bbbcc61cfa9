variable "app" {
  description = "The app the function belongs to (a DNS label, registered in Registry with this account)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.app))
    error_message = "app must be a DNS label: a lower-case letter, then up to 62 lower-case letters, digits or '-', not ending in '-'."
  }
}

variable "environment" {
  description = "The environment of the account as registered on the app: development, staging, production or sandbox."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production", "sandbox"], var.environment)
    error_message = "environment must be one of development, staging, production, sandbox."
  }
}

variable "account_id" {
  description = "The 12-digit ID of the account the function runs in (one of the app's accounts in Registry)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account ID (digits only, no ARN)."
  }
}

variable "region" {
  description = "The AWS Region of the function and of the app's secrets, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be one AWS Region such as eu-west-1 (no wildcards)."
  }
}

variable "function_name" {
  description = "The Lambda function's name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, '-' or '_' (a name, not an ARN)."
  }
}

variable "role_name" {
  description = "Name of the execution role, created under the path /app/<app>/ (role/app/<app>/<role_name>). Defaults to the function name."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 letters, digits or '+=,.@_-' (the name without path: the module sets /app/<app>/)."
  }
}

variable "mtls_layer_arn" {
  description = "ARN of the s2s mTLS layer version for var.architecture in var.region (arn:aws:lambda:<region>:<account>:layer:s2s-mtls-proxy-<architecture>:<version>). The CI deployer may attach only this layer, from the layer account account-baseline names."
  type        = string

  validation {
    condition     = can(regex("^arn:aws:lambda:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:layer:s2s-mtls-proxy-(arm64|x86_64):[0-9]+$", var.mtls_layer_arn))
    error_message = "mtls_layer_arn must be a version ARN of the s2s mTLS layer (layer:s2s-mtls-proxy-arm64 or -x86_64) ending in :<version>, so a deploy never picks up an untested layer."
  }

  validation {
    condition     = try(split(":", var.mtls_layer_arn)[3] == var.region && split(":", var.mtls_layer_arn)[6] == "s2s-mtls-proxy-${var.architecture}", false)
    error_message = "mtls_layer_arn must be the layer for the function's region and architecture (Lambda attaches layers only from the function's Region, built for its instruction set)."
  }
}

variable "mesh_gateway" {
  description = "host:port of the mesh gateway the mTLS layer connects to; it routes by SNI <environment>.<app>.<mesh domain> and never terminates TLS (S2S_MESH_GATEWAY)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9.-]+:[0-9]{1,5}$", var.mesh_gateway))
    error_message = "mesh_gateway must be host:port, e.g. mesh-gateway.example.internal:443."
  }
}

variable "mtls_proxy_port" {
  description = "Port of the mTLS layer on 127.0.0.1 in the function's sandbox (S2S_PROXY_PORT)."
  type        = number
  default     = 2774

  validation {
    condition     = var.mtls_proxy_port >= 1024 && var.mtls_proxy_port <= 65535 && var.mtls_proxy_port != 9001
    error_message = "mtls_proxy_port must be 1024-65535 and not 9001 (the Lambda Runtime API)."
  }
}

variable "mtls_proxy_require_token" {
  description = "Whether each request to the mTLS layer must carry the sandbox's AWS_SESSION_TOKEN (header X-S2S-Token, or the Proxy-Authorization password): a defence against SSRF, at the cost of one header in the function's code. false sets S2S_PROXY_TOKEN_VARIABLE=none."
  type        = bool
  default     = true
}

variable "mtls_proxy_http_proxy" {
  description = "Whether to set HTTP_PROXY to the mTLS layer (and NO_PROXY to loopback and the metadata endpoints), so that http://<environment>.<app>.<mesh domain>/... URLs work with no code. false leaves only the reverse-proxy form http://127.0.0.1:<port>/<app>/..."
  type        = bool
  default     = true
}

variable "filename" {
  description = "Path of the function's zip on the machine running Terraform. Give either filename or s3_bucket + s3_key + s3_object_version."
  type        = string
  default     = null
}

variable "s3_bucket" {
  description = "S3 bucket of the function's zip (with s3_key and s3_object_version): the shared artifact bucket account-baseline lets the CI deployer read."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "S3 key of the function's zip, under the app's prefix <app>/ of the shared artifact bucket (the only prefix besides keywhiz-syncer/ the CI deployer may read)."
  type        = string
  default     = null

  validation {
    condition     = startswith(coalesce(var.s3_key, "${var.app}/"), "${var.app}/")
    error_message = "s3_key must start with the app's prefix <app>/ (payments/... for app payments): the CI deployer reads the artifacts of its own app only."
  }
}

variable "s3_object_version" {
  description = "S3 object version of the function's zip: a deploy is pinned to one version of the object."
  type        = string
  default     = null

  validation {
    condition     = (var.filename == null) != (var.s3_bucket == null || var.s3_key == null || var.s3_object_version == null)
    error_message = "Give exactly one package: filename, or all of s3_bucket, s3_key and s3_object_version."
  }
}

variable "handler" {
  description = "The function's handler (bootstrap for the provided.* runtimes)."
  type        = string
  default     = "bootstrap"
}

variable "runtime" {
  description = "The Lambda runtime."
  type        = string
  default     = "provided.al2023"
}

variable "architecture" {
  description = "Instruction set of the function and of the layer: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB (128-10240)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of one invocation in seconds (1-900)."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "environment_variables" {
  description = "The function's own environment variables. The s2s variables (S2S_*) are added by the module and cannot be overridden."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : !startswith(k, "S2S_")])
    error_message = "environment_variables must not set S2S_* variables: the module takes them from s2s_lambda_function."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of the account's Lambda code signing configuration (account-baseline's code_signing_config_arn output): only zips signed by the release profile run. The platform-guard SCP refuses a function CI creates without one."
  type        = string

  validation {
    condition     = can(regex("^arn:aws:lambda:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a code signing configuration ARN (arn:aws:lambda:<region>:<account>:code-signing-config:csc-...)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the function's log group. Null: CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/[0-9a-f-]{36}$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "log_retention_days" {
  description = "Days the function's CloudWatch logs are kept (a value CloudWatch Logs accepts; a year by default)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
