output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "ARN of the execution role role/app/<app>/<role_name>."
  value       = aws_iam_role.this.arn
}

output "mesh_hostname" {
  description = "The app's mesh hostname, <environment>.<app>.<mesh domain>: the SNI name other services reach it by."
  value       = s2s_lambda_function.this.mesh_hostname
}

output "spiffe_id" {
  description = "The app's SPIFFE ID, the URI SAN of its certificate."
  value       = s2s_lambda_function.this.spiffe_id
}

output "certificate_secret_name" {
  description = "The Secrets Manager secret holding the app's certificate bundle (s2s/<app>/tls)."
  value       = s2s_lambda_function.this.certificate_secret_name
}

output "log_group_name" {
  description = "The function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "mtls_proxy_url" {
  description = "The mTLS layer inside the function's sandbox: HTTP_PROXY, or the base of the reverse-proxy form <url>/<app>/<path>."
  value       = local.mtls_proxy_url
}
