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
