data "s2s_sync_schedule" "payments" {
  app = "payments"
}

# e.g. cron(7/15 * * * ? *) for an EventBridge rule.
output "schedule" {
  value = data.s2s_sync_schedule.payments.schedule_expression
}
