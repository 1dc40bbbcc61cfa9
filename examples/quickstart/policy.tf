# A policy of the s2s bundle, rendered with this app's name and checked by the
# policy engine inside the provider at plan time: the inline policy of the
# app's Lambda roles. A parameter that would widen it (app = "*") fails the plan.
data "s2s_policy" "app_lambda" {
  name = "iam/app-lambda-identity"
  parameters = {
    account_id = var.account_id
    region     = var.region
    app        = var.app
  }
}

output "app_lambda_policy" {
  description = "The app's Lambda role policy, rendered from the bundle, checked and minified."
  value = {
    json     = data.s2s_policy.app_lambda.json
    type     = data.s2s_policy.app_lambda.policy_type
    size     = data.s2s_policy.app_lambda.size
    findings = data.s2s_policy.app_lambda.findings
  }
}
