//! rustls client configurations for one identity: one per target app (the
//! verifier accepts only that app's SPIFFE ID), all presenting the same
//! certificate, ALPN h2 then http/1.1. Built on first use and kept, so
//! session resumption works within an identity and never across two.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};

use crate::identity::{crypto_provider, Identity};
use crate::verify::SpiffeServerVerifier;

/// Always the same certificate: the function has exactly one identity.
struct Present(Arc<CertifiedKey>);

impl std::fmt::Debug for Present {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Present(..)")
    }
}

impl ResolvesClientCert for Present {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

pub(crate) struct TlsConfigs {
    identity: Arc<Identity>,
    by_target: Mutex<HashMap<String, Arc<ClientConfig>>>,
}

impl TlsConfigs {
    pub(crate) fn new(identity: Arc<Identity>) -> TlsConfigs {
        TlsConfigs {
            identity,
            by_target: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration that accepts only `expected_spiffe_id`.
    pub(crate) fn for_target(
        &self,
        expected_spiffe_id: &str,
    ) -> Result<Arc<ClientConfig>, rustls::Error> {
        let mut map = self
            .by_target
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(config) = map.get(expected_spiffe_id) {
            return Ok(config.clone());
        }
        let verifier = SpiffeServerVerifier::new(self.identity.roots.clone(), expected_spiffe_id);
        let mut config = ClientConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_cert_resolver(Arc::new(Present(self.identity.certified.clone())));
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let config = Arc::new(config);
        map.insert(expected_spiffe_id.to_owned(), config.clone());
        Ok(config)
    }
}
