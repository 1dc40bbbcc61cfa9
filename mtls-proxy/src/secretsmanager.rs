//! The bundle in Secrets Manager (`s2s/<app>/tls`, in the function's own
//! account). The value is read with GetSecretValue; "is there a newer one?"
//! is DescribeSecret's AWSCURRENT version, which needs no key read. The SDK
//! client is made on first use (the first INVOKE), not during init, and runs
//! on rustls with ring, without any proxy (HTTP_PROXY is the function's).

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use aws_sdk_secretsmanager::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use tokio::sync::OnceCell;

use crate::source::{BundleSource, Fetched, SourceError, SourceFuture};

/// The AWSCURRENT version of one secret.
pub struct SecretsManagerSource {
    secret_id: String,
    client: OnceCell<Client>,
}

impl SecretsManagerSource {
    /// Reads `secret_id` with the environment's credentials, Region and
    /// endpoint (`AWS_ENDPOINT_URL` points it at moto in tests).
    pub fn new(secret_id: impl Into<String>) -> SecretsManagerSource {
        SecretsManagerSource {
            secret_id: secret_id.into(),
            client: OnceCell::new(),
        }
    }

    /// With a client made elsewhere.
    pub fn with_client(secret_id: impl Into<String>, client: Client) -> SecretsManagerSource {
        SecretsManagerSource {
            secret_id: secret_id.into(),
            client: OnceCell::new_with(Some(client)),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let http = aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
                    .build_https();
                let config = aws_config::defaults(BehaviorVersion::latest())
                    .http_client(http)
                    .timeout_config(
                        TimeoutConfig::builder()
                            .connect_timeout(Duration::from_secs(2))
                            .operation_attempt_timeout(Duration::from_secs(3))
                            .operation_timeout(Duration::from_secs(8))
                            .build(),
                    )
                    .load()
                    .await;
                Client::new(&config)
            })
            .await
    }
}

impl BundleSource for SecretsManagerSource {
    fn describe(&self) -> String {
        format!("Secrets Manager secret {}", self.secret_id)
    }

    fn fetch(&self) -> SourceFuture<'_, Fetched> {
        Box::pin(async move {
            let out = self
                .client()
                .await
                .get_secret_value()
                .secret_id(&self.secret_id)
                .send()
                .await
                .map_err(|e| {
                    SourceError(format!(
                        "GetSecretValue {}: {}",
                        self.secret_id,
                        DisplayErrorContext(&e)
                    ))
                })?;
            let text = out
                .secret_string()
                .map(str::to_owned)
                .ok_or_else(|| SourceError(format!("{} holds no SecretString", self.secret_id)))?;
            Ok(Fetched {
                text,
                version: out.version_id().map(str::to_owned),
            })
        })
    }

    fn current_version(&self) -> SourceFuture<'_, Option<String>> {
        Box::pin(async move {
            let out = self
                .client()
                .await
                .describe_secret()
                .secret_id(&self.secret_id)
                .send()
                .await
                .map_err(|e| {
                    SourceError(format!(
                        "DescribeSecret {}: {}",
                        self.secret_id,
                        DisplayErrorContext(&e)
                    ))
                })?;
            Ok(out.version_ids_to_stages().and_then(|versions| {
                versions
                    .iter()
                    .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
                    .map(|(version, _)| version.clone())
            }))
        })
    }
}
