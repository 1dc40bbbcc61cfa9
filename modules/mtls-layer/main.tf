# The s2s mTLS layer, published once per Region in the layer account and shared
# with the app accounts: one layer per architecture, named
# s2s-mtls-proxy-<architecture> (the names lambda-s2s accepts and the
# account-baseline boundary lets functions attach), each version built from the
# released zip pinned by S3 object version and sha256, and readable
# (lambda:GetLayerVersion) by the organization or by the listed accounts only.

resource "aws_lambda_layer_version" "mtls" {
  for_each = var.artifacts

  layer_name               = "s2s-mtls-proxy-${each.key}"
  description              = "s2s mTLS proxy extension (extensions/s2s-mtls-proxy) for ${each.key}"
  compatible_architectures = [each.key]
  s3_bucket                = var.artifact_bucket
  s3_key                   = each.value.key
  s3_object_version        = each.value.object_version
  source_code_hash         = each.value.sha256
  license_info             = "Apache-2.0"

  # Functions keep running on the version they attached when a new one is
  # published; destroying this module must not pull it from under them.
  skip_destroy = true

  lifecycle {
    postcondition {
      condition     = self.code_sha256 == each.value.sha256
      error_message = "The published layer does not have the pinned sha256: s3://${var.artifact_bucket}/${each.value.key} version ${each.value.object_version} is not the zip that was released."
    }
  }
}

# Sharing: the whole organization (one statement), or each listed account.
resource "aws_lambda_layer_version_permission" "organization" {
  for_each = var.organization_id == null ? {} : aws_lambda_layer_version.mtls

  layer_name      = each.value.layer_arn
  version_number  = each.value.version
  statement_id    = "s2s-organization"
  action          = "lambda:GetLayerVersion"
  principal       = "*"
  organization_id = var.organization_id
  skip_destroy    = true
}

resource "aws_lambda_layer_version_permission" "accounts" {
  for_each = {
    for pair in setproduct(keys(var.artifacts), var.account_ids) :
    "${pair[0]}/${pair[1]}" => { architecture = pair[0], account_id = pair[1] }
  }

  layer_name     = aws_lambda_layer_version.mtls[each.value.architecture].layer_arn
  version_number = aws_lambda_layer_version.mtls[each.value.architecture].version
  statement_id   = "s2s-account-${each.value.account_id}"
  action         = "lambda:GetLayerVersion"
  principal      = each.value.account_id
  skip_destroy   = true
}
