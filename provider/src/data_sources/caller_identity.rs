//! `s2s_aws_caller_identity`: the AWS account this Terraform run acts in, as
//! STS GetCallerIdentity reports it with the provider's `aws` settings.

use tfplugin::{async_trait, Attribute, Block, Context, DataSource, Diagnostics, Schema, Value};

use crate::aws;
use crate::settings::AwsSettings;
use crate::S2sData;

pub struct CallerIdentityDataSource;

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
                .attribute(Attribute::string("account_id").computed().description("The 12-digit account id."))
                .attribute(Attribute::string("arn").computed().description("The caller's ARN."))
                .attribute(Attribute::string("user_id").computed().description("The caller's unique id.")),
        )
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        mut config: Value,
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
        config.set_attr("account_id", identity.account_id.into());
        config.set_attr("arn", identity.arn.into());
        config.set_attr("user_id", identity.user_id.into());
        Ok(config)
    }
}
