output "layer_version_arns" {
  description = "The published layer version ARN by architecture: lambda-s2s's mtls_layer_arn."
  value       = { for arch, layer in aws_lambda_layer_version.mtls : arch => layer.arn }
}

output "layer_account_id" {
  description = "The account that publishes the layer: account-baseline's layer_account_id in every app account."
  value       = one(distinct([for layer in aws_lambda_layer_version.mtls : split(":", layer.layer_arn)[4]]))
}
