output "payments_sync_offset" {
  value = provider::s2s::sync_offset("payments") # a minute between 0 and 14
}
