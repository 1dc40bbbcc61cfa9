//! Who is calling: read from the peer certificate the way Keywhiz's
//! `ClientAuthenticator` does.
//!
//! * SPIFFE ID: the URI SAN starting with `spiffe://`, usable only when it is the
//!   **only** `spiffe://` SAN and there is **no other URI SAN** at all;
//! * name: the first `CN` of the subject.

use serde::Serialize;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The identity a peer certificate claims. Both parts may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallerIdentity {
    /// First CN RDN of the subject.
    pub common_name: Option<String>,
    /// The SPIFFE ID, if the URI SAN rules allow one.
    pub spiffe_id: Option<String>,
    /// NotAfter of the leaf, epoch seconds.
    pub not_after: Option<i64>,
}

impl CallerIdentity {
    /// A label for logs: the SPIFFE ID if usable, else the CN, else `-`.
    pub fn label(&self) -> String {
        self.spiffe_id
            .clone()
            .or_else(|| self.common_name.clone())
            .unwrap_or_else(|| "-".to_owned())
    }
}

/// The DER of the client's leaf certificate, put into each request's extensions
/// by the server. Absent when the client sent no certificate (only possible when
/// client auth is optional).
#[derive(Debug, Clone)]
pub struct PeerCertificate(pub std::sync::Arc<Vec<u8>>);

/// Extract the caller identity from a DER certificate. `None` if it does not parse.
pub fn caller_from_der(der: &[u8]) -> Option<CallerIdentity> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned);

    let mut uris: Vec<&str> = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::URI(uri) = name {
                uris.push(uri);
            }
        }
    }
    let spiffe: Vec<&str> = uris
        .iter()
        .copied()
        .filter(|u| u.starts_with("spiffe://"))
        .collect();
    let spiffe_id = match (spiffe.as_slice(), uris.len()) {
        ([only], 1) => Some((*only).to_owned()),
        _ => None,
    };
    Some(CallerIdentity {
        common_name,
        spiffe_id,
        not_after: Some(cert.validity().not_after.timestamp()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{IdentitySpec, TestPki};

    fn caller(spec: IdentitySpec) -> CallerIdentity {
        let pki = TestPki::temporary().expect("pki");
        let id = pki.mint(&spec).expect("mint");
        let der = crate::tls::first_cert_der(&id.cert_pem).expect("der");
        caller_from_der(&der).expect("parse")
    }

    #[test]
    fn spiffe_and_cn() {
        let c = caller(IdentitySpec::spiffe("app", "spiffe://example.org/app"));
        assert_eq!(c.spiffe_id.as_deref(), Some("spiffe://example.org/app"));
        assert_eq!(c.common_name.as_deref(), Some("app"));
        assert_eq!(c.label(), "spiffe://example.org/app");
    }

    #[test]
    fn cn_only() {
        let c = caller(IdentitySpec::cn("automation"));
        assert_eq!(c.spiffe_id, None);
        assert_eq!(c.label(), "automation");
    }

    #[test]
    fn spiffe_with_another_uri_is_ignored() {
        let mut spec = IdentitySpec::spiffe("x", "spiffe://example.org/x");
        spec.extra_uris.push("https://example.org/other".into());
        assert_eq!(caller(spec).spiffe_id, None);
    }

    #[test]
    fn two_spiffe_ids_are_ignored() {
        let mut spec = IdentitySpec::spiffe("x", "spiffe://example.org/x");
        spec.extra_uris.push("spiffe://example.org/y".into());
        assert_eq!(caller(spec).spiffe_id, None);
    }
}
