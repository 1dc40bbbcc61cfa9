# The import ID is the app name.
terraform import s2s_registry_app.payments payments
