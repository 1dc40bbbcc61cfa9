# The organization's guardrails: the SCPs of policies/scp attached to the OUs of
# the app accounts, and the RCP of policies/rcp attached to the root. The
# documents are the bundle's, rendered and checked by the s2s provider (SCP size
# is counted as sent, so they are sent minified).
#
# Order matters: apply account-baseline in every app account first; once
# platform-guard is attached, only role/platform/ci-deployer may change
# role/platform/*, role/app/*, the syncer function and the s2s functions, only
# the organization's access role the deployer, the boundary and code signing,
# and only AWS services assume the workload roles (the RCP: also from outside
# the app OU; the writer only by the central issuer, the deployer only by the
# CI runner).

data "s2s_policy" "secrets_guard" {
  name = "scp/secrets-guard"
}

data "s2s_policy" "platform_guard" {
  name = "scp/platform-guard"
}

data "s2s_policy" "secrets_perimeter" {
  name = "rcp/secrets-perimeter"
  parameters = {
    org_id             = var.org_id
    central_account_id = var.central_account_id
    ci_account_id      = var.ci_account_id
  }
}

resource "aws_organizations_policy" "secrets_guard" {
  name        = "${var.name_prefix}secrets-guard"
  description = substr(data.s2s_policy.secrets_guard.description, 0, 512)
  type        = "SERVICE_CONTROL_POLICY"
  content     = data.s2s_policy.secrets_guard.json
  tags        = var.tags
}

resource "aws_organizations_policy_attachment" "secrets_guard" {
  for_each  = toset(var.app_ou_ids)
  policy_id = aws_organizations_policy.secrets_guard.id
  target_id = each.key
}

resource "aws_organizations_policy" "platform_guard" {
  name        = "${var.name_prefix}platform-guard"
  description = substr(data.s2s_policy.platform_guard.description, 0, 512)
  type        = "SERVICE_CONTROL_POLICY"
  content     = data.s2s_policy.platform_guard.json
  tags        = var.tags
}

resource "aws_organizations_policy_attachment" "platform_guard" {
  for_each  = toset(var.app_ou_ids)
  policy_id = aws_organizations_policy.platform_guard.id
  target_id = each.key
}

resource "aws_organizations_policy" "secrets_perimeter" {
  count       = var.root_id == null ? 0 : 1
  name        = "${var.name_prefix}secrets-perimeter"
  description = substr(data.s2s_policy.secrets_perimeter.description, 0, 512)
  type        = "RESOURCE_CONTROL_POLICY"
  content     = data.s2s_policy.secrets_perimeter.json
  tags        = var.tags
}

resource "aws_organizations_policy_attachment" "secrets_perimeter" {
  count     = var.root_id == null ? 0 : 1
  policy_id = aws_organizations_policy.secrets_perimeter[0].id
  target_id = var.root_id
}
