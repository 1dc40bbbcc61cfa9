//! A local CA (rcgen, ring) that issues exactly what ACM-PCA's
//! `EndEntityCertificate_APIPassthrough/V1` template would: validity from the
//! request to the second, the SAN from the request (the CSR's SANs are
//! ignored), subject from the CSR, CA:FALSE, KU digitalSignature +
//! keyEncipherment (critical), EKU serverAuth + clientAuth, AKI/SKI. A token
//! seen within a minute returns the certificate already issued for it, as
//! ACM-PCA does. Used by the tests and `make demo`; the key stays on disk in
//! `local_ca_dir`, so it is for development only.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use time::OffsetDateTime;

use super::{CaError, CertificateAuthority, IssueRequest, Issued, IDEMPOTENCY_WINDOW_SECS};
use crate::clock::Clock;

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
/// Optional: the certificates above `ca.pem` (when it is an intermediate).
const CA_PARENTS: &str = "ca-chain.pem";

#[derive(Debug, thiserror::Error)]
pub enum LocalCaError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the local CA: {0}")]
    Pki(String),
}

pub struct LocalCa {
    issuer: Issuer<'static, KeyPair>,
    /// `ca.pem` then its parents.
    chain_pem: String,
    clock: Arc<dyn Clock>,
    recent: Mutex<Recent>,
    requests: AtomicU64,
    issued: AtomicU64,
}

/// Tokens seen within the idempotency window, and their order of arrival
/// (so expiring them costs only the expired ones, not a scan of all).
#[derive(Default)]
struct Recent {
    by_token: HashMap<String, Issued>,
    arrivals: VecDeque<(i64, String)>,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa")
            .field("issued", &self.issued())
            .finish_non_exhaustive()
    }
}

fn pki(e: impl std::fmt::Display) -> LocalCaError {
    LocalCaError::Pki(e.to_string())
}

fn read(path: &Path) -> Result<String, LocalCaError> {
    std::fs::read_to_string(path).map_err(|source| LocalCaError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, text: &str, private: bool) -> Result<(), LocalCaError> {
    let io = |source| LocalCaError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::write(path, text).map_err(io)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    Ok(())
}

impl LocalCa {
    /// The CA in `dir` (`ca.pem`, `ca-key.pem`, optional `ca-chain.pem`); a
    /// new self-signed P-256 root is created there if `ca.pem` is missing.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Self, LocalCaError> {
        let cert_path = dir.join(CA_CERT);
        if !cert_path.exists() {
            std::fs::create_dir_all(dir).map_err(|source| LocalCaError::Io {
                path: dir.to_owned(),
                source,
            })?;
            let (cert, key) = new_root("s2s local issuing CA", clock.now())?;
            write(&dir.join(CA_KEY), &key, true)?;
            write(&cert_path, &cert, false)?;
        }
        let parents_path = dir.join(CA_PARENTS);
        let parents = if parents_path.exists() {
            read(&parents_path)?
        } else {
            String::new()
        };
        Self::from_pem(
            &read(&cert_path)?,
            &read(&dir.join(CA_KEY))?,
            &parents,
            clock,
        )
    }

    /// A CA from its certificate, PKCS#8 key and the certificates above it.
    pub fn from_pem(
        cert_pem: &str,
        key_pem: &str,
        parents_pem: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LocalCaError> {
        let key = KeyPair::from_pem(key_pem).map_err(pki)?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key).map_err(pki)?;
        let mut chain_pem = cert_pem.trim_end().to_owned();
        chain_pem.push('\n');
        if !parents_pem.trim().is_empty() {
            chain_pem.push_str(parents_pem.trim_end());
            chain_pem.push('\n');
        }
        Ok(Self {
            issuer,
            chain_pem,
            clock,
            recent: Mutex::new(Recent::default()),
            requests: AtomicU64::new(0),
            issued: AtomicU64::new(0),
        })
    }

    /// Certificates actually signed (a repeated token signs nothing).
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::SeqCst)
    }

    /// Issue requests received.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    fn sign(&self, request: &IssueRequest) -> Result<Issued, CaError> {
        let csr = CertificateSigningRequestParams::from_pem(&request.csr_pem)
            .map_err(|e| CaError::Refused(format!("the CSR: {e}")))?;
        let time = |t: i64| {
            OffsetDateTime::from_unix_timestamp(t)
                .map_err(|_| CaError::Refused(format!("time {t} out of range")))
        };
        if request.not_after <= request.not_before {
            return Err(CaError::Refused(
                "the validity ends before it starts".into(),
            ));
        }
        let uri = request
            .spiffe_id
            .clone()
            .try_into()
            .map_err(|_| CaError::Refused("the SAN is not an IA5 string".into()))?;
        let mut params = CertificateParams::default();
        params.not_before = time(request.not_before)?;
        params.not_after = time(request.not_after)?;
        params.distinguished_name = csr.params.distinguished_name.clone();
        params.subject_alt_names = vec![SanType::URI(uri)];
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        let leaf = params
            .signed_by(&csr.public_key, &self.issuer)
            .map_err(|e| CaError::Refused(format!("signing: {e}")))?;
        self.issued.fetch_add(1, Ordering::SeqCst);
        Ok(Issued {
            certificate_pem: leaf.pem(),
            chain_pem: self.chain_pem.clone(),
        })
    }
}

#[async_trait]
impl CertificateAuthority for LocalCa {
    async fn issue(&self, request: &IssueRequest) -> Result<Issued, CaError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.clock.now();
        let mut recent = self
            .recent
            .lock()
            .map_err(|_| CaError::Unavailable("lock poisoned".into()))?;
        let Recent { by_token, arrivals } = &mut *recent;
        while let Some((at, token)) = arrivals.front() {
            if now - *at < IDEMPOTENCY_WINDOW_SECS {
                break;
            }
            by_token.remove(token);
            arrivals.pop_front();
        }
        if let Some(issued) = by_token.get(&request.idempotency_token) {
            return Ok(issued.clone());
        }
        let issued = self.sign(request)?;
        by_token.insert(request.idempotency_token.clone(), issued.clone());
        arrivals.push_back((now, request.idempotency_token.clone()));
        Ok(issued)
    }

    async fn ca_chain(&self) -> Result<String, CaError> {
        Ok(self.chain_pem.clone())
    }

    fn kind(&self) -> &'static str {
        "local"
    }
}

/// A self-signed P-256 CA certificate and its PKCS#8 key, valid 10 years.
pub fn new_root(common_name: &str, now: i64) -> Result<(String, String), LocalCaError> {
    let key = KeyPair::generate().map_err(pki)?;
    let cert = ca_params(common_name, now)?
        .self_signed(&key)
        .map_err(pki)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// An intermediate CA signed by `parent` (certificate and key PEM): for a
/// local CA under the mesh's root, so that `ca_bundle` verifies the leaves too.
pub fn new_intermediate(
    common_name: &str,
    now: i64,
    parent_cert_pem: &str,
    parent_key_pem: &str,
) -> Result<(String, String), LocalCaError> {
    let parent_key = KeyPair::from_pem(parent_key_pem).map_err(pki)?;
    let parent = Issuer::from_ca_cert_pem(parent_cert_pem, parent_key).map_err(pki)?;
    let key = KeyPair::generate().map_err(pki)?;
    let mut params = ca_params(common_name, now)?;
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &parent).map_err(pki)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn ca_params(common_name: &str, now: i64) -> Result<CertificateParams, LocalCaError> {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = OffsetDateTime::from_unix_timestamp(now - 3600).map_err(pki)?;
    params.not_after = OffsetDateTime::from_unix_timestamp(now + 10 * 365 * 86_400).map_err(pki)?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn csr_with_dns_san(app: &str) -> String {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(vec!["sneaky.example".to_owned()]).expect("params");
        p.distinguished_name.push(DnType::CommonName, app);
        p.serialize_request(&key).expect("csr").pem().expect("pem")
    }

    fn request(token: &str, now: i64) -> IssueRequest {
        IssueRequest {
            csr_pem: csr_with_dns_san("payments"),
            spiffe_id: "spiffe://example.internal/payments".into(),
            not_before: now - 60,
            not_after: now - 60 + 86_400,
            idempotency_token: token.into(),
        }
    }

    #[tokio::test]
    async fn issues_the_template_exactly_and_ignores_the_csr_sans() {
        let clock = ManualClock::at(1_800_000_000);
        let dir = tempfile::tempdir().expect("tmp");
        let ca = LocalCa::open(dir.path(), Arc::new(clock.clone())).expect("ca");
        let issued = ca.issue(&request("t1", clock.now())).await.expect("issue");
        let der =
            cert_bundle::pem::certificates("certificate", &issued.certificate_pem).expect("pem");
        let facts = cert_bundle::svid::leaf_facts(&der[0]).expect("an SVID");
        facts.check_issued().expect("the issuer's shape");
        assert_eq!(facts.spiffe_id, "spiffe://example.internal/payments");
        assert_eq!(facts.not_before, clock.now() - 60);
        assert_eq!(facts.not_after - facts.not_before, 86_400);
        // The same CA comes back from the directory.
        let again = LocalCa::open(dir.path(), Arc::new(clock.clone())).expect("reopen");
        assert_eq!(again.ca_chain().await.expect("chain"), issued.chain_pem);
    }

    #[tokio::test]
    async fn a_token_repeated_within_a_minute_returns_the_same_certificate() {
        let clock = ManualClock::at(1_800_000_000);
        let dir = tempfile::tempdir().expect("tmp");
        let ca = LocalCa::open(dir.path(), Arc::new(clock.clone())).expect("ca");
        let first = ca.issue(&request("same", clock.now())).await.expect("1");
        let second = ca.issue(&request("same", clock.now())).await.expect("2");
        assert_eq!(first, second);
        assert_eq!((ca.requests(), ca.issued()), (2, 1));
        clock.advance(IDEMPOTENCY_WINDOW_SECS);
        let third = ca.issue(&request("same", clock.now())).await.expect("3");
        assert_ne!(first.certificate_pem, third.certificate_pem);
        assert_eq!(ca.issued(), 2);
    }
}
