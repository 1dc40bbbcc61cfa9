//! Server verification as go-spiffe does it: the chain must lead to one of
//! the bundle's mesh roots, the leaf must be an X509-SVID, and its SPIFFE ID
//! must be exactly the target app's. The SNI is a routing label for the
//! gateway, not a name on the server's certificate, so no DNS name is checked.

use std::sync::Arc;

use cert_bundle::svid::leaf_facts;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, RootCertStore};

use crate::identity::crypto_provider;

/// Why a server's certificate was refused (beyond a broken chain).
#[derive(Debug, thiserror::Error)]
pub enum ServerIdentityError {
    #[error("the server's certificate is not an X509-SVID: {0}")]
    NotSvid(cert_bundle::SvidError),
    #[error("the server presented {found}, but only {expected} may answer for this name")]
    WrongServer { found: String, expected: String },
}

/// Accepts exactly one SPIFFE ID, chained to the mesh roots.
#[derive(Debug)]
pub struct SpiffeServerVerifier {
    roots: Arc<RootCertStore>,
    expected: String,
    algorithms: WebPkiSupportedAlgorithms,
}

impl SpiffeServerVerifier {
    pub fn new(roots: Arc<RootCertStore>, expected_spiffe_id: &str) -> SpiffeServerVerifier {
        SpiffeServerVerifier {
            roots,
            expected: expected_spiffe_id.to_owned(),
            algorithms: crypto_provider().signature_verification_algorithms,
        }
    }
}

fn refuse(e: ServerIdentityError) -> Error {
    Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
}

impl ServerCertVerifier for SpiffeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let parsed = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &self.roots,
            intermediates,
            now,
            self.algorithms.all,
        )?;
        let leaf =
            leaf_facts(end_entity.as_ref()).map_err(|e| refuse(ServerIdentityError::NotSvid(e)))?;
        if leaf.spiffe_id != self.expected {
            return Err(refuse(ServerIdentityError::WrongServer {
                found: leaf.spiffe_id,
                expected: self.expected.clone(),
            }));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
