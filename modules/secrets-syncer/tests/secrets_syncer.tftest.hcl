# terraform test for secrets-syncer. Needs the hashicorp/aws provider installed
# (it is mocked, but Terraform still loads its schema) and the s2s provider,
# which renders the policies and computes the schedule for real. make test runs
# it against hashicorp/aws 6.25.0's real schema (a schema-only provider): see
# ../README.md.

mock_provider "aws" {}

provider "s2s" {}

variables {
  app                     = "payments"
  account_id              = "111111111111"
  region                  = "eu-west-1"
  trust_domain            = "example.internal"
  keywhiz_url             = "https://keywhiz.example.internal:4444"
  keywhiz_ca_pem          = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  artifact_bucket         = "s2s-artifacts-example"
  artifact_key            = "keywhiz-syncer/0.1.0/keywhiz-syncer-aarch64.zip"
  artifact_object_version = "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE"
  artifact_sha256         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
  code_signing_config_arn = "arn:aws:lambda:eu-west-1:111111111111:code-signing-config:csc-0123456789abcdef0"
}

run "names_and_schedule_follow_the_contract" {
  command = plan

  variables {
    alarm_actions = ["arn:aws:sns:eu-west-1:111111111111:platform-alerts"]
  }

  assert {
    condition     = aws_iam_role.syncer.name == "keywhiz-syncer" && aws_iam_role.syncer.path == "/platform/"
    error_message = "the syncer role must be role/platform/keywhiz-syncer, the one secrets-guard lets write keywhiz/*"
  }

  assert {
    condition     = aws_lambda_function.syncer.function_name == "keywhiz-syncer"
    error_message = "the function must be keywhiz-syncer, the one secrets-guard checks in lambda:SourceFunctionArn"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.schedule.schedule_expression == provider::s2s::sync_schedule("payments")
    error_message = "the rule must run at the app's offset"
  }

  assert {
    condition     = aws_lambda_function.syncer.s3_object_version == "Qe5LhJ1rxN0c2oJm7wAuVJ7oNXlpZ3sE" && aws_lambda_function.syncer.source_code_hash == "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    error_message = "the code must be pinned to the object version and its sha256"
  }

  assert {
    condition     = aws_iam_role.syncer.assume_role_policy == data.s2s_policy.trust.json && aws_iam_role_policy.syncer.policy == data.s2s_policy.identity.json
    error_message = "the syncer role must carry the bundle's trust and identity policies as rendered"
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.syncer.policy, "secret:s2s/payments/tls-??????")
    error_message = "the syncer must be able to read its app's certificate, its identity towards Keywhiz"
  }

  assert {
    condition = aws_cloudwatch_event_rule.schedule.name == "keywhiz-syncer" && sort([for a in aws_cloudwatch_metric_alarm.alarm : a.alarm_name]) == tolist([
      "keywhiz-syncer-payments-dead-letters",
      "keywhiz-syncer-payments-failed-syncs",
      "keywhiz-syncer-payments-not-running",
    ])
    error_message = "the rule and alarm names must be the ones iam/ci-deployer-identity lets CI manage"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.alarm["failed-syncs"].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.alarm["failed-syncs"].evaluation_periods == var.failed_runs_to_alarm &&
      aws_cloudwatch_metric_alarm.alarm["not-running"].metric_name == "Invocations" &&
      aws_cloudwatch_metric_alarm.alarm["not-running"].treat_missing_data == "breaching" &&
      aws_cloudwatch_metric_alarm.alarm["dead-letters"].dimensions["QueueName"] == aws_sqs_queue.dead_letters.name
    )
    error_message = "failed runs, a syncer that does not run and dropped runs must each alarm"
  }

  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.alarm :
    a.alarm_actions == toset(var.alarm_actions) && a.ok_actions == toset(var.alarm_actions) && a.alarm_actions != toset([])])
    error_message = "every alarm notifies alarm_actions, both ways"
  }
}

run "refuses_an_artifact_outside_the_syncer_prefix" {
  command = plan

  variables {
    artifact_key = "payments/keywhiz-syncer-aarch64.zip"
  }

  expect_failures = [var.artifact_key]
}

run "refuses_a_hex_sha256" {
  command = plan

  variables {
    artifact_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
  }

  expect_failures = [var.artifact_sha256]
}

run "refuses_a_timeout_past_the_next_run" {
  command = plan

  variables {
    timeout = 900
  }

  expect_failures = [var.timeout]
}

run "refuses_plain_http_keywhiz" {
  command = plan

  variables {
    keywhiz_url = "http://keywhiz.example.internal"
  }

  expect_failures = [var.keywhiz_url]
}
