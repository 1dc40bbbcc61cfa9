//! `s2s_aws_caller_identity`: the AWS account this Terraform run acts in, as
//! STS GetCallerIdentity reports it with the provider's `aws` settings.

use serde::{Deserialize, Serialize};
use tfplugin::{
    async_trait, attr_name, to_value, Attribute, Block, Context, DataSource, Diagnostics, Maybe,
    Schema, Value,
};

use crate::aws;
use crate::settings::AwsSettings;
use crate::S2sData;

pub(crate) struct CallerIdentityDataSource;

/// The data source's attributes (all computed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CallerIdentityModel {
    account_id: Maybe<String>,
    arn: Maybe<String>,
    user_id: Maybe<String>,
}

#[async_trait]
impl DataSource<S2sData> for CallerIdentityDataSource {
    fn type_name(&self) -> &str {
        "s2s_aws_caller_identity"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .markdown_description(
                    "The AWS identity the provider's `aws` settings resolve to (STS `GetCallerIdentity`). `s2s_lambda_function` uses the same call to refuse an apply into the wrong account.",
                )
                .attribute(Attribute::string(attr_name!(CallerIdentityModel.account_id)).computed().description("The 12-digit account id."))
                .attribute(Attribute::string(attr_name!(CallerIdentityModel.arn)).computed().description("The caller's ARN."))
                .attribute(Attribute::string(attr_name!(CallerIdentityModel.user_id)).computed().description("The caller's unique id.")),
        )
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        _config: Value,
    ) -> Result<Value, Diagnostics> {
        let settings = data.settings.aws.clone().unwrap_or(AwsSettings {
            region: None,
            endpoint: None,
            assume_role_arn: None,
        });
        let timeout =
            std::time::Duration::from_secs(u64::from(data.settings.request_timeout_seconds));
        let identity = ctx
            .run(aws::caller_identity(&settings, timeout))
            .await?
            .map_err(|e| {
                Diagnostics::error("Cannot tell which AWS account this is", e.to_string())
            })?;
        Ok(to_value(&CallerIdentityModel {
            account_id: Maybe::Known(identity.account_id),
            arn: Maybe::Known(identity.arn),
            user_id: Maybe::Known(identity.user_id),
        })?)
    }
}
