# The Keywhiz -> Secrets Manager syncer of one app account: the function from
# the shared artifact (pinned by object version and sha256), its role
# role/platform/keywhiz-syncer, the schedule provider::s2s::sync_schedule(app),
# log retention and alarms. The role's documents come from the s2s policy
# bundle; the guardrails (SCP secrets-guard, platform-guard) rely on the fixed
# names used here.

locals {
  function_name = "keywhiz-syncer"
  schedule      = provider::s2s::sync_schedule(var.app)
}

data "s2s_policy" "trust" {
  name = "iam/syncer-trust"
  parameters = {
    account_id = var.account_id
  }
}

data "s2s_policy" "identity" {
  name = "iam/syncer-identity"
  parameters = {
    account_id = var.account_id
    region     = var.region
    app        = var.app
  }
}

# role/platform/keywhiz-syncer: the only writer of keywhiz/* (secrets-guard).
resource "aws_iam_role" "syncer" {
  name               = "keywhiz-syncer"
  path               = "/platform/"
  description        = "The Keywhiz syncer of ${var.app}; assumed only by Lambda."
  assume_role_policy = data.s2s_policy.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "syncer" {
  name   = "keywhiz-syncer"
  role   = aws_iam_role.syncer.id
  policy = data.s2s_policy.identity.json
}

resource "aws_cloudwatch_log_group" "syncer" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "syncer" {
  function_name     = local.function_name
  description       = "Syncs the Keywhiz secrets of ${var.app} into keywhiz/* (${local.schedule})."
  role              = aws_iam_role.syncer.arn
  handler           = "bootstrap"
  runtime           = "provided.al2023"
  architectures     = [var.architecture]
  memory_size       = var.memory_size
  timeout           = var.timeout
  s3_bucket         = var.artifact_bucket
  s3_key            = var.artifact_key
  s3_object_version = var.artifact_object_version
  source_code_hash  = var.artifact_sha256

  # One sync at a time: a slow run must not overlap the next one.
  reserved_concurrent_executions = 1

  environment {
    variables = {
      SYNCER_APP              = var.app
      SYNCER_TRUST_DOMAIN     = var.trust_domain
      SYNCER_KEYWHIZ_URL      = var.keywhiz_url
      SYNCER_KEYWHIZ_CA_PEM   = var.keywhiz_ca_pem
      SYNCER_MAX_DELETE_SHARE = tostring(var.max_delete_share)
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.syncer.name
  }

  tags = var.tags

  lifecycle {
    postcondition {
      condition     = self.code_sha256 == var.artifact_sha256
      error_message = "The deployed syncer code does not have the pinned sha256: s3://${var.artifact_bucket}/${var.artifact_key} version ${var.artifact_object_version} is not the artifact that was released."
    }
  }

  depends_on = [aws_iam_role_policy.syncer]
}

resource "aws_cloudwatch_event_rule" "schedule" {
  name                = local.function_name
  description         = "Runs the Keywhiz syncer of ${var.app} every 15 minutes at its own offset."
  schedule_expression = local.schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "syncer" {
  rule = aws_cloudwatch_event_rule.schedule.name
  arn  = aws_lambda_function.syncer.arn
}

resource "aws_lambda_permission" "schedule" {
  statement_id   = "keywhiz-syncer-schedule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.syncer.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.schedule.arn
  source_account = var.account_id
}

# A failed sync returns an error (failure, or deletes refused by the guard), so
# Lambda's Errors metric counts failed runs. Partial runs are retried by the
# next run and do not count.
resource "aws_cloudwatch_metric_alarm" "failed_syncs" {
  alarm_name          = "keywhiz-syncer-${var.app}-failed-syncs"
  alarm_description   = "The Keywhiz syncer of ${var.app} failed ${var.failed_runs_to_alarm} run(s) in a row: secrets in keywhiz/* may be stale. See the sync.* lines in ${aws_cloudwatch_log_group.syncer.name}."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.syncer.function_name }
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = var.failed_runs_to_alarm
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# The schedule itself broken (rule disabled, permission removed): no run at all.
resource "aws_cloudwatch_metric_alarm" "not_running" {
  alarm_name          = "keywhiz-syncer-${var.app}-not-running"
  alarm_description   = "The Keywhiz syncer of ${var.app} has not run for an hour (schedule ${local.schedule})."
  namespace           = "AWS/Lambda"
  metric_name         = "Invocations"
  dimensions          = { FunctionName = aws_lambda_function.syncer.function_name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
