//! PEM text to DER, through rustls-pki-types' parser, for the three kinds
//! of block a bundle holds.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::BundleError;

/// Every `CERTIFICATE` block, in order; at least one.
pub fn certificates(
    field: &'static str,
    text: &str,
) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    let certs = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BundleError::BadPem {
            field,
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(BundleError::MissingPem {
            field,
            label: "CERTIFICATE",
        });
    }
    Ok(certs)
}

/// The one `PRIVATE KEY` (PKCS#8) block. The error never quotes the text.
pub fn pkcs8_key(field: &'static str, text: &str) -> Result<PrivateKeyDer<'static>, BundleError> {
    match PrivatePkcs8KeyDer::from_pem_slice(text.as_bytes()) {
        Ok(key) => Ok(PrivateKeyDer::Pkcs8(key)),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Err(BundleError::MissingPem {
            field,
            label: "PRIVATE KEY",
        }),
        Err(_) => Err(BundleError::BadPem {
            field,
            detail: "the PKCS#8 block does not decode".into(),
        }),
    }
}
