output "sync_offset" {
  description = "Minute offset of the app's syncer within each quarter hour."
  value       = provider::s2s::sync_offset(var.app)
}

output "sync_schedule" {
  description = "EventBridge schedule expression for the syncer."
  value       = provider::s2s::sync_schedule(var.app)
}

output "sync_minutes" {
  description = "The four minutes of each hour at which the syncer runs."
  value       = data.s2s_sync_schedule.app.minutes
}

output "mesh_hostname" {
  description = "The SNI name other services use to reach this app through the mesh gateway."
  value       = provider::s2s::mesh_hostname(var.environment, var.app, var.mesh_domain)
}

output "spiffe_id" {
  description = "The app's identity in Keywhiz and the mesh."
  value       = provider::s2s::spiffe_id(var.trust_domain, var.app)
}

output "registry_etag" {
  description = "Registry's ETag of the app: the next write is conditional on it."
  value       = s2s_registry_app.app.etag
}

output "lambda_environment_variables" {
  description = "Merge into aws_lambda_function.environment.variables for the s2s mTLS layer."
  value       = s2s_lambda_function.api.environment_variables
}

output "lambda_certificate_read_policy" {
  description = "Inline policy for the function's role: read its own certificate, nothing else."
  value       = jsondecode(s2s_lambda_function.api.certificate_read_policy_json)
}

output "synced_secrets" {
  description = "Keywhiz secret -> its name in the app's Secrets Manager, with expiry (epoch seconds, null = none)."
  value = {
    for name, a in s2s_secret_assignment.secrets :
    name => { secretsmanager_name = a.secretsmanager_name, expiry = a.expiry }
  }
}
