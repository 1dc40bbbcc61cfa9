# The import ID is <app>/<secret>: app names never contain "/", so everything
# after the first "/" is the Keywhiz secret name (which may contain ":").
terraform import s2s_secret_assignment.db_password payments/payments:db-password
