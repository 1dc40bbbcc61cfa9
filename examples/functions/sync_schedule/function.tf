output "payments_sync_schedule" {
  value = provider::s2s::sync_schedule("payments") # cron(<offset>/15 * * * ? *)
}
