# The account baseline: the CI deployer role, the certificate writer the central
# issuer assumes to write s2s/<app>/tls here, the account's Lambda code signing
# configuration, and the permissions boundary that every app role the deployer
# creates must carry. Apply it once per app account before
# org-guardrails attaches platform-guard, and again (to roll out a new deployer
# policy or boundary) as role/OrganizationAccountAccessRole: once platform-guard
# is attached, that role is the only principal that may change the deployer and
# policy/platform/*. The deployer itself never can.
#
# Every document here comes from the s2s policy bundle, rendered and checked by
# the s2s provider at plan time: nothing is written by hand.

data "s2s_policy" "ci_deployer_trust" {
  name = "iam/ci-deployer-trust"
  parameters = {
    ci_account_id = var.ci_account_id
    org_id        = var.org_id
  }
}

data "s2s_policy" "ci_deployer_identity" {
  name = "iam/ci-deployer-identity"
  parameters = {
    account_id       = var.account_id
    region           = var.region
    app              = var.app
    artifact_bucket  = var.artifact_bucket
    layer_account_id = var.layer_account_id
  }
}

data "s2s_policy" "app_boundary" {
  name = "iam/app-boundary"
  parameters = {
    account_id = var.account_id
    region     = var.region
    app        = var.app
  }
}

# role/platform/ci-deployer
resource "aws_iam_role" "ci_deployer" {
  name                 = "ci-deployer"
  path                 = "/platform/"
  description          = "Applies the s2s modules from CI; assumed only by the CI account's role/platform/ci-runner."
  assume_role_policy   = data.s2s_policy.ci_deployer_trust.json
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy" "ci_deployer" {
  name   = "ci-deployer"
  role   = aws_iam_role.ci_deployer.id
  policy = data.s2s_policy.ci_deployer_identity.json
}

# Lambda code signing for every s2s function of the account: only zips signed
# by the release profile run. Created here (by the organization's access role)
# and not by CI: platform-guard lets only that role change code signing, and
# makes every function CI creates name a configuration of this account, so a
# pipeline that deploys cannot deploy code of its own.
resource "aws_lambda_code_signing_config" "release" {
  description = "s2s functions of ${var.app}: only releases signed by the s2s signing profile."

  allowed_publishers {
    signing_profile_version_arns = var.signing_profile_version_arns
  }

  policies {
    untrusted_artifact_on_deployment = "Enforce"
  }

  tags = var.tags
}

# policy/platform/app-boundary: the deployer may create role/app/* only with it.
resource "aws_iam_policy" "app_boundary" {
  name        = "app-boundary"
  path        = "/platform/"
  description = "The most any role/app/${var.app}/* role may do: read its app's secrets, write its logs."
  policy      = data.s2s_policy.app_boundary.json
  tags        = var.tags
}

data "s2s_policy" "cert_writer_trust" {
  name = "iam/cert-writer-trust"
  parameters = {
    central_account_id = var.central_account_id
    org_id             = var.org_id
  }
}

data "s2s_policy" "cert_writer_identity" {
  name = "iam/cert-writer-identity"
  parameters = {
    account_id = var.account_id
    region     = var.region
  }
}

# role/platform/s2s-cert-writer: the central issuer's only way into this
# account, and the only principal secrets-guard lets write s2s/*/tls here. It
# writes, tags and deletes certificates and attaches their resource policy; it
# cannot read a value.
resource "aws_iam_role" "cert_writer" {
  name                 = "s2s-cert-writer"
  path                 = "/platform/"
  description          = "Writes s2s/<app>/tls for the central cert-issuer; assumed only by role/platform/s2s-cert-issuer of account ${var.central_account_id}."
  assume_role_policy   = data.s2s_policy.cert_writer_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "cert_writer" {
  name   = "s2s-cert-writer"
  role   = aws_iam_role.cert_writer.id
  policy = data.s2s_policy.cert_writer_identity.json
}
