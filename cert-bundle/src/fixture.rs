//! Test fixtures (feature `fixture`, and this crate's own tests): a whole
//! bundle for a SPIFFE ID, its leaf signed by a fresh throwaway CA, with the
//! X509-SVID key usages. One builder, so every crate's tests make bundles the
//! same way; nothing here is used outside tests.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::CertBundle;

/// A bundle for `spiffe_id`; `validity` (Unix seconds `not_before`,
/// `not_after`) or rcgen's default. Panics on a bad ID: tests only.
pub fn bundle(spiffe_id: &str, validity: Option<(i64, i64)>) -> CertBundle {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "test mesh CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.clone().self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::default();
    leaf.subject_alt_names = vec![SanType::URI(
        spiffe_id.try_into().expect("an IA5 SPIFFE ID"),
    )];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    if let Some((not_before, not_after)) = validity {
        let at = |unix| time::OffsetDateTime::from_unix_timestamp(unix).expect("a time");
        leaf.not_before = at(not_before);
        leaf.not_after = at(not_after);
    }
    let leaf = leaf.signed_by(&key, &issuer).expect("leaf certificate");
    CertBundle::from_parts(&leaf.pem(), &key.serialize_pem(), &ca_cert.pem()).expect("a bundle")
}
