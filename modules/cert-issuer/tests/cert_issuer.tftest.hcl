# terraform test for cert-issuer. Needs the hashicorp/aws provider installed
# (it is mocked, but Terraform still loads its schema) and the s2s provider,
# which renders the policies for real. make test runs it against hashicorp/aws
# 6.25.0's real schema (a schema-only provider): see ../README.md.

mock_provider "aws" {
  # What Lambda reports for the released zip: both functions' postconditions
  # compare it with artifact_sha256.
  mock_resource "aws_lambda_function" {
    defaults = {
      code_sha256 = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    }
  }

  mock_resource "aws_acmpca_certificate_authority" {
    defaults = {
      arn = "arn:aws:acm-pca:eu-west-1:999999999999:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    }
  }
}

provider "s2s" {}

variables {
  account_id              = "999999999999"
  region                  = "eu-west-1"
  org_id                  = "o-s2sexample1"
  trust_domain            = "example.internal"
  registry_url            = "https://registry.example.internal"
  mesh_ca_bundle_pem      = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  ca_chain_bucket         = "s2s-org-trust"
  artifact_bucket         = "s2s-artifacts-example"
  artifact_key            = "cert-issuer/0.1.0/cert-issuer-aarch64.zip"
  artifact_object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
  artifact_sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
}

run "names_mode_and_schedule_follow_the_contract" {
  command = apply

  assert {
    condition     = aws_iam_role.issuer.name == "s2s-cert-issuer" && aws_iam_role.issuer.path == "/platform/"
    error_message = "the issuer role must be role/platform/s2s-cert-issuer, the one every writer trusts"
  }

  assert {
    condition     = aws_acmpca_certificate_authority.issuing.usage_mode == "SHORT_LIVED_CERTIFICATE"
    error_message = "the CA must be in short-lived certificate mode"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.hourly.schedule_expression == "rate(1 hour)"
    error_message = "the planner runs hourly"
  }

  assert {
    condition     = aws_lambda_function.planner.s3_object_version == "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE" && aws_lambda_function.worker.s3_object_version == "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
    error_message = "both functions are pinned to the object version"
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.issuer.policy, "EndEntityCertificate_APIPassthrough/V1") && strcontains(aws_iam_role_policy.issuer.policy, "certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    error_message = "the issuer issues from its own CA through the passthrough template only"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.jobs.scaling_config[0].maximum_concurrency == 5 && aws_lambda_function.worker.environment[0].variables["CERT_ISSUER_ISSUE_TPS"] == "4"
    error_message = "workers are bounded and each keeps its share of the issue rate"
  }

  assert {
    condition     = aws_s3_object.ca_chain.key == "s2s/cert-issuer/ca-chain.pem"
    error_message = "the CA chain is published"
  }
}

run "refuses_a_margin_that_would_not_overlap" {
  command = plan

  variables {
    renew_margin_hours = 24
  }

  expect_failures = [var.renew_margin_hours]
}

# Deployed code that is not the pinned artifact: the hash Lambda reports for
# what runs (in state since the first run) fails both functions'
# postconditions against the new pin, already at plan.
run "refuses_code_that_is_not_the_pinned_artifact" {
  command = plan

  variables {
    artifact_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  }

  expect_failures = [aws_lambda_function.planner, aws_lambda_function.worker]
}
