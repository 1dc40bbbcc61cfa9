# The Keywhiz -> Secrets Manager syncer of one app account: the function from
# the shared artifact (pinned by object version and sha256), its role
# role/platform/keywhiz-syncer, the schedule provider::s2s::sync_schedule(app),
# log retention and alarms. The role's documents come from the s2s policy
# bundle; the guardrails (SCP secrets-guard, platform-guard) rely on the fixed
# names used here.

locals {
  function_name     = "keywhiz-syncer"
  dead_letter_queue = "keywhiz-syncer-dead-letters"
  schedule          = provider::s2s::sync_schedule(var.app)
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

# The resource policy the syncer puts on every keywhiz/* secret it creates, and
# puts back when missing or stale: without it an administrator of the account
# could read every value.
data "s2s_policy" "secret_resource" {
  name = "iam/secret-keywhiz-resource"
  parameters = {
    account_id = var.account_id
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
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# Scheduled invocations are asynchronous: an event Lambda could not run (after
# its retries) lands here instead of vanishing, and alarms.
resource "aws_sqs_queue" "dead_letters" {
  name                      = local.dead_letter_queue
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_lambda_function" "syncer" {
  #checkov:skip=CKV_AWS_117:the syncer reaches Keywhiz and Secrets Manager; VPC placement is the account's network design, not this module's
  #checkov:skip=CKV_AWS_173:the environment holds no secret (URLs, the CA, the public resource policy); the AWS-managed key encrypts it
  #checkov:skip=CKV_AWS_50:X-Ray adds nothing to a 15-minute batch job whose report is logged
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

  # A second guard beside the pinned object version: Lambda runs only zips
  # signed by the release profile (the account's configuration, enforced,
  # created by account-baseline; platform-guard makes CI name one).
  code_signing_config_arn = var.code_signing_config_arn

  # One sync at a time: a slow run must not overlap the next one (and two
  # overlapping runs are harmless anyway: syncer/tests/overlap.rs).
  reserved_concurrent_executions = 1

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  environment {
    variables = merge(
      {
        SYNCER_APP              = var.app
        SYNCER_TRUST_DOMAIN     = var.trust_domain
        SYNCER_KEYWHIZ_URL      = var.keywhiz_url
        SYNCER_KEYWHIZ_CA_PEM   = var.keywhiz_ca_pem
        SYNCER_MAX_DELETE_SHARE = tostring(var.max_delete_share)
        SYNCER_RESOURCE_POLICY  = data.s2s_policy.secret_resource.json
      },
      var.delete_override_until == null ? {} : {
        SYNCER_DELETE_OVERRIDE_UNTIL = var.delete_override_until
      },
    )
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

# The syncer's alarms, one map: each key is the alarm's name after
# "keywhiz-syncer-<app>-" (the names iam/ci-deployer-identity lets CI manage),
# each value what it watches and when it fires. All of them notify
# alarm_actions, both ways.
locals {
  alarms = {
    # A failed sync returns an error (failure, or deletes refused by the
    # guard), so Lambda's Errors metric counts failed runs. Partial runs are
    # retried by the next run and do not count.
    failed-syncs = {
      description = "The Keywhiz syncer of ${var.app} failed ${var.failed_runs_to_alarm} run(s) in a row: secrets in keywhiz/* may be stale. See the sync.* lines in ${aws_cloudwatch_log_group.syncer.name}."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.syncer.function_name }
      statistic   = "Sum"
      period      = 900
      periods     = var.failed_runs_to_alarm
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
      missing     = "notBreaching"
    }
    # An invocation Lambda gave up on (throttled past its retries, or the
    # function could not start): the event is in the dead-letter queue.
    dead-letters = {
      description = "A scheduled run of the Keywhiz syncer of ${var.app} was dropped by Lambda; the event is in the SQS queue ${local.dead_letter_queue}."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.dead_letters.name }
      statistic   = "Maximum"
      period      = 900
      periods     = 1
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
      missing     = "notBreaching"
    }
    # The schedule itself broken (rule disabled, permission removed): no run at all.
    not-running = {
      description = "The Keywhiz syncer of ${var.app} has not run for an hour (schedule ${local.schedule})."
      namespace   = "AWS/Lambda"
      metric      = "Invocations"
      dimensions  = { FunctionName = aws_lambda_function.syncer.function_name }
      statistic   = "Sum"
      period      = 3600
      periods     = 1
      threshold   = 1
      comparison  = "LessThanThreshold"
      missing     = "breaching"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each            = local.alarms
  alarm_name          = "keywhiz-syncer-${var.app}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = each.value.missing
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# Each alarm was its own resource before: state moves, nothing is replaced.
moved {
  from = aws_cloudwatch_metric_alarm.failed_syncs
  to   = aws_cloudwatch_metric_alarm.alarm["failed-syncs"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dead_letters
  to   = aws_cloudwatch_metric_alarm.alarm["dead-letters"]
}

moved {
  from = aws_cloudwatch_metric_alarm.not_running
  to   = aws_cloudwatch_metric_alarm.alarm["not-running"]
}
