//! Why an exchange got no answer, in words, and whether another attempt can
//! help. A certificate the server does not accept, or a server certificate we
//! do not trust, will fail the same way every time: those are permanent and
//! say what was presented and what failed. Refused connections, resets and
//! timeouts are transient.

use std::error::Error as StdError;
use std::fmt;

use rustls::{AlertDescription, CertificateError};

use crate::identity::{utc, PresentedIdentity};

/// The kind of failure, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The server's certificate is not one we trust (unknown issuer, expired,
    /// wrong host name). Permanent.
    ServerCertificate,
    /// The server refused our client certificate (a TLS alert). Permanent.
    ClientCertificateRefused,
    /// Another TLS failure (no common protocol version, ...). Permanent.
    Tls,
    /// No connection (refused, unreachable, DNS). Transient.
    Connect,
    /// No answer in time. Transient.
    Timeout,
    /// Anything else (reset, closed connection). Transient.
    Other,
}

/// A transport failure explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    pub kind: FailureKind,
    pub detail: String,
}

impl TransportFailure {
    /// Whether trying again cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self.kind,
            FailureKind::ServerCertificate
                | FailureKind::ClientCertificateRefused
                | FailureKind::Tls
        )
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Explains `err`, which happened while talking to `base` as `presented`.
pub fn classify(
    err: &reqwest::Error,
    base: &str,
    presented: &PresentedIdentity,
) -> TransportFailure {
    if let Some(tls) = rustls_error(err) {
        return explain_tls(tls, base, presented);
    }
    let chain = chain(err);
    let kind = if err.is_timeout() {
        FailureKind::Timeout
    } else if err.is_connect() {
        FailureKind::Connect
    } else {
        FailureKind::Other
    };
    let detail = match kind {
        FailureKind::Timeout => format!("no answer from {base} in time ({chain})"),
        FailureKind::Connect => format!("cannot connect to {base} ({chain})"),
        _ => chain,
    };
    TransportFailure { kind, detail }
}

/// The rustls error behind a reqwest error, if any. tokio-rustls wraps it in
/// an `io::Error`, whose `source()` skips the wrapped error, so each
/// `io::Error` is opened with `get_ref`.
fn rustls_error<'e>(err: &'e (dyn StdError + 'static)) -> Option<&'e rustls::Error> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(found) = rustls_error(inner) {
                    return Some(found);
                }
            }
        }
        next = e.source();
    }
    None
}

/// The messages of an error and its sources, joined, without repeats.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn explain_tls(e: &rustls::Error, base: &str, presented: &PresentedIdentity) -> TransportFailure {
    let server = |detail: String| TransportFailure {
        kind: FailureKind::ServerCertificate,
        detail,
    };
    match e {
        rustls::Error::InvalidCertificate(c) => server(match c {
            CertificateError::UnknownIssuer => format!(
                "the server certificate of {base} does not chain to any CA in the CA bundle (unknown issuer): the CA bundle must hold the CA that signs this server's certificate"
            ),
            CertificateError::BadSignature => format!(
                "the server certificate of {base} does not chain to any CA in the CA bundle (a CA of the same name but another key signed it): the CA bundle must hold the CA that signs this server's certificate"
            ),
            CertificateError::Expired => {
                format!("the server certificate of {base} has expired")
            }
            CertificateError::ExpiredContext { not_after, .. } => format!(
                "the server certificate of {base} expired on {}",
                utc(i64::try_from(not_after.as_secs()).unwrap_or(i64::MAX))
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!("the server certificate of {base} is not valid yet")
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the server certificate of {base} is not valid for its host name")
            }
            other => format!("the server certificate of {base} is not acceptable ({other:?})"),
        }),
        rustls::Error::AlertReceived(alert) => match alert_words(*alert) {
            Some(words) => TransportFailure {
                kind: FailureKind::ClientCertificateRefused,
                detail: format!(
                    "{base} refused the {presented} during the TLS handshake ({words}): the server does not accept this certificate"
                ),
            },
            None => TransportFailure {
                kind: FailureKind::Other,
                detail: format!("TLS with {base} failed: the server sent the alert {alert:?}"),
            },
        },
        rustls::Error::PeerIncompatible(p) => TransportFailure {
            kind: FailureKind::Tls,
            detail: format!("TLS with {base} failed: no common ground ({p:?})"),
        },
        other => TransportFailure {
            kind: FailureKind::Other,
            detail: format!("TLS with {base} failed: {other}"),
        },
    }
}

/// Alerts by which a server refuses a client certificate.
fn alert_words(alert: AlertDescription) -> Option<&'static str> {
    Some(match alert {
        AlertDescription::BadCertificate => "bad certificate",
        AlertDescription::UnsupportedCertificate => "unsupported certificate",
        AlertDescription::CertificateRevoked => "certificate revoked",
        AlertDescription::CertificateExpired => "certificate expired",
        AlertDescription::CertificateUnknown => "certificate unknown",
        AlertDescription::UnknownCA => "certificate issued by a CA the server does not trust",
        AlertDescription::AccessDenied => "access denied",
        AlertDescription::CertificateRequired => "no certificate was presented",
        AlertDescription::HandshakeFailure => "handshake failure",
        AlertDescription::DecryptError => "the certificate's signature did not verify",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presented() -> PresentedIdentity {
        PresentedIdentity {
            common_name: Some("ci-orders".into()),
            spiffe_id: Some("spiffe://example.internal/ci/orders".into()),
            serial: "1f".into(),
            not_before: 0,
            not_after: 86_400,
            issuer: "CN=test CA".into(),
        }
    }

    #[test]
    fn certificate_failures_are_permanent_and_say_what_failed() {
        let unknown = explain_tls(
            &rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
            "https://kw",
            &presented(),
        );
        assert!(unknown.is_permanent());
        assert!(
            unknown.detail.contains("unknown issuer"),
            "{}",
            unknown.detail
        );
        let refused = explain_tls(
            &rustls::Error::AlertReceived(AlertDescription::UnknownCA),
            "https://kw",
            &presented(),
        );
        assert_eq!(refused.kind, FailureKind::ClientCertificateRefused);
        assert!(
            refused
                .detail
                .contains("SPIFFE ID spiffe://example.internal/ci/orders"),
            "{}",
            refused.detail
        );
        let internal = explain_tls(
            &rustls::Error::AlertReceived(AlertDescription::InternalError),
            "https://kw",
            &presented(),
        );
        assert!(
            !internal.is_permanent(),
            "a server's internal error may pass"
        );
    }

    #[test]
    fn the_chain_skips_repeats() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(chain(&inner), "refused");
    }
}
