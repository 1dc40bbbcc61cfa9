//! The one thing the provider asks AWS: which account is this apply running
//! in (STS GetCallerIdentity), optionally after assuming a role, within the
//! provider's `request_timeout_seconds`. Failures are said in words (which
//! endpoint could not be reached, what STS answered), not as SDK debug output.

use std::time::Duration;

use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

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
/// standard AWS environment filling what the block leaves out; every call
/// (its retries included) ends within `timeout`.
pub async fn sdk_config(settings: &AwsSettings, timeout: Duration) -> SdkConfig {
    let base = loader(settings, timeout).load().await;
    let Some(role_arn) = &settings.assume_role_arn else {
        return base;
    };
    let assumed = AssumeRoleProvider::builder(role_arn.clone())
        .session_name("terraform-provider-s2s")
        .configure(&base)
        .build()
        .await;
    loader(settings, timeout)
        .credentials_provider(assumed)
        .load()
        .await
}

fn loader(settings: &AwsSettings, timeout: Duration) -> ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &settings.endpoint {
        loader = loader.endpoint_url(endpoint.clone());
    }
    loader
}

/// STS GetCallerIdentity with the provider's AWS settings.
pub async fn caller_identity(
    settings: &AwsSettings,
    timeout: Duration,
) -> Result<CallerIdentity, AwsError> {
    let config = sdk_config(settings, timeout).await;
    let sts = aws_sdk_sts::Client::new(&config);
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::Sts(explain(&e, settings, timeout)))?;
    Ok(CallerIdentity {
        account_id: out.account.ok_or(AwsError::Incomplete("Account"))?,
        arn: out.arn.ok_or(AwsError::Incomplete("Arn"))?,
        user_id: out.user_id.ok_or(AwsError::Incomplete("UserId"))?,
    })
}

/// An STS failure in words: where the provider tried to go and what happened.
fn explain<E, R>(e: &SdkError<E, R>, settings: &AwsSettings, timeout: Duration) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let endpoint = match (&settings.endpoint, &settings.region) {
        (Some(url), _) => url.clone(),
        (None, Some(region)) => format!("STS of region {region}"),
        (None, None) => "STS (region from the AWS environment)".to_owned(),
    };
    match e {
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            format!("{endpoint} did not answer in time")
        }
        SdkError::DispatchFailure(_) => {
            format!("cannot reach {endpoint}: {}", mtls_http::chain(e))
        }
        SdkError::TimeoutError(_) => format!(
            "{endpoint} did not answer within {} s (request_timeout_seconds)",
            timeout.as_secs()
        ),
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!(
                "{endpoint} refused: {}: {}",
                err.code().unwrap_or("error"),
                err.message().unwrap_or("no message")
            )
        }
        _ => mtls_http::chain(e),
    }
}
