//! The two CA backends behind one trait: ACM Private CA ([`acmpca`]) in
//! production, and a local rcgen CA ([`local`]) that applies the same
//! template exactly — lifetimes, the passthrough SAN, key usage — which moto's
//! ACM-PCA ignores, so tests and `make demo` use it.

pub mod acmpca;
pub mod local;

use async_trait::async_trait;

/// The template the issuer uses: end-entity, SAN from the API (never the CSR),
/// KU digitalSignature + keyEncipherment (critical), EKU serverAuth + clientAuth.
pub const TEMPLATE_ARN: &str = "arn:aws:acm-pca:::template/EndEntityCertificate_APIPassthrough/V1";

/// How long ACM-PCA remembers an idempotency token.
pub const IDEMPOTENCY_WINDOW_SECS: i64 = 60;

/// One certificate to issue. The SAN comes from `spiffe_id` (API passthrough);
/// the CSR contributes its public key and subject only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub csr_pem: String,
    pub spiffe_id: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// At most 36 characters; the same token within a minute returns the
    /// certificate already issued for it.
    pub idempotency_token: String,
}

/// What the CA returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The leaf, PEM.
    pub certificate_pem: String,
    /// The CA's chain, issuing CA first (PEM).
    pub chain_pem: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CaError {
    #[error("the CA refused the request: {0}")]
    Refused(String),
    #[error("the CA throttled the request: {0}")]
    Throttled(String),
    #[error("the CA did not answer: {0}")]
    Unavailable(String),
    #[error("the certificate was not ready after {0} s")]
    NotReady(u64),
}

#[async_trait]
pub trait CertificateAuthority: Send + Sync + std::fmt::Debug {
    /// Issue one leaf (and wait until it can be fetched).
    async fn issue(&self, request: &IssueRequest) -> Result<Issued, CaError>;

    /// The CA's own certificate chain, issuing CA first: what the datacenter
    /// mesh must trust to accept a Lambda's certificate.
    async fn ca_chain(&self) -> Result<String, CaError>;

    /// For logs: `acm-pca` or `local`.
    fn kind(&self) -> &'static str;
}
