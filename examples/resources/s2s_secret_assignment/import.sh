# The import ID is <app>/<secret>: app names never contain "/", so everything
# after the first "/" is the Keywhiz secret name (which may contain ":").
# Import a grant that already exists (another configuration's, or one made by
# hand): creating it is refused with "already granted, import it".
terraform import s2s_secret_assignment.db_password payments/payments:db-password
