//! The bundle's JSON object (ARCHITECTURE.md, "Certificates"):
//! `spiffe_id`, `certificate` (leaf then intermediates), `private_key`
//! (PKCS#8), `ca_bundle` (mesh roots), `not_before`, `not_after`, `serial`.

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

use crate::svid::{leaf_facts, LeafFacts};
use crate::{format_rfc3339, parse_rfc3339, pem, BundleError, BundleTags};

/// One app's certificate bundle. `Debug` never prints the key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertBundle {
    pub spiffe_id: String,
    pub certificate: String,
    pub private_key: String,
    pub ca_bundle: String,
    pub not_before: String,
    pub not_after: String,
    pub serial: String,
}

impl std::fmt::Debug for CertBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertBundle")
            .field("spiffe_id", &self.spiffe_id)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl CertBundle {
    /// Builds the bundle from its PEM parts, taking the SPIFFE ID, lifetime
    /// and serial from the leaf itself so the fields cannot disagree with it.
    pub fn from_parts(
        certificate_chain_pem: &str,
        private_key_pem: &str,
        ca_bundle_pem: &str,
    ) -> Result<CertBundle, BundleError> {
        let chain = pem::certificates("certificate", certificate_chain_pem)?;
        pem::pkcs8_key("private_key", private_key_pem)?;
        pem::certificates("ca_bundle", ca_bundle_pem)?;
        let leaf = leaf_facts(&chain[0])?;
        Ok(CertBundle {
            spiffe_id: leaf.spiffe_id,
            certificate: certificate_chain_pem.to_owned(),
            private_key: private_key_pem.to_owned(),
            ca_bundle: ca_bundle_pem.to_owned(),
            not_before: format_rfc3339(leaf.not_before),
            not_after: format_rfc3339(leaf.not_after),
            serial: leaf.serial,
        })
    }

    /// Parses the secret's value. Errors name the problem, never a value.
    pub fn from_json(text: &str) -> Result<CertBundle, BundleError> {
        serde_json::from_str(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => {
                    let message = e.to_string();
                    if message.starts_with("missing field") || message.starts_with("unknown field")
                    {
                        message
                            .split(" at line")
                            .next()
                            .unwrap_or("a field is wrong")
                            .to_owned()
                    } else {
                        "a field has the wrong type".to_owned()
                    }
                }
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    format!("not JSON (line {}, column {})", e.line(), e.column())
                }
                serde_json::error::Category::Io => "unreadable".to_owned(),
            };
            BundleError::Format(what)
        })
    }

    /// The secret's value.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings serializes")
    }

    /// Checks the bundle is whole and is `expected_spiffe_id`'s: the leaf is
    /// an SVID of that ID, and the JSON fields say what the leaf says.
    pub fn check(&self, expected_spiffe_id: &str) -> Result<LeafFacts, BundleError> {
        let chain = self.certificate_chain()?;
        self.private_key()?;
        self.ca_roots()?;
        let leaf = leaf_facts(&chain[0])?;
        if self.spiffe_id != expected_spiffe_id {
            return Err(BundleError::WrongIdentity {
                found: self.spiffe_id.clone(),
                expected: expected_spiffe_id.to_owned(),
            });
        }
        let time_field = |field: &'static str, text: &str| {
            parse_rfc3339(text).ok_or_else(|| BundleError::BadTime {
                field,
                value: text.to_owned(),
            })
        };
        let agree = |field: &'static str, found: String, expected: String| {
            if found == expected {
                Ok(())
            } else {
                Err(BundleError::Mismatch {
                    field,
                    found,
                    expected,
                })
            }
        };
        agree("spiffe_id", self.spiffe_id.clone(), leaf.spiffe_id.clone())?;
        agree("serial", self.serial.clone(), leaf.serial.clone())?;
        let not_before = time_field("not_before", &self.not_before)?;
        let not_after = time_field("not_after", &self.not_after)?;
        agree(
            "not_before",
            format_rfc3339(not_before),
            format_rfc3339(leaf.not_before),
        )?;
        agree(
            "not_after",
            format_rfc3339(not_after),
            format_rfc3339(leaf.not_after),
        )?;
        Ok(leaf)
    }

    /// The tags that go with this bundle.
    pub fn tags(&self) -> Result<BundleTags, BundleError> {
        Ok(BundleTags {
            not_after: parse_rfc3339(&self.not_after).ok_or_else(|| BundleError::BadTime {
                field: "not_after",
                value: self.not_after.clone(),
            })?,
            serial: self.serial.clone(),
            spiffe_id: self.spiffe_id.clone(),
        })
    }

    /// Leaf first, then intermediates.
    pub fn certificate_chain(&self) -> Result<Vec<CertificateDer<'static>>, BundleError> {
        pem::certificates("certificate", &self.certificate)
    }

    pub fn private_key(&self) -> Result<PrivateKeyDer<'static>, BundleError> {
        pem::pkcs8_key("private_key", &self.private_key)
    }

    /// The mesh roots a server must chain to.
    pub fn ca_roots(&self) -> Result<Vec<CertificateDer<'static>>, BundleError> {
        pem::certificates("ca_bundle", &self.ca_bundle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const ID: &str = "spiffe://example.internal/payments";

    fn bundle() -> CertBundle {
        crate::fixture::bundle(ID, None)
    }

    #[test]
    fn built_bundles_check_and_round_trip_through_json() {
        let b = bundle();
        let leaf = b.check(ID).unwrap();
        assert_eq!(leaf.spiffe_id, ID);
        let back = CertBundle::from_json(&b.to_json()).unwrap();
        assert_eq!(back, b);
        let tags = b.tags().unwrap();
        assert_eq!(tags.spiffe_id, ID);
        assert_eq!(tags.not_after, leaf.not_after);
    }

    #[test]
    fn another_apps_bundle_or_edited_fields_are_refused() {
        let b = bundle();
        assert!(matches!(
            b.check("spiffe://example.internal/ledger"),
            Err(BundleError::WrongIdentity { .. })
        ));
        let mut edited = b.clone();
        edited.not_after = "2099-01-01T00:00:00Z".into();
        assert!(matches!(
            edited.check(ID),
            Err(BundleError::Mismatch {
                field: "not_after",
                ..
            })
        ));
        let mut lying = b.clone();
        lying.spiffe_id = "spiffe://example.internal/ledger".into();
        assert!(matches!(
            lying.check("spiffe://example.internal/ledger"),
            Err(BundleError::Mismatch {
                field: "spiffe_id",
                ..
            })
        ));
        let mut keyless = b;
        keyless.private_key = String::new();
        assert!(matches!(
            keyless.check(ID),
            Err(BundleError::MissingPem {
                field: "private_key",
                ..
            })
        ));
    }

    #[test]
    fn errors_and_debug_never_show_the_key() {
        let b = bundle();
        assert!(!format!("{b:?}").contains("PRIVATE KEY"));
        let mut value: serde_json::Value = serde_json::from_str(&b.to_json()).unwrap();
        value["serial"] = serde_json::json!(7);
        let err = CertBundle::from_json(&value.to_string())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("PRIVATE"), "{err}");
        let missing = r#"{"spiffe_id":"x"}"#;
        let err = CertBundle::from_json(missing).unwrap_err().to_string();
        assert!(err.contains("missing field"), "{err}");
    }
}
