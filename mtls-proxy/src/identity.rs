//! The function's identity as TLS needs it: the checked bundle turned into a
//! rustls `CertifiedKey` (key proven to fit the leaf) and the mesh roots that
//! servers must chain to. Built once per certificate, shared by every
//! connection; `Debug` shows serial and lifetime, never the key.

use std::sync::{Arc, OnceLock};

use cert_bundle::{BundleError, CertBundle};
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;

/// Why a bundle cannot be presented.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error("the bundle's private key is not usable with its certificate ({0})")]
    Key(String),
    #[error("the bundle's ca_bundle holds a root rustls cannot use ({0})")]
    Roots(String),
}

/// The ring provider every s2s TLS connection uses.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// One certificate of the function, ready to present.
pub struct Identity {
    pub spiffe_id: String,
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// The Secrets Manager version it was read from, if the source has versions.
    pub version: Option<String>,
    pub(crate) certified: Arc<CertifiedKey>,
    pub(crate) roots: Arc<RootCertStore>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("spiffe_id", &self.spiffe_id)
            .field("serial", &self.serial)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Checks the bundle is `expected_spiffe_id`'s and whole (cert-bundle's
    /// rules), and that its key signs for its leaf.
    pub fn from_bundle(
        bundle: &CertBundle,
        expected_spiffe_id: &str,
        version: Option<String>,
    ) -> Result<Identity, IdentityError> {
        let leaf = bundle.check(expected_spiffe_id)?;
        let chain = bundle.certificate_chain()?;
        let key = bundle.private_key()?;
        let certified = CertifiedKey::from_der(chain, key, &crypto_provider())
            .map_err(|e| IdentityError::Key(e.to_string()))?;
        let mut roots = RootCertStore::empty();
        for root in bundle.ca_roots()? {
            roots
                .add(root)
                .map_err(|e| IdentityError::Roots(e.to_string()))?;
        }
        Ok(Identity {
            spiffe_id: leaf.spiffe_id,
            serial: leaf.serial,
            not_before: leaf.not_before,
            not_after: leaf.not_after,
            version,
            certified: Arc::new(certified),
            roots: Arc::new(roots),
        })
    }

    /// Whether it may still be presented at `now` (Unix seconds).
    pub fn usable_at(&self, now: i64) -> bool {
        now < self.not_after
    }

    /// Seconds of validity left at `now`.
    pub fn remaining(&self, now: i64) -> i64 {
        self.not_after - now
    }
}
