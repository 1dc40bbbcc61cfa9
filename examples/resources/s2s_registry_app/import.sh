# The import ID is the app name. An app Registry already has is imported,
# never adopted by a create ("already registered, import it").
terraform import s2s_registry_app.payments payments
