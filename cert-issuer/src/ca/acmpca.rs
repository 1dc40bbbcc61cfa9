//! ACM Private CA through `aws-sdk-acmpca`: `IssueCertificate` with the
//! API-passthrough template, the SAN (`UniformResourceIdentifier`),
//! `Validity`/`ValidityNotBefore` as ABSOLUTE seconds (there is no HOURS
//! type), the signing algorithm of the CA's key, and the idempotency token;
//! then `GetCertificate`, polled while it answers `RequestInProgressException`.
//! Throttling is retried by the SDK's standard retry mode; the caller paces
//! the calls below the quota.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_acmpca::primitives::Blob;
use aws_sdk_acmpca::types::{
    ApiPassthrough, Extensions, GeneralName, SigningAlgorithm, Validity, ValidityPeriodType,
};

use super::{CaError, CertificateAuthority, IssueRequest, Issued, TEMPLATE_ARN};
use crate::aws::{describe, retry_config, CallCounter};

pub struct AcmPca {
    client: aws_sdk_acmpca::Client,
    arn: String,
    signing_algorithm: SigningAlgorithm,
    wait: Duration,
}

impl std::fmt::Debug for AcmPca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcmPca")
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

fn absolute(unix: i64) -> Result<Validity, CaError> {
    Validity::builder()
        .r#type(ValidityPeriodType::Absolute)
        .value(unix)
        .build()
        .map_err(|e| CaError::Refused(e.to_string()))
}

impl AcmPca {
    pub fn new(
        sdk: &aws_config::SdkConfig,
        arn: &str,
        signing_algorithm: &str,
        wait: Duration,
        attempts: u32,
        counter: &CallCounter,
    ) -> Self {
        let conf = aws_sdk_acmpca::config::Builder::from(sdk)
            .retry_config(retry_config(attempts))
            .interceptor(counter.labelled("acm-pca"))
            .build();
        Self {
            client: aws_sdk_acmpca::Client::from_conf(conf),
            arn: arn.to_owned(),
            signing_algorithm: SigningAlgorithm::from(signing_algorithm),
            wait,
        }
    }

    /// `GetCertificate` until it is ready, backing off 100 ms → 2 s.
    async fn fetch(&self, certificate_arn: &str) -> Result<Issued, CaError> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            match self
                .client
                .get_certificate()
                .certificate_authority_arn(&self.arn)
                .certificate_arn(certificate_arn)
                .send()
                .await
            {
                Ok(out) => {
                    let leaf = out.certificate().unwrap_or_default();
                    if leaf.is_empty() {
                        return Err(CaError::Refused(
                            "GetCertificate returned no certificate".into(),
                        ));
                    }
                    return Ok(Issued {
                        certificate_pem: leaf.to_owned(),
                        chain_pem: out.certificate_chain().unwrap_or_default().to_owned(),
                    });
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_request_in_progress_exception()) =>
                {
                    if started.elapsed() >= self.wait {
                        return Err(CaError::NotReady(self.wait.as_secs()));
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    return Err(CaError::Unavailable(format!(
                        "GetCertificate: {}",
                        describe(&e)
                    )))
                }
            }
        }
    }
}

#[async_trait]
impl CertificateAuthority for AcmPca {
    async fn issue(&self, request: &IssueRequest) -> Result<Issued, CaError> {
        let passthrough = ApiPassthrough::builder()
            .extensions(
                Extensions::builder()
                    .subject_alternative_names(
                        GeneralName::builder()
                            .uniform_resource_identifier(&request.spiffe_id)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let out = self
            .client
            .issue_certificate()
            .certificate_authority_arn(&self.arn)
            .csr(Blob::new(request.csr_pem.as_bytes()))
            .signing_algorithm(self.signing_algorithm.clone())
            .template_arn(TEMPLATE_ARN)
            .api_passthrough(passthrough)
            .validity_not_before(absolute(request.not_before)?)
            .validity(absolute(request.not_after)?)
            .idempotency_token(&request.idempotency_token)
            .send()
            .await
            .map_err(|e| {
                let detail = format!("IssueCertificate: {}", describe(&e));
                if crate::aws::code(&e) == Some("ThrottlingException") {
                    CaError::Throttled(detail)
                } else if e.as_service_error().is_some() {
                    CaError::Refused(detail)
                } else {
                    CaError::Unavailable(detail)
                }
            })?;
        let arn = out
            .certificate_arn()
            .ok_or_else(|| CaError::Refused("IssueCertificate returned no ARN".into()))?;
        self.fetch(arn).await
    }

    async fn ca_chain(&self) -> Result<String, CaError> {
        let out = self
            .client
            .get_certificate_authority_certificate()
            .certificate_authority_arn(&self.arn)
            .send()
            .await
            .map_err(|e| {
                CaError::Unavailable(format!(
                    "GetCertificateAuthorityCertificate: {}",
                    describe(&e)
                ))
            })?;
        let mut chain = out.certificate().unwrap_or_default().trim_end().to_owned();
        chain.push('\n');
        if let Some(parents) = out.certificate_chain().filter(|c| !c.trim().is_empty()) {
            chain.push_str(parents.trim_end());
            chain.push('\n');
        }
        Ok(chain)
    }

    fn kind(&self) -> &'static str {
        "acm-pca"
    }
}
