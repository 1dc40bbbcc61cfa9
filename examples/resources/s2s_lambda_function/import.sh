# The import ID is <app>/<account_id>/<function_name>, and /<region> when the
# configuration sets `region` (or the provider has no aws.region): the state
# holds the certificate-read policy, which names the Region.
terraform import s2s_lambda_function.api payments/111122223333/payments-api/eu-west-1
