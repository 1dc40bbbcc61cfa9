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
