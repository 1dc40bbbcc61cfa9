# The inline policy of an app's Lambda role, rendered from the bundle and
# checked by the policy engine at plan time.
data "s2s_policy" "app" {
  name = "iam/app-lambda-identity"
  parameters = {
    account_id = "111111111111"
    region     = "eu-west-1"
    app        = "payments"
  }
}

# An SCP: no parameters (it uses IAM policy variables such as
# ${aws:PrincipalAccount}, which are left alone).
data "s2s_policy" "secrets_guard" {
  name = "scp/secrets-guard"
}

resource "aws_iam_role_policy" "app" {
  name   = "s2s-app"
  role   = "payments-api"
  policy = data.s2s_policy.app.json
}

resource "aws_organizations_policy" "secrets_guard" {
  name    = "s2s-secrets-guard"
  type    = "SERVICE_CONTROL_POLICY"
  content = data.s2s_policy.secrets_guard.json
}
