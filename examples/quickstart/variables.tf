variable "app" {
  description = "The application's name in Registry (a DNS label)."
  type        = string
  default     = "payments"
}

variable "environment" {
  description = "Where the app's Lambda runs: development, staging, production or sandbox."
  type        = string
  default     = "staging"
}

variable "trust_domain" {
  description = "The SPIFFE trust domain of the mesh."
  type        = string
  default     = "example.internal"
}

variable "mesh_domain" {
  description = "The DNS domain the mesh gateway routes by SNI."
  type        = string
  default     = "meshproxy.example.internal"
}

variable "account_id" {
  description = "The AWS account the app's Lambda runs in (moto's default account in the demo)."
  type        = string
  default     = "123456789012"
}

variable "region" {
  description = "The AWS Region of the Lambda and its certificate secret."
  type        = string
  default     = "eu-west-1"
}

variable "secrets" {
  description = "Keywhiz secrets to sync into the app's accounts."
  type        = list(string)
  default     = ["payments:db-password", "payments-api-key"]
}
