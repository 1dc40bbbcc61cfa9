//! X509-SVID rules (SPIFFE X509-SVID §2, §4, §5.2) for a leaf certificate.
//!
//! [`leaf_facts`] applies what every verifier must (as go-spiffe does): not a
//! CA, no certificate or CRL signing, exactly one URI SAN and it is a SPIFFE
//! ID. Chain validation is the TLS layer's job. [`LeafFacts::check_issued`]
//! adds what s2s's issuer promises on top: key usage critical with
//! digitalSignature, EKU clientAuth + serverAuth, no SAN but the URI.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Why a certificate is not a usable leaf SVID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvidError {
    #[error("not a DER X.509 certificate ({0})")]
    Parse(String),
    #[error("it is a CA certificate; an SVID leaf must have cA=false")]
    IsCa,
    #[error("its key usage allows {0}, which a leaf SVID must not")]
    SigningUsage(&'static str),
    #[error("it carries no URI SAN, so it names no SPIFFE ID")]
    NoUriSan,
    #[error("it carries {0} URI SANs; an X509-SVID has exactly one")]
    ManyUriSans(usize),
    #[error("its URI SAN {0:?} is not a SPIFFE ID (spiffe://<trust domain>/<path>)")]
    NotSpiffe(String),
    #[error("{0}")]
    NotIssuedShape(&'static str),
}

/// What s2s reads off a leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafFacts {
    pub spiffe_id: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Lowercase hex, no separators or leading zeros.
    pub serial: String,
    key_usage_critical_digital_signature: bool,
    eku_client_and_server: bool,
    other_sans: usize,
}

impl LeafFacts {
    /// The issuer's own promises about the leaves it writes (ARCHITECTURE.md).
    pub fn check_issued(&self) -> Result<(), SvidError> {
        if !self.key_usage_critical_digital_signature {
            return Err(SvidError::NotIssuedShape(
                "its key usage must be critical and include digitalSignature",
            ));
        }
        if !self.eku_client_and_server {
            return Err(SvidError::NotIssuedShape(
                "its extended key usage must include clientAuth and serverAuth",
            ));
        }
        if self.other_sans > 0 {
            return Err(SvidError::NotIssuedShape(
                "it carries SANs other than the SPIFFE ID",
            ));
        }
        Ok(())
    }

    /// Seconds of validity left at `now` (negative once expired).
    pub fn remaining(&self, now: i64) -> i64 {
        self.not_after - now
    }
}

/// The SVID facts of a DER leaf, or why it is not one.
pub fn leaf_facts(der: &[u8]) -> Result<LeafFacts, SvidError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| SvidError::Parse(e.to_string()))?;
    let bad = |e: x509_parser::error::X509Error| SvidError::Parse(e.to_string());
    if cert
        .basic_constraints()
        .map_err(bad)?
        .is_some_and(|bc| bc.value.ca)
    {
        return Err(SvidError::IsCa);
    }
    let key_usage = cert.key_usage().map_err(bad)?;
    if let Some(ku) = &key_usage {
        if ku.value.key_cert_sign() {
            return Err(SvidError::SigningUsage("keyCertSign"));
        }
        if ku.value.crl_sign() {
            return Err(SvidError::SigningUsage("cRLSign"));
        }
    }
    let mut uris = Vec::new();
    let mut other_sans = 0;
    if let Some(san) = cert.subject_alternative_name().map_err(bad)? {
        for name in &san.value.general_names {
            match name {
                GeneralName::URI(uri) => uris.push(*uri),
                _ => other_sans += 1,
            }
        }
    }
    let uri = match uris.as_slice() {
        [] => return Err(SvidError::NoUriSan),
        [one] => *one,
        many => return Err(SvidError::ManyUriSans(many.len())),
    };
    if !is_spiffe_id(uri) {
        return Err(SvidError::NotSpiffe(uri.to_owned()));
    }
    let eku_client_and_server = cert
        .extended_key_usage()
        .map_err(bad)?
        .is_some_and(|e| e.value.client_auth && e.value.server_auth);
    Ok(LeafFacts {
        spiffe_id: uri.to_owned(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        serial: format!("{:x}", cert.tbs_certificate.serial),
        key_usage_critical_digital_signature: key_usage
            .is_some_and(|ku| ku.critical && ku.value.digital_signature()),
        eku_client_and_server,
        other_sans,
    })
}

/// SPIFFE-ID.md §2: `spiffe://`, a trust domain of `[a-z0-9._-]`, a
/// non-empty path of segments of `[A-Za-z0-9._-]` that are not `.` or `..`;
/// no port, user info, query or fragment (their characters are not allowed).
pub fn is_spiffe_id(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("spiffe://") else {
        return false;
    };
    let Some((trust_domain, path)) = rest.split_once('/') else {
        return false;
    };
    let td_ok = !trust_domain.is_empty()
        && trust_domain.len() <= 255
        && trust_domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    td_ok
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose, SanType,
    };

    fn leaf(sans: Vec<SanType>, edit: impl FnOnce(&mut CertificateParams)) -> Vec<u8> {
        let mut params = CertificateParams::default();
        params.subject_alt_names = sans;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        edit(&mut params);
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    fn uri(u: &str) -> SanType {
        SanType::URI(u.try_into().unwrap())
    }

    #[test]
    fn an_issued_leaf_passes_every_rule() {
        let facts = leaf(vec![uri("spiffe://example.internal/payments")], |_| {});
        let facts = leaf_facts(&facts).unwrap();
        assert_eq!(facts.spiffe_id, "spiffe://example.internal/payments");
        // rcgen marks key usage critical.
        facts.check_issued().unwrap();
    }

    #[test]
    fn uri_san_count_and_shape_are_enforced() {
        let none = leaf(
            vec![SanType::DnsName("a.example".try_into().unwrap())],
            |_| {},
        );
        assert_eq!(leaf_facts(&none), Err(SvidError::NoUriSan));
        let two = leaf(vec![uri("spiffe://td/a"), uri("spiffe://td/b")], |_| {});
        assert_eq!(leaf_facts(&two), Err(SvidError::ManyUriSans(2)));
        let https = leaf(vec![uri("https://td/a")], |_| {});
        assert!(matches!(leaf_facts(&https), Err(SvidError::NotSpiffe(_))));
        let extra_dns = leaf(
            vec![
                uri("spiffe://td/a"),
                SanType::DnsName("a.example".try_into().unwrap()),
            ],
            |_| {},
        );
        let facts = leaf_facts(&extra_dns).expect("a DNS SAN is allowed to a verifier");
        assert!(facts.check_issued().is_err(), "but not in what s2s issues");
    }

    #[test]
    fn signing_certificates_are_not_leaves() {
        let ca = leaf(vec![uri("spiffe://td/a")], |p| {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained)
        });
        assert_eq!(leaf_facts(&ca), Err(SvidError::IsCa));
        let signer = leaf(vec![uri("spiffe://td/a")], |p| {
            p.key_usages.push(KeyUsagePurpose::KeyCertSign)
        });
        assert_eq!(
            leaf_facts(&signer),
            Err(SvidError::SigningUsage("keyCertSign"))
        );
        let server_only = leaf(vec![uri("spiffe://td/a")], |p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth]
        });
        assert!(leaf_facts(&server_only).unwrap().check_issued().is_err());
    }

    #[test]
    fn spiffe_id_syntax() {
        for good in [
            "spiffe://example.internal/payments",
            "spiffe://td/ns/a/sa/b",
        ] {
            assert!(is_spiffe_id(good), "{good}");
        }
        for bad in [
            "spiffe://example.internal",
            "spiffe://example.internal/",
            "spiffe://Example/app",
            "spiffe://td:443/app",
            "spiffe://td/app?x=1",
            "spiffe://td/a//b",
            "spiffe://td/../b",
            "spiffe:///app",
        ] {
            assert!(!is_spiffe_id(bad), "{bad}");
        }
    }
}
