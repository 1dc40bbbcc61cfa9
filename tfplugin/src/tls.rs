//! go-plugin AutoMTLS.
//!
//! Terraform passes its client certificate (PEM) in `PLUGIN_CLIENT_CERT`; the
//! plugin answers with its own self-signed server certificate in the handshake
//! line. Both sides then require exactly those certificates.
//!
//! go-plugin's client certificate is a self-signed P-521 *CA* certificate
//! signed with ecdsa-with-SHA512, which stock rustls client verification
//! rejects (a CA used as an end entity) and which ring cannot verify. So the
//! server uses ring for everything except a custom [`ClientCertVerifier`]
//! that pins the certificate byte for byte and verifies handshake signatures
//! with ring's algorithms plus P-521/SHA-512 from the pure-Rust `p521` crate.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer,
    PrivatePkcs8KeyDer, SignatureVerificationAlgorithm, UnixTime,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Errors setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` held no usable PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    /// Generating the server certificate failed.
    #[error("generating the server certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls rejected the configuration.
    #[error("TLS configuration failed: {0}")]
    Config(#[from] rustls::Error),
}

/// ECDSA over P-521 with SHA-512, verified with the `p521` crate.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier as _;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let sig = p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &sig).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

static P521: EcdsaP521Sha512 = EcdsaP521Sha512;

/// ring's signature algorithms plus ECDSA P-521/SHA-512.
fn algorithms() -> WebPkiSupportedAlgorithms {
    static ALGS: OnceLock<WebPkiSupportedAlgorithms> = OnceLock::new();
    *ALGS.get_or_init(|| {
        let base = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let mut all = base.all.to_vec();
        all.push(&P521);
        let p521: &'static [&'static dyn SignatureVerificationAlgorithm] = Box::leak(Box::new([
            &P521 as &'static dyn SignatureVerificationAlgorithm,
        ]));
        let mut mapping = base.mapping.to_vec();
        mapping.push((SignatureScheme::ECDSA_NISTP521_SHA512, p521));
        WebPkiSupportedAlgorithms {
            all: Box::leak(all.into_boxed_slice()),
            mapping: Box::leak(mapping.into_boxed_slice()),
        }
    })
}

/// Accepts exactly one client certificate (compared byte for byte) and
/// verifies that the client holds its key.
#[derive(Debug)]
pub struct PinnedClientVerifier {
    pinned: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl PinnedClientVerifier {
    /// Pins `cert`.
    pub fn new(cert: CertificateDer<'static>) -> Self {
        Self {
            pinned: cert,
            algs: algorithms(),
        }
    }

    /// Pins the first certificate in `pem`.
    pub fn from_pem(pem: &str) -> Result<Self, TlsError> {
        let cert = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| TlsError::ClientCert(e.to_string()))?;
        Ok(Self::new(cert))
    }
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

/// A fresh self-signed P-256 server certificate for `localhost`.
pub fn generate_server_cert() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError>
{
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    let der = cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((der, key))
}

/// The rustls server configuration for AutoMTLS: our certificate, the
/// pinned client certificate required, ALPN `h2`.
pub fn server_config(
    client_cert_pem: &str,
) -> Result<(rustls::ServerConfig, CertificateDer<'static>), TlsError> {
    let verifier = PinnedClientVerifier::from_pem(client_cert_pem)?;
    let (cert, key) = generate_server_cert()?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
    .with_client_cert_verifier(Arc::new(verifier))
    .with_single_cert(vec![cert.clone()], key)?;
    // grpc-go refuses a connection without a negotiated ALPN protocol.
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok((cfg, cert))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem_of(der: &CertificateDer<'_>) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn pinning_accepts_only_the_pinned_certificate() {
        let (a, _) = generate_server_cert().unwrap();
        let (b, _) = generate_server_cert().unwrap();
        let v = PinnedClientVerifier::from_pem(&pem_of(&a)).unwrap();
        let now = UnixTime::now();
        assert!(v.verify_client_cert(&a, &[], now).is_ok());
        assert!(v.verify_client_cert(&b, &[], now).is_err());
        assert!(v.client_auth_mandatory());
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        assert!(PinnedClientVerifier::from_pem("not a pem").is_err());
    }

    #[test]
    fn p521_signatures_verify() {
        use p521::ecdsa::signature::Signer as _;
        let mut secret = [7u8; 66];
        secret[0] = 0; // below the group order
        let sk = p521::ecdsa::SigningKey::from_slice(&secret).unwrap();
        let vk = p521::ecdsa::VerifyingKey::from(&sk);
        let point = vk.to_encoded_point(false);
        let sig: p521::ecdsa::Signature = sk.sign(b"handshake transcript");
        let der = sig.to_der();
        assert!(P521
            .verify_signature(point.as_bytes(), b"handshake transcript", der.as_bytes())
            .is_ok());
        assert!(P521
            .verify_signature(point.as_bytes(), b"another transcript", der.as_bytes())
            .is_err());
        assert!(P521.verify_signature(b"junk", b"x", b"junk").is_err());
    }

    #[test]
    fn server_config_has_alpn_h2() {
        let (a, _) = generate_server_cert().unwrap();
        let (cfg, cert) = server_config(&pem_of(&a)).unwrap();
        assert_eq!(cfg.alpn_protocols, vec![b"h2".to_vec()]);
        assert!(!cert.is_empty());
    }
}
