//! The app's own mTLS identity for Keywhiz: from its Secrets Manager secret
//! (`s2s/<app>/tls`, written by the certificate issuer) or from PEM files,
//! checked to carry `spiffe://<trust_domain>/<app>` before it is used.

use base64::Engine;
use serde::Deserialize;

/// Certificate chain and key, PEM. `Debug` never prints the key.
#[derive(Clone)]
pub struct Identity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// A CA bundle shipped in the secret, used when no Keywhiz CA is configured.
    pub ca_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("cert_bytes", &self.cert_pem.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("reading the identity secret {secret}: {detail}")]
    Secret { secret: String, detail: String },
    #[error("reading {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("the identity holds no {0}")]
    Missing(&'static str),
    #[error("the certificate does not carry the URI SAN {0}")]
    WrongIdentity(String),
}

/// The JSON form of the bundle; field aliases cover the usual spellings.
#[derive(Deserialize)]
struct Bundle {
    #[serde(alias = "certificate_pem", alias = "cert", alias = "certificate_chain")]
    certificate: String,
    #[serde(alias = "private_key_pem", alias = "key")]
    private_key: String,
    #[serde(default, alias = "ca", alias = "ca_pem", alias = "chain")]
    ca_bundle: Option<String>,
}

/// Parse a bundle: JSON `{"certificate","private_key","ca_bundle"?}`, or PEM
/// text with the certificate chain and the private key concatenated.
pub fn parse_bundle(text: &str) -> Result<Identity, IdentityError> {
    if text.trim_start().starts_with('{') {
        let b: Bundle = serde_json::from_str(text)
            .map_err(|_| IdentityError::Missing("certificate/private_key JSON fields"))?;
        return Ok(Identity {
            cert_pem: b.certificate.into_bytes(),
            key_pem: b.private_key.into_bytes(),
            ca_pem: b.ca_bundle.map(String::into_bytes),
        });
    }
    let mut cert = String::new();
    let mut key = String::new();
    for (label, block) in pem_blocks(text) {
        if label == "CERTIFICATE" {
            cert.push_str(&block);
        } else if label.ends_with("PRIVATE KEY") {
            key.push_str(&block);
        }
    }
    if cert.is_empty() {
        return Err(IdentityError::Missing("certificate"));
    }
    if key.is_empty() {
        return Err(IdentityError::Missing("private key"));
    }
    Ok(Identity {
        cert_pem: cert.into_bytes(),
        key_pem: key.into_bytes(),
        ca_pem: None,
    })
}

/// `(label, whole block text)` for each PEM block.
fn pem_blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_owned(), format!("{line}\n")));
        } else if let Some((label, mut block)) = current.take() {
            block.push_str(line);
            block.push('\n');
            if line.starts_with("-----END ") {
                out.push((label, block));
            } else {
                current = Some((label, block));
            }
        }
    }
    out
}

/// The DER of the first certificate in a PEM chain.
fn first_cert_der(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let (_, block) = pem_blocks(text)
        .into_iter()
        .find(|(l, _)| l == "CERTIFICATE")?;
    let b64: String = block.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// Does the leaf certificate carry exactly this URI SAN? A SAN URI is the
/// DER element `[6] IA5String`, so its exact encoding (tag 0x86, length,
/// bytes) appears in the certificate; a longer URI has another length byte,
/// so `spiffe://td/app` does not match `spiffe://td/app2`.
pub fn has_uri_san(cert_pem: &[u8], uri: &str) -> bool {
    let Some(der) = first_cert_der(cert_pem) else {
        return false;
    };
    let mut needle = vec![0x86u8];
    let n = uri.len();
    if n < 0x80 {
        needle.push(n as u8);
    } else if n <= 0xff {
        needle.extend_from_slice(&[0x81, n as u8]);
    } else {
        needle.extend_from_slice(&[0x82, (n >> 8) as u8, (n & 0xff) as u8]);
    }
    needle.extend_from_slice(uri.as_bytes());
    der.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Refuse an identity that is not the app's.
pub fn check(identity: &Identity, spiffe_id: &str) -> Result<(), IdentityError> {
    if has_uri_san(&identity.cert_pem, spiffe_id) {
        Ok(())
    } else {
        Err(IdentityError::WrongIdentity(spiffe_id.to_owned()))
    }
}

pub fn from_files(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Identity, IdentityError> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|source| IdentityError::File {
            path: p.display().to_string(),
            source,
        })
    };
    Ok(Identity {
        cert_pem: read(cert)?,
        key_pem: read(key)?,
        ca_pem: None,
    })
}

/// One GetSecretValue on the bundle secret.
pub async fn from_secret(
    sm: &aws_sdk_secretsmanager::Client,
    secret: &str,
) -> Result<Identity, IdentityError> {
    let fail = |detail: String| IdentityError::Secret {
        secret: secret.to_owned(),
        detail,
    };
    let out = sm
        .get_secret_value()
        .secret_id(secret)
        .send()
        .await
        .map_err(|e| fail(crate::apply::sdk_error(e)))?;
    let text = match (out.secret_string(), out.secret_binary()) {
        (Some(s), _) => s.to_owned(),
        (None, Some(b)) => String::from_utf8(b.as_ref().to_vec())
            .map_err(|_| fail("the binary value is not UTF-8 PEM or JSON".into()))?,
        (None, None) => return Err(fail("the secret has no value".into())),
    };
    parse_bundle(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n";

    #[test]
    fn bundles_parse_as_json_or_pem() {
        let j = serde_json::json!({"certificate": CERT, "private_key": KEY, "ca": CERT});
        let id = parse_bundle(&j.to_string()).expect("json");
        assert_eq!(id.cert_pem, CERT.as_bytes());
        assert!(id.ca_pem.is_some());
        let id = parse_bundle(&format!("{CERT}{KEY}")).expect("pem");
        assert_eq!(id.key_pem, KEY.as_bytes());
        assert!(parse_bundle(CERT).is_err());
        assert!(format!("{id:?}").find("PRIVATE").is_none());
    }

    #[test]
    fn uri_san_match_is_exact() {
        // A fake DER holding the element [6] "spiffe://td/app2".
        let uri = "spiffe://td/app2";
        let mut der = vec![0x30, 0x00, 0x86, uri.len() as u8];
        der.extend_from_slice(uri.as_bytes());
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        assert!(has_uri_san(pem.as_bytes(), "spiffe://td/app2"));
        assert!(!has_uri_san(pem.as_bytes(), "spiffe://td/app"));
    }
}
