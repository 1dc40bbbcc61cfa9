resource "s2s_lambda_function" "api" {
  app           = s2s_registry_app.payments.id # registered first
  environment   = "staging"
  account_id    = "111122223333"
  function_name = "payments-api"
  role_name     = "payments-api"
  region        = "eu-west-1" # or the provider's aws.region
}

# What the function next to it uses (hashicorp/aws):
#
# resource "aws_lambda_function" "api" {
#   function_name = s2s_lambda_function.api.function_name
#   role          = aws_iam_role.api.arn
#   environment {
#     variables = merge(local.app_variables, s2s_lambda_function.api.environment_variables)
#   }
#   ...
# }
#
# resource "aws_iam_role_policy" "certificate" {
#   role   = aws_iam_role.api.name
#   policy = s2s_lambda_function.api.certificate_read_policy_json
# }
