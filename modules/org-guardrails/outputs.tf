output "scp_ids" {
  description = "IDs of the service control policies, by bundle name (secrets-guard, platform-guard)."
  value = {
    secrets-guard  = aws_organizations_policy.secrets_guard.id
    platform-guard = aws_organizations_policy.platform_guard.id
  }
}

output "rcp_id" {
  description = "ID of the resource control policy secrets-perimeter; null when root_id is null."
  value       = one(aws_organizations_policy.secrets_perimeter[*].id)
}

output "attached_ous" {
  description = "The OUs both SCPs are attached to."
  value       = sort(keys(aws_organizations_policy_attachment.secrets_guard))
}

output "policy_sizes" {
  description = "Characters of each document as sent (SCP limit 10,240, RCP limit 5,120; checked by the engine at plan)."
  value = {
    secrets-guard     = data.s2s_policy.secrets_guard.size
    platform-guard    = data.s2s_policy.platform_guard.size
    secrets-perimeter = data.s2s_policy.secrets_perimeter.size
  }
}
