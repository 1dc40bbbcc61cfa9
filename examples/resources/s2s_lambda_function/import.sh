# The import ID is <app>/<account_id>/<function_name>.
terraform import s2s_lambda_function.api payments/111122223333/payments-api
