output "function_arn" {
  description = "ARN of the keywhiz-syncer function."
  value       = aws_lambda_function.syncer.arn
}

output "role_arn" {
  description = "ARN of role/platform/keywhiz-syncer."
  value       = aws_iam_role.syncer.arn
}

output "schedule_expression" {
  description = "The EventBridge schedule, provider::s2s::sync_schedule(app): cron(<offset>/15 * * * ? *)."
  value       = aws_cloudwatch_event_rule.schedule.schedule_expression
}

output "code_sha256" {
  description = "CodeSha256 of the deployed code (equal to artifact_sha256, checked at apply)."
  value       = aws_lambda_function.syncer.code_sha256
}

output "log_group_name" {
  description = "The syncer's CloudWatch log group."
  value       = aws_cloudwatch_log_group.syncer.name
}

output "failed_syncs_alarm_arn" {
  description = "ARN of the alarm on failed syncs."
  value       = aws_cloudwatch_metric_alarm.alarm["failed-syncs"].arn
}
