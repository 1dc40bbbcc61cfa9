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
    condition = (
      aws_lambda_function.issuer["planner"].function_name == "s2s-cert-issuer-planner" &&
      aws_lambda_function.issuer["worker"].function_name == "s2s-cert-issuer-worker" &&
      aws_lambda_function.issuer["planner"].logging_config[0].log_group == "/aws/lambda/s2s-cert-issuer-planner" &&
      aws_lambda_function.issuer["worker"].logging_config[0].log_group == "/aws/lambda/s2s-cert-issuer-worker"
    )
    error_message = "the planner and the worker keep their names, each logging to its own group"
  }

  assert {
    condition     = aws_lambda_function.issuer["planner"].reserved_concurrent_executions == 1 && aws_lambda_function.issuer["worker"].reserved_concurrent_executions != 1
    error_message = "one plan at a time; the workers' concurrency is the event source mapping's"
  }

  assert {
    condition     = aws_lambda_function.issuer["planner"].s3_object_version == "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE" && aws_lambda_function.issuer["worker"].s3_object_version == "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
    error_message = "both functions are pinned to the object version"
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.issuer.policy, "EndEntityCertificate_APIPassthrough/V1") && strcontains(aws_iam_role_policy.issuer.policy, "certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    error_message = "the issuer issues from its own CA through the passthrough template only"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.jobs.scaling_config[0].maximum_concurrency == 5 && aws_lambda_function.issuer["worker"].environment[0].variables["CERT_ISSUER_ISSUE_TPS"] == "4"
    error_message = "workers are bounded and each keeps its share of the issue rate"
  }

  assert {
    condition     = aws_s3_object.ca_chain.key == "s2s/cert-issuer/ca-chain.pem"
    error_message = "the CA chain is published"
  }
}

# The alarms read what the planner's EMF line carries (cert-issuer/src/report.rs:
# namespace s2s/cert-issuer, dimension Mode = "plan", MinRemainingSeconds even
# when Registry is down), and a planner that stopped or keeps failing alarms
# on Lambda's own metrics.
run "alarms_watch_expiry_and_the_planner" {
  command = apply

  variables {
    alarm_actions = ["arn:aws:sns:eu-west-1:999999999999:platform-alerts"]
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.alarm["expiring"].namespace == "s2s/cert-issuer" &&
      aws_cloudwatch_metric_alarm.alarm["expiring"].metric_name == "MinRemainingSeconds" &&
      aws_cloudwatch_metric_alarm.alarm["expiring"].dimensions["Mode"] == "plan" &&
      aws_cloudwatch_metric_alarm.alarm["expiring"].statistic == "Minimum" &&
      aws_cloudwatch_metric_alarm.alarm["expiring"].threshold == 6 * 3600 &&
      aws_cloudwatch_metric_alarm.alarm["expiring"].comparison_operator == "LessThanThreshold"
    )
    error_message = "the expiry alarm fires below 6 h on the planner's MinRemainingSeconds"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.alarm["not-planning"].metric_name == "Invocations" &&
      aws_cloudwatch_metric_alarm.alarm["not-planning"].dimensions["FunctionName"] == aws_lambda_function.issuer["planner"].function_name &&
      aws_cloudwatch_metric_alarm.alarm["not-planning"].treat_missing_data == "breaching"
    )
    error_message = "a planner that does not run must alarm (no invocations is missing data)"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.alarm["planner-failing"].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.alarm["planner-failing"].dimensions["FunctionName"] == aws_lambda_function.issuer["planner"].function_name &&
      aws_cloudwatch_metric_alarm.alarm["planner-failing"].evaluation_periods == 3
    )
    error_message = "three failed planning runs in a row must alarm"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.alarm["dead-letters"].dimensions["QueueName"] == aws_sqs_queue.dead_letters.name
    error_message = "jobs in the dead-letter queue must alarm"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.alarm["missing"].metric_name == "Missing" &&
      aws_cloudwatch_metric_alarm.alarm["missing"].evaluation_periods == 3
    )
    error_message = "an app without a certificate for three runs must alarm"
  }

  assert {
    condition = sort([for a in aws_cloudwatch_metric_alarm.alarm : a.alarm_name]) == tolist([
      "s2s-cert-issuer-dead-letters",
      "s2s-cert-issuer-expiring",
      "s2s-cert-issuer-missing",
      "s2s-cert-issuer-not-planning",
      "s2s-cert-issuer-planner-failing",
    ])
    error_message = "the alarm names are the ones runbooks and dashboards know"
  }

  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.alarm :
    a.alarm_actions == toset(var.alarm_actions) && a.ok_actions == toset(var.alarm_actions)])
    error_message = "every alarm notifies alarm_actions, both ways"
  }
}

run "general_purpose_mode_on_request_and_nothing_else" {
  command = plan

  variables {
    ca_usage_mode = "GENERAL_PURPOSE"
  }

  assert {
    condition     = aws_acmpca_certificate_authority.issuing.usage_mode == "GENERAL_PURPOSE"
    error_message = "ca_usage_mode sets the CA's mode"
  }
}

run "refuses_an_unknown_ca_mode" {
  command = plan

  variables {
    ca_usage_mode = "LONG_LIVED"
  }

  expect_failures = [var.ca_usage_mode]
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

  expect_failures = [aws_lambda_function.issuer]
}
