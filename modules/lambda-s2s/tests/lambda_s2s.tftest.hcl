# terraform test for lambda-s2s. Needs the hashicorp/aws provider installed (it
# is mocked, but Terraform still loads its schema) and the s2s provider.
# s2s_lambda_function talks to Registry, so it is overridden with what it
# computes. make test runs it against hashicorp/aws 6.25.0's real schema (a
# schema-only provider): see ../README.md.

mock_provider "aws" {}

provider "s2s" {}

# Known at plan too (override_during needs Terraform >= 1.11), so the plan
# runs below can check what the function and its role get from it.
override_resource {
  target          = s2s_lambda_function.this
  override_during = plan
  values = {
    id                      = "payments/111111111111/payments-api"
    mesh_hostname           = "staging.payments.meshproxy.example.internal"
    spiffe_id               = "spiffe://example.internal/payments"
    certificate_secret_name = "s2s/payments/tls"
    environment_variables = {
      S2S_APP                = "payments"
      S2S_CERTIFICATE_SECRET = "s2s/payments/tls"
    }
    certificate_read_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

variables {
  app                     = "payments"
  code_signing_config_arn = "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
  environment             = "staging"
  account_id              = "111111111111"
  region                  = "eu-west-1"
  function_name           = "payments-api"
  mtls_layer_arn          = "arn:aws:lambda:eu-west-1:999999999999:layer:s2s-mtls-proxy-arm64:7"
  mesh_gateway            = "mesh-gateway.example.internal:443"
  s3_bucket               = "s2s-artifacts-example"
  s3_key                  = "payments/payments-api/2.3.1/payments-api-arm64.zip"
  s3_object_version       = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
}

run "role_lives_under_the_app_path_with_the_boundary" {
  command = plan

  assert {
    condition     = aws_iam_role.this.path == "/app/payments/" && aws_iam_role.this.name == "payments-api"
    error_message = "the role must be role/app/<app>/<name>"
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::111111111111:policy/platform/app-boundary"
    error_message = "app roles must carry policy/platform/app-boundary"
  }

  assert {
    condition     = aws_iam_role_policy.app.policy == data.s2s_policy.app.json
    error_message = "the app policy must be the bundle's iam/app-lambda-identity"
  }

  assert {
    condition     = aws_lambda_function.this.layers == tolist(["arn:aws:lambda:eu-west-1:999999999999:layer:s2s-mtls-proxy-arm64:7"])
    error_message = "the function must carry the pinned mTLS layer"
  }

  assert {
    condition     = aws_iam_role_policy.certificate.policy == s2s_lambda_function.this.certificate_read_policy_json
    error_message = "the function's role must carry the certificate read policy the provider rendered"
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["S2S_CERTIFICATE_SECRET"] == "s2s/payments/tls" && aws_lambda_function.this.s3_object_version == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    error_message = "the function must get the layer's S2S_* environment and the pinned code version"
  }
}

run "refuses_an_unpinned_layer" {
  command = plan

  variables {
    mtls_layer_arn = "arn:aws:lambda:eu-west-1:999999999999:layer:s2s-mtls-proxy-arm64"
  }

  expect_failures = [var.mtls_layer_arn]
}

run "refuses_another_layer" {
  command = plan

  variables {
    mtls_layer_arn = "arn:aws:lambda:eu-west-1:999999999999:layer:debug-shell:1"
  }

  expect_failures = [var.mtls_layer_arn]
}

run "refuses_the_layer_of_another_architecture" {
  command = plan

  variables {
    mtls_layer_arn = "arn:aws:lambda:eu-west-1:999999999999:layer:s2s-mtls-proxy-x86_64:7"
  }

  expect_failures = [var.mtls_layer_arn]
}

run "refuses_an_artifact_of_another_app" {
  command = plan

  variables {
    s3_key = "orders/orders-api/1.0.0/orders-api-arm64.zip"
  }

  expect_failures = [var.s3_key]
}

run "refuses_two_packages" {
  command = plan

  variables {
    filename = "payments-api.zip"
  }

  expect_failures = [var.s3_object_version]
}

run "refuses_overriding_s2s_variables" {
  command = plan

  variables {
    environment_variables = { S2S_APP = "orders" }
  }

  expect_failures = [var.environment_variables]
}

run "wires_the_mtls_layer" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["S2S_MESH_GATEWAY"] == "mesh-gateway.example.internal:443"
    error_message = "the layer must be told where the mesh gateway is"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["HTTP_PROXY"] == "http://127.0.0.1:2774"
    error_message = "HTTP_PROXY points at the layer by default"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["S2S_PROXY_TOKEN_VARIABLE"] == "AWS_SESSION_TOKEN"
    error_message = "the token check is on by default"
  }
}

run "the_token_check_and_http_proxy_can_be_switched_off" {
  command = plan

  variables {
    mtls_proxy_require_token = false
    mtls_proxy_http_proxy    = false
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["S2S_PROXY_TOKEN_VARIABLE"] == "none"
    error_message = "require_token = false switches the check off"
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "HTTP_PROXY")
    error_message = "http_proxy = false leaves HTTP_PROXY alone"
  }
}
