//! Keywhiz's content checksum: uppercase hex of
//! `HMAC-SHA256(key = HKDF-SHA256-Expand(base_key, "hmackey", 32), data = the base64 string)`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes any key length"),
    };
    for d in data {
        mac.update(d);
    }
    mac.finalize().into_bytes().into()
}

/// The per-instance HMAC key: one HKDF-Expand block (L = 32 = hash length).
pub fn derive_key(base_key: &[u8]) -> [u8; 32] {
    hmac(base_key, &[b"hmackey", &[1u8]])
}

/// Checksum of a secret's content as submitted (the base64 string).
pub fn checksum(key: &[u8; 32], content_b64: &str) -> String {
    hmac(key, &[content_b64.as_bytes()])
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercase_hex_64() {
        let key = derive_key(b"base");
        let c = checksum(&key, "c2VjcmV0");
        assert_eq!(c.len(), 64);
        assert!(c
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase()));
        assert_eq!(c, checksum(&key, "c2VjcmV0"));
        assert_ne!(c, checksum(&derive_key(b"other"), "c2VjcmV0"));
    }
}
