//! The one thing the provider asks AWS: which account is this apply running
//! in (STS GetCallerIdentity), optionally after assuming a role.

use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};

use crate::settings::AwsSettings;

/// Who the AWS credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("STS GetCallerIdentity failed: {0}")]
    Sts(String),
    #[error("STS GetCallerIdentity returned no {0}")]
    Incomplete(&'static str),
}

/// Builds the SDK configuration from the provider's `aws` block, the
/// standard AWS environment filling what the block leaves out.
pub async fn sdk_config(settings: &AwsSettings) -> SdkConfig {
    let base = loader(settings).load().await;
    let Some(role_arn) = &settings.assume_role_arn else {
        return base;
    };
    let assumed = AssumeRoleProvider::builder(role_arn.clone())
        .session_name("terraform-provider-s2s")
        .configure(&base)
        .build()
        .await;
    loader(settings).credentials_provider(assumed).load().await
}

fn loader(settings: &AwsSettings) -> ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &settings.endpoint {
        loader = loader.endpoint_url(endpoint.clone());
    }
    loader
}

/// STS GetCallerIdentity with the provider's AWS settings.
pub async fn caller_identity(settings: &AwsSettings) -> Result<CallerIdentity, AwsError> {
    let config = sdk_config(settings).await;
    let sts = aws_sdk_sts::Client::new(&config);
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::Sts(aws_sdk_sts::error::DisplayErrorContext(e).to_string()))?;
    Ok(CallerIdentity {
        account_id: out.account.ok_or(AwsError::Incomplete("Account"))?,
        arn: out.arn.ok_or(AwsError::Incomplete("Arn"))?,
        user_id: out.user_id.ok_or(AwsError::Incomplete("UserId"))?,
    })
}
