//! The identity a client presents: its certificate, checked before the first
//! request (the key matches it, it is within its validity) and described in
//! words, so that a server's refusal can say what was presented instead of a
//! bare "401" or "builder error".

use std::fmt;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::config::ConfigError;

/// What the client certificate says about who we are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedIdentity {
    /// The subject's common name, if it has one.
    pub common_name: Option<String>,
    /// The `spiffe://` URI SAN, if there is exactly one.
    pub spiffe_id: Option<String>,
    /// Lowercase hex.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// The issuer's common name (or its whole name when it has none).
    pub issuer: String,
}

impl fmt::Display for PresentedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("client certificate")?;
        if let Some(cn) = &self.common_name {
            write!(f, " CN={cn}")?;
        }
        match &self.spiffe_id {
            Some(id) => write!(f, ", SPIFFE ID {id}")?,
            None => f.write_str(", no SPIFFE ID")?,
        }
        write!(
            f,
            ", serial {}, valid until {}, issued by {}",
            self.serial,
            utc(self.not_after),
            self.issuer
        )
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a Unix time (s2s-core's calendar).
pub fn utc(unix: i64) -> String {
    let t = s2s_core::UtcDateTime::from_epoch(unix);
    format!("{} {} UTC", t.date(), t.time())
}

/// Why an identity cannot be presented, by the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The certificate is not readable, or is outside its validity.
    #[error("{0}")]
    Certificate(String),
    /// The key is not readable, or does not belong to the certificate.
    #[error("{0}")]
    Key(String),
}

impl From<IdentityError> for ConfigError {
    fn from(e: IdentityError) -> Self {
        ConfigError(e.to_string())
    }
}

/// Reads the first certificate of `cert_pem` and checks that `key_pem` is
/// its key and that it is valid at `now` (Unix seconds). Never prints key
/// material.
pub fn inspect(
    cert_pem: &[u8],
    key_pem: &[u8],
    now: i64,
) -> Result<PresentedIdentity, IdentityError> {
    let certificate = IdentityError::Certificate;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| certificate(format!("client certificate: not PEM certificates ({e})")))?;
    let Some(leaf) = chain.first() else {
        return Err(certificate(
            "client certificate: the PEM holds no CERTIFICATE block".into(),
        ));
    };
    let identity = describe(leaf.as_ref()).map_err(|e| certificate(e.0))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
        IdentityError::Key(format!(
            "client key: not a PEM private key (PKCS#8, EC or RSA): {e}"
        ))
    })?;
    let provider = rustls::crypto::ring::default_provider();
    match rustls::sign::CertifiedKey::from_der(chain.clone(), key, &provider) {
        Ok(_) => {}
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            return Err(IdentityError::Key(format!(
                "the client key does not belong to the client certificate ({identity}): the key's public key differs from the certificate's. Pass the key that was issued with this certificate"
            )))
        }
        Err(e) => {
            return Err(IdentityError::Key(format!(
                "client key: cannot be used for TLS ({e})"
            )))
        }
    }
    if now > identity.not_after {
        return Err(certificate(format!(
            "the {identity} expired on {}: renew it",
            utc(identity.not_after)
        )));
    }
    if now < identity.not_before {
        return Err(certificate(format!(
            "the {identity} is not valid before {}",
            utc(identity.not_before)
        )));
    }
    Ok(identity)
}

/// What a DER certificate says about its holder.
pub fn describe(der: &[u8]) -> Result<PresentedIdentity, ConfigError> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| ConfigError(format!("client certificate: not X.509 ({e})")))?;
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned);
    let issuer = cert
        .issuer()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(|cn| format!("CN={cn}"))
        .unwrap_or_else(|| cert.issuer().to_string());
    let mut spiffe = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::URI(uri) = name {
                if uri.starts_with("spiffe://") {
                    spiffe.push((*uri).to_owned());
                }
            }
        }
    }
    Ok(PresentedIdentity {
        common_name,
        spiffe_id: (spiffe.len() == 1).then(|| spiffe.remove(0)),
        serial: format!("{:x}", cert.tbs_certificate.serial),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        issuer,
    })
}

/// Seconds since the epoch, now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_767_225_661), "2026-01-01 00:01:01 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }

    /// A self-signed certificate with a CN and a SPIFFE ID, valid for
    /// `days` from now (negative: already expired), and its key.
    fn minted(days: i64) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "ci-orders");
        params.subject_alt_names.push(rcgen::SanType::URI(
            "spiffe://example.internal/ci/orders"
                .try_into()
                .expect("ia5"),
        ));
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(days.abs() + 1);
        params.not_after = now + time::Duration::days(days);
        let cert = params.self_signed(&key).expect("cert");
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_good_identity_is_described() {
        let (cert, key) = minted(30);
        let id = inspect(cert.as_bytes(), key.as_bytes(), now_unix()).expect("valid");
        let text = id.to_string();
        assert!(text.starts_with("client certificate CN=ci-orders, SPIFFE ID spiffe://example.internal/ci/orders, serial "), "{text}");
        assert!(text.contains("issued by CN=ci-orders"), "{text}");
    }

    #[test]
    fn a_foreign_key_or_an_expired_certificate_is_refused_with_the_reason() {
        let (cert, _) = minted(30);
        let (_, other_key) = minted(30);
        let e = inspect(cert.as_bytes(), other_key.as_bytes(), now_unix()).unwrap_err();
        assert!(matches!(e, IdentityError::Key(_)), "{e}");
        assert!(
            e.to_string()
                .contains("does not belong to the client certificate"),
            "{e}"
        );
        assert!(
            !e.to_string().contains("PRIVATE KEY"),
            "never echoes key material"
        );
        let (old, old_key) = minted(-2);
        let e = inspect(old.as_bytes(), old_key.as_bytes(), now_unix()).unwrap_err();
        assert!(matches!(e, IdentityError::Certificate(_)), "{e}");
        assert!(e.to_string().contains("expired on "), "{e}");
        assert!(e.to_string().contains("CN=ci-orders"), "{e}");
    }

    #[test]
    fn garbage_is_refused_without_echoing_it() {
        let e = inspect(
            b"not pem",
            b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
            0,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no CERTIFICATE"), "{e}");
        assert!(!e.to_string().contains("c2VjcmV0"));
    }
}
