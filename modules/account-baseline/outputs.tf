output "ci_deployer_role_arn" {
  description = "ARN of role/platform/ci-deployer: what the CI runner assumes to apply the other modules."
  value       = aws_iam_role.ci_deployer.arn
}

output "ci_deployer_role_name" {
  description = "Name of the CI deployer role (ci-deployer, path /platform/)."
  value       = aws_iam_role.ci_deployer.name
}

output "app_boundary_policy_arn" {
  description = "ARN of policy/platform/app-boundary, the permissions boundary of every role/app/<app>/* role (lambda-s2s attaches it by this fixed name; the CI deployer may create app roles only with it)."
  value       = aws_iam_policy.app_boundary.arn
}

output "cert_writer_role_arn" {
  description = "ARN of role/platform/s2s-cert-writer, which the central cert-issuer assumes to write this account's certificates."
  value       = aws_iam_role.cert_writer.arn
}

output "policy_sizes" {
  description = "Characters of each attached document, as IAM counts them (the engine has checked them against IAM's limits)."
  value = {
    ci_deployer_trust    = data.s2s_policy.ci_deployer_trust.size
    ci_deployer_identity = data.s2s_policy.ci_deployer_identity.size
    app_boundary         = data.s2s_policy.app_boundary.size
    cert_writer_trust    = data.s2s_policy.cert_writer_trust.size
    cert_writer_identity = data.s2s_policy.cert_writer_identity.size
  }
}

output "code_signing_config_arn" {
  description = "ARN of the account's Lambda code signing configuration (signatures enforced): pass it to secrets-syncer and lambda-s2s as code_signing_config_arn."
  value       = aws_lambda_code_signing_config.release.arn
}
