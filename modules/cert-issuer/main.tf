# The central certificate issuer: the Private CA in short-lived certificate
# mode, the issuer's two functions from one pinned artifact (an hourly planner
# and an SQS worker), the work queue with its dead-letter queue, the ledger,
# role/platform/s2s-cert-issuer with the bundle's documents, alarms, and the
# CA chain published where the datacenter mesh reads what it must trust.
# The app accounts' side is role/platform/s2s-cert-writer (account-baseline).

locals {
  planner           = "s2s-cert-issuer-planner"
  worker            = "s2s-cert-issuer-worker"
  subordinate       = var.ca_certificate_pem != null
  ca_id             = element(split("/", aws_acmpca_certificate_authority.issuing.arn), 1)
  registry_identity = "s2s-cert-issuer/registry-identity"
  ca_chain = local.subordinate ? join("", [
    var.ca_certificate_pem,
    coalesce(var.ca_certificate_chain_pem, ""),
  ]) : aws_acmpca_certificate.root[0].certificate

  # The issuer's settings (cert-issuer/README.md), as CERT_ISSUER_* variables.
  settings = {
    CERT_ISSUER_TRUST_DOMAIN             = var.trust_domain
    CERT_ISSUER_REGISTRY_URL             = var.registry_url
    CERT_ISSUER_REGISTRY_IDENTITY_SECRET = local.registry_identity
    CERT_ISSUER_MESH_CA_BUNDLE_PEM       = var.mesh_ca_bundle_pem
    CERT_ISSUER_CA_BACKEND               = "acm-pca"
    CERT_ISSUER_CA_ARN                   = aws_acmpca_certificate_authority.issuing.arn
    CERT_ISSUER_SIGNING_ALGORITHM        = "SHA256WITHECDSA"
    CERT_ISSUER_LIFETIME_HOURS           = tostring(var.lifetime_hours)
    CERT_ISSUER_RENEW_MARGIN_HOURS       = tostring(var.renew_margin_hours)
    CERT_ISSUER_ALARM_REMAINING_HOURS    = tostring(var.alarm_remaining_hours)
    CERT_ISSUER_REGION                   = var.region
    CERT_ISSUER_LEDGER_TABLE             = aws_dynamodb_table.ledger.name
    CERT_ISSUER_QUEUE_URL                = aws_sqs_queue.jobs.url
    # Each worker keeps its share of the quota.
    CERT_ISSUER_ISSUE_TPS = tostring(var.issue_tps / var.worker_concurrency)
  }
}

data "s2s_policy" "trust" {
  name = "iam/cert-issuer-trust"
  parameters = {
    central_account_id = var.account_id
  }
}

data "s2s_policy" "identity" {
  name = "iam/cert-issuer-identity"
  parameters = {
    org_id             = var.org_id
    region             = var.region
    central_account_id = var.account_id
    ca_id              = local.ca_id
  }
}

# The issuing CA: by default in short-lived certificate mode ($50 a month
# instead of $400, validity at most 7 days; the per-certificate fee decides at
# scale, see ca_usage_mode), EC P-256, the last CA of the hierarchy.
resource "aws_acmpca_certificate_authority" "issuing" {
  type       = local.subordinate ? "SUBORDINATE" : "ROOT"
  usage_mode = var.ca_usage_mode

  certificate_authority_configuration {
    key_algorithm     = "EC_prime256v1"
    signing_algorithm = "SHA256WITHECDSA"
    subject {
      common_name = var.ca_common_name
    }
  }

  permanent_deletion_time_in_days = 7
  tags                            = var.tags
}

# Without a datacenter-signed certificate, the CA signs its own root.
resource "aws_acmpca_certificate" "root" {
  count                       = local.subordinate ? 0 : 1
  certificate_authority_arn   = aws_acmpca_certificate_authority.issuing.arn
  certificate_signing_request = aws_acmpca_certificate_authority.issuing.certificate_signing_request
  signing_algorithm           = "SHA256WITHECDSA"
  template_arn                = "arn:aws:acm-pca:::template/RootCACertificate/V1"

  validity {
    type  = "YEARS"
    value = 10
  }
}

resource "aws_acmpca_certificate_authority_certificate" "issuing" {
  certificate_authority_arn = aws_acmpca_certificate_authority.issuing.arn
  certificate               = local.subordinate ? var.ca_certificate_pem : aws_acmpca_certificate.root[0].certificate
  certificate_chain         = local.subordinate ? var.ca_certificate_chain_pem : aws_acmpca_certificate.root[0].certificate_chain
}

# What the mesh must trust to accept a Lambda's certificate, where the
# organization reads it. A PEM certificate chain, not a policy document.
resource "aws_s3_object" "ca_chain" {
  bucket         = var.ca_chain_bucket
  key            = var.ca_chain_key
  content_base64 = base64encode(local.ca_chain)
  content_type   = "application/x-pem-file"
  tags           = var.tags

  depends_on = [aws_acmpca_certificate_authority_certificate.issuing]
}

# What was written where: the only memory of the accounts to delete from.
resource "aws_dynamodb_table" "ledger" {
  name                        = "s2s-cert-issuer-ledger"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = true

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

resource "aws_sqs_queue" "dead_letters" {
  name                      = "s2s-cert-issuer-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "jobs" {
  name = "s2s-cert-issuer"
  # AWS's advice for an event source: six times the function's timeout.
  visibility_timeout_seconds = 6 * var.worker_timeout
  message_retention_seconds  = 3600 * var.renew_margin_hours
  sqs_managed_sse_enabled    = true
  redrive_policy             = "{\"deadLetterTargetArn\":\"${aws_sqs_queue.dead_letters.arn}\",\"maxReceiveCount\":${var.max_receive_count}}"
  tags                       = var.tags
}

# role/platform/s2s-cert-issuer: the one principal the writers trust.
resource "aws_iam_role" "issuer" {
  name               = "s2s-cert-issuer"
  path               = "/platform/"
  description        = "The s2s certificate issuer; assumed only by Lambda in this account."
  assume_role_policy = data.s2s_policy.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "issuer" {
  name   = "s2s-cert-issuer"
  role   = aws_iam_role.issuer.id
  policy = data.s2s_policy.identity.json
}

# The issuer's two functions, from one artifact, one role and one set of
# settings: what differs is their job, their timeout and, for the planner,
# one run at a time (a slow plan must not overlap the next).
locals {
  functions = {
    planner = {
      name        = local.planner
      description = "Plans the s2s certificates from Registry every hour and enqueues what is due."
      timeout     = var.planner_timeout
      concurrency = 1
    }
    worker = {
      name        = local.worker
      description = "Issues and writes the s2s certificates the planner enqueued."
      timeout     = var.worker_timeout
      concurrency = null
    }
  }
}

resource "aws_cloudwatch_log_group" "issuer" {
  for_each          = local.functions
  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "issuer" {
  for_each                       = local.functions
  function_name                  = each.value.name
  description                    = each.value.description
  role                           = aws_iam_role.issuer.arn
  handler                        = "bootstrap"
  runtime                        = "provided.al2023"
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.concurrency
  s3_bucket                      = var.artifact_bucket
  s3_key                         = var.artifact_key
  s3_object_version              = var.artifact_object_version
  source_code_hash               = var.artifact_sha256

  environment {
    variables = local.settings
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.issuer[each.key].name
  }

  tags = var.tags

  lifecycle {
    postcondition {
      condition     = self.code_sha256 == var.artifact_sha256
      error_message = "The deployed issuer code does not have the pinned sha256: s3://${var.artifact_bucket}/${var.artifact_key} version ${var.artifact_object_version} is not the artifact that was released."
    }
  }

  depends_on = [aws_iam_role_policy.issuer]
}

# Each function and log group was its own resource before: state moves,
# nothing is replaced.
moved {
  from = aws_cloudwatch_log_group.planner
  to   = aws_cloudwatch_log_group.issuer["planner"]
}

moved {
  from = aws_cloudwatch_log_group.worker
  to   = aws_cloudwatch_log_group.issuer["worker"]
}

moved {
  from = aws_lambda_function.planner
  to   = aws_lambda_function.issuer["planner"]
}

moved {
  from = aws_lambda_function.worker
  to   = aws_lambda_function.issuer["worker"]
}

# Bounded concurrency: at most worker_concurrency workers share the quota.
resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.issuer["worker"].arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.worker_concurrency
  }
}

resource "aws_cloudwatch_event_rule" "hourly" {
  name                = local.planner
  description         = "Plans the s2s certificates every hour: a failed run is retried within the hour, well inside the renewal margin."
  schedule_expression = "rate(1 hour)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "planner" {
  rule = aws_cloudwatch_event_rule.hourly.name
  arn  = aws_lambda_function.issuer["planner"].arn
}

resource "aws_lambda_permission" "hourly" {
  statement_id   = "s2s-cert-issuer-hourly"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.issuer["planner"].function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.hourly.arn
  source_account = var.account_id
}

# The issuer's alarms, one map: each key is the alarm's name after
# "s2s-cert-issuer-", each value what it watches and when it fires. All of
# them notify alarm_actions, both ways.
locals {
  alarms = {
    # The nearest expiry among the listed certificates, from the planner's EMF
    # line (from the ledger alone when Registry cannot be read). No data means
    # no certificate yet; a planner that stopped running is the next alarm's.
    expiring = {
      description = "An s2s certificate has less than ${var.alarm_remaining_hours} h left: renewals have failed for ${var.renew_margin_hours - var.alarm_remaining_hours} h. See certificate.expiring and job.failed in the issuer's logs."
      namespace   = "s2s/cert-issuer"
      metric      = "MinRemainingSeconds"
      dimensions  = { Mode = "plan" }
      statistic   = "Minimum"
      period      = 3600
      periods     = 1
      threshold   = var.alarm_remaining_hours * 3600
      comparison  = "LessThanThreshold"
      missing     = "notBreaching"
    }
    # The schedule broken (rule disabled, permission removed): no plan at all.
    not-planning = {
      description = "The s2s certificate planner has not run for two hours (rule ${aws_cloudwatch_event_rule.hourly.name})."
      namespace   = "AWS/Lambda"
      metric      = "Invocations"
      dimensions  = { FunctionName = aws_lambda_function.issuer["planner"].function_name }
      statistic   = "Sum"
      period      = 3600
      periods     = 2
      threshold   = 1
      comparison  = "LessThanThreshold"
      missing     = "breaching"
    }
    # Planning runs that fail (Registry, the ledger or the queue unreachable).
    planner-failing = {
      description = "Three planning runs in a row failed: nothing is renewed while this lasts. See run.done in ${aws_cloudwatch_log_group.issuer["planner"].name}."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.issuer["planner"].function_name }
      statistic   = "Sum"
      period      = 3600
      periods     = 3
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
      missing     = "notBreaching"
    }
    # A listed (app, account) still without a certificate after three runs.
    missing = {
      description = "An app flagged in Registry has had no certificate in one of its accounts for three hourly runs."
      namespace   = "s2s/cert-issuer"
      metric      = "Missing"
      dimensions  = { Mode = "plan" }
      statistic   = "Minimum"
      period      = 3600
      periods     = 3
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
      missing     = "notBreaching"
    }
    # Jobs that failed max_receive_count times.
    dead-letters = {
      description = "Certificate jobs reached the dead-letter queue ${aws_sqs_queue.dead_letters.name}: see job.failed in the worker's logs."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.dead_letters.name }
      statistic   = "Maximum"
      period      = 300
      periods     = 1
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
      missing     = "notBreaching"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each            = local.alarms
  alarm_name          = "s2s-cert-issuer-${each.key}"
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
  from = aws_cloudwatch_metric_alarm.expiring
  to   = aws_cloudwatch_metric_alarm.alarm["expiring"]
}

moved {
  from = aws_cloudwatch_metric_alarm.not_planning
  to   = aws_cloudwatch_metric_alarm.alarm["not-planning"]
}

moved {
  from = aws_cloudwatch_metric_alarm.planner_failing
  to   = aws_cloudwatch_metric_alarm.alarm["planner-failing"]
}

moved {
  from = aws_cloudwatch_metric_alarm.missing
  to   = aws_cloudwatch_metric_alarm.alarm["missing"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dead_letters
  to   = aws_cloudwatch_metric_alarm.alarm["dead-letters"]
}
