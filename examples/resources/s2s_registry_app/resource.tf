resource "s2s_registry_app" "payments" {
  app = "payments"
  accounts = [
    { account_id = "111122223333", environment = "staging" },
    { account_id = "444455556666", environment = "production" },
  ]
  # Off by default: certificates are powerful. s2s_lambda_function needs it.
  certificate_generation = true
}
