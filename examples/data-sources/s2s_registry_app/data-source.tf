data "s2s_registry_app" "orders" {
  app = "orders"
}

output "orders_accounts" {
  value = data.s2s_registry_app.orders.accounts
}
