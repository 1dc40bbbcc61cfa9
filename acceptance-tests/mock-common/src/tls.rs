//! rustls server configuration (ring provider) for the mocks.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::pki::TestPki;

/// Whether the TLS handshake demands a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// No certificate (or one the CA did not sign) → the handshake fails.
    #[default]
    Required,
    /// Like Jetty's `wantClientAuth`: a missing certificate is let through and
    /// the application answers 401. A certificate from another CA still fails
    /// the handshake.
    Optional,
}

/// First certificate of a PEM text, as DER.
pub fn first_cert_der(pem: &str) -> Option<Vec<u8>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()?
        .ok()
        .map(|c| c.as_ref().to_vec())
}

/// The ring crypto provider used by every mock.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Build the server config: the PKI's server certificate, client certificates
/// verified against the PKI's CA, ALPN `http/1.1`.
pub fn server_config(pki: &TestPki, auth: ClientAuth) -> anyhow::Result<ServerConfig> {
    let provider = provider();
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pki.ca_pem().as_bytes()) {
        roots.add(cert?)?;
    }
    let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    let verifier = match auth {
        ClientAuth::Required => builder.build()?,
        ClientAuth::Optional => builder.allow_unauthenticated().build()?,
    };
    let (cert_pem, key_pem) = pki.server_pem();
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .chain(CertificateDer::pem_slice_iter(pki.ca_pem().as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
