//! The app's own mTLS identity for Keywhiz: the certificate bundle in its
//! secret `s2s/<app>/tls` (written by the cert-issuer), read and checked by
//! the shared `cert-bundle` crate — the one format and parser of that secret —
//! or PEM files, whose leaf must be the app's X509-SVID too. Either way the
//! identity is refused before any Keywhiz call unless it names
//! `spiffe://<trust_domain>/<app>` and is within its lifetime.

use cert_bundle::{BundleError, CertBundle};

/// Certificate chain and key, PEM. `Debug` never prints the key.
#[derive(Clone)]
pub struct Identity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// The bundle's `ca_bundle` (the mesh roots), used when no Keywhiz CA is configured.
    pub ca_pem: Option<Vec<u8>>,
    /// Unix seconds.
    pub not_after: i64,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("cert_bytes", &self.cert_pem.len())
            .field("not_after", &self.not_after)
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
    #[error("the identity: {0}")]
    Bundle(#[from] BundleError),
    #[error("the identity is for {found} but {expected} was expected")]
    WrongIdentity { found: String, expected: String },
    #[error("the identity expired at {0}")]
    Expired(String),
}

fn within_lifetime(not_after: i64, now: i64) -> Result<(), IdentityError> {
    if not_after <= now {
        return Err(IdentityError::Expired(cert_bundle::format_rfc3339(
            not_after,
        )));
    }
    Ok(())
}

/// The bundle JSON of the secret, checked to be `spiffe_id`'s and current at `now`.
pub fn from_bundle_json(text: &str, spiffe_id: &str, now: i64) -> Result<Identity, IdentityError> {
    let bundle = CertBundle::from_json(text)?;
    let leaf = bundle.check(spiffe_id)?;
    within_lifetime(leaf.not_after, now)?;
    Ok(Identity {
        cert_pem: bundle.certificate.into_bytes(),
        key_pem: bundle.private_key.into_bytes(),
        ca_pem: Some(bundle.ca_bundle.into_bytes()),
        not_after: leaf.not_after,
    })
}

/// PEM files: the leaf (first certificate) must be `spiffe_id`'s SVID and the
/// key a PKCS#8 block.
pub fn from_files(
    cert: &std::path::Path,
    key: &std::path::Path,
    spiffe_id: &str,
    now: i64,
) -> Result<Identity, IdentityError> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|source| IdentityError::File {
            path: p.display().to_string(),
            source,
        })
    };
    let (cert_pem, key_pem) = (read(cert)?, read(key)?);
    let chain = cert_bundle::pem::certificates("cert_file", &cert_pem)?;
    cert_bundle::pem::pkcs8_key("key_file", &key_pem)?;
    let leaf = cert_bundle::svid::leaf_facts(&chain[0]).map_err(BundleError::from)?;
    if leaf.spiffe_id != spiffe_id {
        return Err(IdentityError::WrongIdentity {
            found: leaf.spiffe_id,
            expected: spiffe_id.to_owned(),
        });
    }
    within_lifetime(leaf.not_after, now)?;
    Ok(Identity {
        cert_pem: cert_pem.into_bytes(),
        key_pem: key_pem.into_bytes(),
        ca_pem: None,
        not_after: leaf.not_after,
    })
}

/// One GetSecretValue on the bundle secret.
pub async fn from_secret(
    sm: &aws_sdk_secretsmanager::Client,
    secret: &str,
    spiffe_id: &str,
    now: i64,
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
        .map_err(|e| fail(crate::error::SmError::new("GetSecretValue", e).to_string()))?;
    let text = match (out.secret_string(), out.secret_binary()) {
        (Some(s), _) => s.to_owned(),
        (None, Some(b)) => String::from_utf8(b.as_ref().to_vec())
            .map_err(|_| fail("the binary value is not UTF-8 JSON".into()))?,
        (None, None) => return Err(fail("the secret has no value".into())),
    };
    from_bundle_json(&text, spiffe_id, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mock_common::{IdentitySpec, TestPki};

    const ID: &str = "spiffe://example.internal/payments";

    fn bundle(
        pki: &TestPki,
        spiffe: &str,
        name: &str,
    ) -> (CertBundle, mock_common::ClientIdentity) {
        let id = pki.mint(&IdentitySpec::spiffe(name, spiffe)).expect("mint");
        let b = CertBundle::from_parts(&id.cert_pem, &id.key_pem, pki.ca_pem()).expect("bundle");
        (b, id)
    }

    #[test]
    fn the_bundle_is_read_through_cert_bundle_and_checked() {
        let pki = TestPki::temporary().expect("pki");
        let (b, id) = bundle(&pki, ID, "payments");
        let now = crate::clock::now_epoch();
        let identity = from_bundle_json(&b.to_json(), ID, now).expect("the app's bundle");
        assert_eq!(identity.cert_pem, id.cert_pem.as_bytes());
        assert_eq!(identity.ca_pem.as_deref(), Some(pki.ca_pem().as_bytes()));
        assert!(!format!("{identity:?}").contains("PRIVATE"));
        // Another app's bundle, the old loose formats, and an expired one are refused.
        let (other, _) = bundle(&pki, "spiffe://example.internal/ledger", "ledger");
        assert!(matches!(
            from_bundle_json(&other.to_json(), ID, now),
            Err(IdentityError::Bundle(BundleError::WrongIdentity { .. }))
        ));
        let loose = serde_json::json!({"certificate": id.cert_pem, "private_key": id.key_pem});
        assert!(from_bundle_json(&loose.to_string(), ID, now).is_err());
        assert!(from_bundle_json(&format!("{}{}", id.cert_pem, id.key_pem), ID, now).is_err());
        assert!(matches!(
            from_bundle_json(&b.to_json(), ID, identity.not_after),
            Err(IdentityError::Expired(_))
        ));
    }

    #[test]
    fn files_must_hold_the_apps_svid() {
        let pki = TestPki::temporary().expect("pki");
        let (_, id) = bundle(&pki, ID, "payments");
        let now = crate::clock::now_epoch();
        from_files(&id.cert_path, &id.key_path, ID, now).expect("the app's files");
        let e = from_files(
            &id.cert_path,
            &id.key_path,
            "spiffe://example.internal/ledger",
            now,
        )
        .expect_err("another app");
        assert!(
            e.to_string().contains("spiffe://example.internal/ledger"),
            "{e}"
        );
    }
}
