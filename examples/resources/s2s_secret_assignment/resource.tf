resource "s2s_secret_assignment" "db_password" {
  app    = s2s_registry_app.payments.id
  secret = "payments:db-password"
}

# The syncer writes it to Secrets Manager as "keywhiz/payments@db-password".
output "db_password_secret_name" {
  value = s2s_secret_assignment.db_password.secretsmanager_name
}
