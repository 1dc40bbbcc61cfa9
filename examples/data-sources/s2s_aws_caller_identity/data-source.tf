data "s2s_aws_caller_identity" "current" {}

output "account_id" {
  value = data.s2s_aws_caller_identity.current.account_id
}
