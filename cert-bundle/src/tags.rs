//! The tags on `s2s/<app>/tls` that tell a certificate's lifetime and
//! identity without reading its value (so the issuer never reads a key to
//! decide whether to renew).

use crate::{format_rfc3339, parse_rfc3339};

pub const TAG_NOT_AFTER: &str = "s2s-not-after";
pub const TAG_SERIAL: &str = "s2s-serial";
pub const TAG_SPIFFE_ID: &str = "s2s-spiffe-id";

/// What the tags say about the certificate in the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleTags {
    /// Unix seconds.
    pub not_after: i64,
    pub serial: String,
    pub spiffe_id: String,
}

impl BundleTags {
    /// The three `(key, value)` pairs to put on the secret.
    pub fn to_tags(&self) -> [(&'static str, String); 3] {
        [
            (TAG_NOT_AFTER, format_rfc3339(self.not_after)),
            (TAG_SERIAL, self.serial.clone()),
            (TAG_SPIFFE_ID, self.spiffe_id.clone()),
        ]
    }

    /// Read back from a secret's tags; `None` when any is missing or
    /// unreadable (the secret then counts as holding no usable certificate).
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let (mut not_after, mut serial, mut spiffe_id) = (None, None, None);
        for (key, value) in tags {
            match key {
                TAG_NOT_AFTER => not_after = parse_rfc3339(value),
                TAG_SERIAL => serial = Some(value.to_owned()),
                TAG_SPIFFE_ID => spiffe_id = Some(value.to_owned()),
                _ => {}
            }
        }
        Some(BundleTags {
            not_after: not_after?,
            serial: serial?,
            spiffe_id: spiffe_id?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_need_all_three() {
        let tags = BundleTags {
            not_after: 1_796_130_000,
            serial: "1f".into(),
            spiffe_id: "spiffe://td/app".into(),
        };
        let pairs = tags.to_tags();
        let back = BundleTags::from_tags(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, Some(tags));
        assert_eq!(
            BundleTags::from_tags(pairs[..2].iter().map(|(k, v)| (*k, v.as_str()))),
            None
        );
    }
}
