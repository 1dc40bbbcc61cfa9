output "ca_arn" {
  description = "ARN of the issuing Private CA (short-lived certificate mode)."
  value       = aws_acmpca_certificate_authority.issuing.arn
}

output "ca_csr" {
  description = "The CA's certificate signing request: have the datacenter root sign it, then pass the result as ca_certificate_pem."
  value       = aws_acmpca_certificate_authority.issuing.certificate_signing_request
}

output "ca_certificate_chain" {
  description = "The CA's certificate chain (PEM): what the datacenter mesh must trust to accept a Lambda's certificate."
  value       = local.ca_chain
}

output "ca_chain_s3_uri" {
  description = "Where the CA chain is published for the organization."
  value       = "s3://${aws_s3_object.ca_chain.bucket}/${aws_s3_object.ca_chain.key}"
}

output "role_arn" {
  description = "ARN of role/platform/s2s-cert-issuer: the central_account_id of every account's certificate writer trusts it."
  value       = aws_iam_role.issuer.arn
}

output "queue_url" {
  description = "URL of the work queue s2s-cert-issuer."
  value       = aws_sqs_queue.jobs.url
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue s2s-cert-issuer-dlq."
  value       = aws_sqs_queue.dead_letters.url
}

output "ledger_table_name" {
  description = "The DynamoDB ledger of what was written where."
  value       = aws_dynamodb_table.ledger.name
}

output "planner_function_arn" {
  description = "ARN of the hourly planning function."
  value       = aws_lambda_function.issuer["planner"].arn
}

output "worker_function_arn" {
  description = "ARN of the SQS worker function."
  value       = aws_lambda_function.issuer["worker"].arn
}

output "expiring_alarm_arn" {
  description = "ARN of the alarm on a certificate with less than alarm_remaining_hours left."
  value       = aws_cloudwatch_metric_alarm.alarm["expiring"].arn
}
