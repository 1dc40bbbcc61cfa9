output "payments_staging_hostname" {
  # staging.payments.meshproxy.example.internal
  value = provider::s2s::mesh_hostname("staging", "payments", "meshproxy.example.internal")
}
