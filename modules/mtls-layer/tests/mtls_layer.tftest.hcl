# terraform test for mtls-layer, against hashicorp/aws 6.25.0's real schema (a
# schema-only provider, mocked here): see ../README.md.

mock_provider "aws" {}

variables {
  artifact_bucket = "s2s-artifacts-example"
  artifacts = {
    arm64 = {
      key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-arm64.zip"
      object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
      sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    }
    x86_64 = {
      key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-x86_64.zip"
      object_version = "3sZplXNo7JVuAw7mJo2c0NxR1JhL5eQQ"
      sha256         = "Yz/obvL9gowSKqUMTmr4mUU8FyEuW3YjVEne/j5wHHM="
    }
  }
  organization_id = "o-a1b2c3d4e5"
}

run "layer_names_are_the_ones_lambda_s2s_and_the_policies_accept" {
  command = plan

  assert {
    condition     = aws_lambda_layer_version.mtls["arm64"].layer_name == "s2s-mtls-proxy-arm64" && aws_lambda_layer_version.mtls["x86_64"].layer_name == "s2s-mtls-proxy-x86_64"
    error_message = "the layers must be s2s-mtls-proxy-<architecture>: lambda-s2s's mtls_layer_arn and iam/ci-deployer-identity accept only those"
  }

  assert {
    condition     = aws_lambda_layer_version.mtls["arm64"].compatible_architectures == toset(["arm64"]) && aws_lambda_layer_version.mtls["x86_64"].compatible_architectures == toset(["x86_64"])
    error_message = "each layer must declare its one architecture"
  }

  assert {
    condition     = aws_lambda_layer_version.mtls["arm64"].s3_object_version == "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE" && aws_lambda_layer_version.mtls["arm64"].source_code_hash == "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    error_message = "the layer must be pinned to the object version and its sha256"
  }

  assert {
    condition     = length(aws_lambda_layer_version_permission.organization) == 2 && aws_lambda_layer_version_permission.organization["arm64"].organization_id == "o-a1b2c3d4e5" && aws_lambda_layer_version_permission.organization["arm64"].action == "lambda:GetLayerVersion"
    error_message = "each layer must be shared with the organization for lambda:GetLayerVersion only"
  }

  assert {
    condition     = length(aws_lambda_layer_version_permission.accounts) == 0
    error_message = "no per-account statement without account_ids"
  }
}

run "shared_with_listed_accounts" {
  command = plan

  variables {
    organization_id = null
    account_ids     = ["111111111111", "222222222222"]
  }

  assert {
    condition     = length(aws_lambda_layer_version_permission.accounts) == 4 && aws_lambda_layer_version_permission.accounts["x86_64/222222222222"].principal == "222222222222"
    error_message = "each layer must be shared with each listed account, one statement each"
  }

  assert {
    condition     = length(aws_lambda_layer_version_permission.organization) == 0
    error_message = "no organization statement without organization_id"
  }
}

run "shared_with_nobody_is_refused" {
  command = plan

  variables {
    organization_id = null
    account_ids     = []
  }

  expect_failures = [var.account_ids]
}

run "an_architecture_lambda_does_not_run_is_refused" {
  command = plan

  variables {
    artifacts = {
      riscv64 = {
        key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-riscv64.zip"
        object_version = "v1"
        sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
      }
    }
  }

  expect_failures = [var.artifacts]
}

run "a_hex_sha256_is_refused" {
  command = plan

  variables {
    artifacts = {
      arm64 = {
        key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-arm64.zip"
        object_version = "v1"
        sha256         = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
      }
    }
  }

  expect_failures = [var.artifacts]
}

run "published_when_the_code_is_the_pinned_zip" {
  variables {
    artifacts = {
      arm64 = {
        key            = "s2s-mtls-proxy/0.1.0/s2s-mtls-proxy-arm64.zip"
        object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
        sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
      }
    }
  }

  override_resource {
    target = aws_lambda_layer_version.mtls
    values = {
      arn         = "arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-arm64:4"
      layer_arn   = "arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-arm64"
      version     = "4"
      code_sha256 = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    }
  }

  assert {
    condition     = output.layer_version_arns == { arm64 = "arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-arm64:4" }
    error_message = "the output must give lambda-s2s the published version ARN by architecture"
  }

  assert {
    condition     = output.layer_account_id == "333333333333"
    error_message = "the output must give account-baseline the layer account"
  }

  assert {
    condition     = aws_lambda_layer_version_permission.organization["arm64"].version_number == 4
    error_message = "the permission must share the version just published"
  }
}

# Last: it applies (mocked), and the state it leaves fails the postcondition.
run "published_code_must_be_the_pinned_zip" {
  override_resource {
    target = aws_lambda_layer_version.mtls
    values = {
      layer_arn   = "arn:aws:lambda:eu-west-1:333333333333:layer:s2s-mtls-proxy-arm64"
      code_sha256 = "31l/4NM/fe9oQfLK3zZyt5t9SdrHX4MvLXfJg0PVILo="
    }
  }

  expect_failures = [aws_lambda_layer_version.mtls]
}
