# One s2s Lambda function: its registration in Registry, its role under
# /app/<app>/ with the app boundary, the policies it needs (all from the s2s
# policy bundle), the mTLS layer and the environment the layer reads.

locals {
  role_name    = coalesce(var.role_name, var.function_name)
  role_path    = "/app/${var.app}/"
  boundary_arn = "arn:aws:iam::${var.account_id}:policy/platform/app-boundary"

  # What the mTLS layer (s2s-mtls-proxy) reads besides the S2S_* variables
  # s2s_lambda_function computes: where the mesh gateway is, its own port on
  # 127.0.0.1, and whether requests must carry the sandbox's token.
  mtls_proxy_url = "http://127.0.0.1:${var.mtls_proxy_port}"
  mtls_environment = merge(
    {
      S2S_MESH_GATEWAY         = var.mesh_gateway
      S2S_PROXY_PORT           = tostring(var.mtls_proxy_port)
      S2S_PROXY_TOKEN_VARIABLE = var.mtls_proxy_require_token ? "AWS_SESSION_TOKEN" : "none"
    },
    # HTTP_PROXY: plain http:// mesh URLs go through the layer with no code;
    # NO_PROXY keeps loopback and the metadata endpoints direct.
    var.mtls_proxy_http_proxy ? {
      HTTP_PROXY = local.mtls_proxy_url
      NO_PROXY   = "localhost,127.0.0.1,169.254.169.254,169.254.170.2"
    } : {},
  )
}

# Registers the function as a component of the app; computes its mesh
# hostname, SPIFFE ID, certificate secret, layer environment and the policy
# that reads exactly its certificate. Plan fails for an account the app has not
# registered, or (with AWS settings on the provider) for the wrong account.
resource "s2s_lambda_function" "this" {
  app           = var.app
  environment   = var.environment
  account_id    = var.account_id
  function_name = var.function_name
  role_name     = local.role_name
  region        = var.region
}

data "s2s_policy" "trust" {
  name = "iam/app-lambda-trust"
  parameters = {
    account_id = var.account_id
  }
}

data "s2s_policy" "app" {
  name = "iam/app-lambda-identity"
  parameters = {
    account_id = var.account_id
    region     = var.region
    app        = var.app
  }
}

# role/app/<app>/<role_name>, capped by policy/platform/app-boundary (created
# by account-baseline; the CI deployer may create app roles only with it).
resource "aws_iam_role" "this" {
  name                 = local.role_name
  path                 = local.role_path
  description          = "Execution role of the s2s function ${var.function_name} of ${var.app}."
  assume_role_policy   = data.s2s_policy.trust.json
  permissions_boundary = local.boundary_arn
  tags                 = var.tags
}

# Exactly the app's certificate s2s/<app>/tls, as s2s_lambda_function computes it.
resource "aws_iam_role_policy" "certificate" {
  name   = "s2s-certificate-read"
  role   = aws_iam_role.this.id
  policy = s2s_lambda_function.this.certificate_read_policy_json
}

# The synced Keywhiz secrets of the account (keywhiz/*) and the function's logs.
resource "aws_iam_role_policy" "app" {
  name   = "s2s-app"
  role   = aws_iam_role.this.id
  policy = data.s2s_policy.app.json
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:VPC placement is the app team's network design; the function reaches the mesh gateway through the mTLS layer either way
  #checkov:skip=CKV_AWS_116:a dead-letter queue belongs to how the team invokes its function (most s2s functions are invoked synchronously)
  #checkov:skip=CKV_AWS_115:concurrency is the app team's capacity decision; the s2s layer needs none reserved
  #checkov:skip=CKV_AWS_173:the s2s variables are names and hostnames, not secrets (those live in Secrets Manager); the AWS-managed key encrypts them
  #checkov:skip=CKV_AWS_50:X-Ray tracing is the app team's choice
  function_name     = var.function_name
  role              = aws_iam_role.this.arn
  handler           = var.handler
  runtime           = var.runtime
  architectures     = [var.architecture]
  memory_size       = var.memory_size
  timeout           = var.timeout
  layers            = [var.mtls_layer_arn]
  filename          = var.filename
  source_code_hash  = var.filename == null ? null : filebase64sha256(var.filename)
  s3_bucket         = var.s3_bucket
  s3_key            = var.s3_key
  s3_object_version = var.s3_object_version

  # Only releases signed by the release profile run (account-baseline's
  # configuration, enforced): replacing this function's code with unsigned
  # code fails, whoever tries.
  code_signing_config_arn = var.code_signing_config_arn

  environment {
    # The s2s variables win: the layer must see what Registry registered.
    variables = merge(var.environment_variables, local.mtls_environment, s2s_lambda_function.this.environment_variables)
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  # s2s-app marks the function as s2s's: platform-guard lets only CI change a
  # function carrying it (it runs as a role the app's secrets trust). Last in
  # the merge, so no caller tag can replace it.
  tags = merge(var.tags, { "s2s-app" = var.app })

  depends_on = [
    aws_iam_role_policy.certificate,
    aws_iam_role_policy.app,
  ]
}
