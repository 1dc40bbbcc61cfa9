//! The certificate bundle an app's functions and its syncer read from
//! `s2s/<app>/tls`, and the cert-issuer writes (ARCHITECTURE.md, "Certificates").
//!
//! One format and one parser for every part: the issuer builds a
//! [`CertBundle`] and writes [`CertBundle::to_json`] with [`BundleTags`];
//! the syncer and the mTLS proxy read it with [`CertBundle::from_json`] and
//! check it with [`CertBundle::check`] before they present it. The leaf rules
//! are the X509-SVID ones ([`svid`]), which the proxy also applies to the
//! servers it talks to.

mod bundle;
mod error;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod pem;
pub mod svid;
mod tags;

pub use bundle::CertBundle;
pub use error::BundleError;
/// The bundle's times are s2s-core's RFC 3339 (UTC, whole seconds), so the
/// JSON, the tags and the certificate agree exactly.
pub use s2s_core::{format_rfc3339, parse_rfc3339};
pub use svid::{LeafFacts, SvidError};
pub use tags::{BundleTags, TAG_NOT_AFTER, TAG_SERIAL, TAG_SPIFFE_ID};
