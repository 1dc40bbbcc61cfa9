//! Making one certificate: a fresh P-256 key that never leaves memory, a CSR
//! that carries only the subject (the SAN is the issuer's to set, through the
//! API-passthrough template), and the check of what the CA sent back before
//! anything is written: the SPIFFE ID, the X509-SVID shape, the lifetime
//! asked for, our public key, and the CA's signature. A CA that ignores the
//! request (moto's ACM-PCA ignores Validity and passthrough) is refused here.

use base64::Engine;
use cert_bundle::{BundleError, CertBundle};
use rcgen::{CertificateParams, DnType, KeyPair, PublicKeyData};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::ca::{IssueRequest, Issued};

/// How far the CA's validity may differ from the one asked for.
pub const VALIDITY_TOLERANCE_SECS: i64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    #[error("generating the key or CSR: {0}")]
    Key(String),
    #[error("the CA's answer: {0}")]
    Answer(String),
    #[error("the issued certificate: {0}")]
    Bundle(String),
}

impl From<BundleError> for IssueError {
    fn from(e: BundleError) -> Self {
        IssueError::Bundle(e.to_string())
    }
}

/// A new P-256 key pair.
pub fn fresh_key() -> Result<KeyPair, IssueError> {
    KeyPair::generate().map_err(|e| IssueError::Key(e.to_string()))
}

/// A CSR with subject CN=<app> and no SAN.
pub fn csr(app: &str, key: &KeyPair) -> Result<String, IssueError> {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, app);
    params
        .serialize_request(key)
        .and_then(|c| c.pem())
        .map_err(|e| IssueError::Key(e.to_string()))
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, IssueError> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| IssueError::Answer(format!("not a certificate: {e}")))
}

/// A certificate that signs itself (a root).
fn self_signed(cert: &X509Certificate<'_>) -> bool {
    cert.subject() == cert.issuer() && cert.verify_signature(None).is_ok()
}

/// Check what the CA returned for `request` and build the bundle:
/// leaf, then the CA's intermediates (roots left out); `ca_bundle` = the mesh roots.
pub fn bundle(
    issued: &Issued,
    key: &KeyPair,
    request: &IssueRequest,
    mesh_roots_pem: &str,
) -> Result<CertBundle, IssueError> {
    let leaf_der = cert_bundle::pem::certificates("certificate", &issued.certificate_pem)?;
    let chain_der = cert_bundle::pem::certificates("certificate chain", &issued.chain_pem)?;
    let facts = cert_bundle::svid::leaf_facts(&leaf_der[0])
        .map_err(|e| IssueError::Answer(format!("the leaf is not an X509-SVID: {e}")))?;
    facts
        .check_issued()
        .map_err(|e| IssueError::Answer(format!("the leaf is not what s2s issues: {e}")))?;
    if facts.spiffe_id != request.spiffe_id {
        return Err(IssueError::Answer(format!(
            "the leaf names {} instead of {}",
            facts.spiffe_id, request.spiffe_id
        )));
    }
    let off = |got: i64, want: i64| (got - want).abs() > VALIDITY_TOLERANCE_SECS;
    if off(facts.not_before, request.not_before) || off(facts.not_after, request.not_after) {
        return Err(IssueError::Answer(format!(
            "the CA ignored the validity asked for ({}..{}, got {}..{})",
            request.not_before, request.not_after, facts.not_before, facts.not_after
        )));
    }
    let leaf = parse(&leaf_der[0])?;
    if leaf.public_key().raw != key.subject_public_key_info().as_slice() {
        // A token reused within the CA's idempotency window returns the
        // certificate of the first request, for another key.
        return Err(IssueError::Answer(
            "the certificate is for another key (an idempotent repeat of a request made elsewhere)"
                .into(),
        ));
    }
    let issuing = parse(&chain_der[0])?;
    leaf.verify_signature(Some(issuing.public_key()))
        .map_err(|e| IssueError::Answer(format!("the CA's chain did not sign the leaf: {e}")))?;
    let mut chain_pem = pem(&leaf_der[0]);
    for der in &chain_der {
        if !self_signed(&parse(der)?) {
            chain_pem.push_str(&pem(der));
        }
    }
    let b = CertBundle::from_parts(&chain_pem, &key.serialize_pem(), mesh_roots_pem)?;
    b.check(&request.spiffe_id)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::local::{new_intermediate, new_root, LocalCa};
    use crate::ca::CertificateAuthority;
    use crate::clock::ManualClock;
    use std::sync::Arc;

    const NOW: i64 = 1_800_000_000;

    fn request(key: &KeyPair, token: &str) -> IssueRequest {
        IssueRequest {
            csr_pem: csr("payments", key).expect("csr"),
            spiffe_id: "spiffe://example.internal/payments".into(),
            not_before: NOW - 60,
            not_after: NOW - 60 + 86_400,
            idempotency_token: token.into(),
        }
    }

    #[tokio::test]
    async fn a_good_answer_becomes_a_bundle_with_the_intermediate_and_the_mesh_roots() {
        let (root, root_key) = new_root("mesh root", NOW).expect("root");
        let (inter, inter_key) = new_intermediate("issuing", NOW, &root, &root_key).expect("ca");
        let ca = LocalCa::from_pem(&inter, &inter_key, &root, Arc::new(ManualClock::at(NOW)))
            .expect("ca");
        let key = fresh_key().expect("key");
        let req = request(&key, "a");
        let issued = ca.issue(&req).await.expect("issue");
        let b = bundle(&issued, &key, &req, &root).expect("bundle");
        assert_eq!(
            b.certificate_chain().expect("chain").len(),
            2,
            "leaf + intermediate, no root"
        );
        assert_eq!(b.ca_bundle, root);
        assert_eq!(b.not_after, cert_bundle::format_rfc3339(NOW - 60 + 86_400));
    }

    #[tokio::test]
    async fn answers_for_another_key_or_lifetime_are_refused() {
        let (root, root_key) = new_root("ca", NOW).expect("root");
        let ca =
            LocalCa::from_pem(&root, &root_key, "", Arc::new(ManualClock::at(NOW))).expect("ca");
        let key = fresh_key().expect("key");
        let req = request(&key, "b");
        let issued = ca.issue(&req).await.expect("issue");
        // Same token, new key: the CA answers with the first certificate.
        let other = fresh_key().expect("key");
        let repeat = request(&other, "b");
        let again = ca.issue(&repeat).await.expect("idempotent");
        assert!(
            matches!(bundle(&again, &other, &repeat, &root), Err(IssueError::Answer(m)) if m.contains("another key"))
        );
        // A CA that ignores the validity (moto: 365 days).
        let mut longer = req.clone();
        longer.not_after += 364 * 86_400;
        assert!(
            matches!(bundle(&issued, &key, &longer, &root), Err(IssueError::Answer(m)) if m.contains("validity"))
        );
        // Not signed by the chain it came with.
        let (stranger, _) = new_root("stranger", NOW).expect("root");
        let forged = Issued {
            chain_pem: stranger,
            ..issued.clone()
        };
        assert!(bundle(&forged, &key, &req, &root).is_err());
        bundle(&issued, &key, &req, &root).expect("the genuine answer");
    }
}
