//! What the syncer writes next to each value so that a later run can diff
//! without reading it: tags, and a version id derived from the checksum.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::clock::rfc3339;

/// Marks a secret as the syncer's; secrets without it are never touched.
pub const MANAGED_BY: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "s2s-keywhiz-syncer";
/// The original Keywhiz name (Secrets Manager names map `:` to `@`).
pub const KEYWHIZ_NAME: &str = "keywhiz-name";
/// Keywhiz's content HMAC of the value written.
pub const KEYWHIZ_CHECKSUM: &str = "keywhiz-checksum";
/// Expiry of the Keywhiz secret, RFC 3339 (absent when it has none).
pub const KEYWHIZ_EXPIRY: &str = "keywhiz-expiry";
/// `"true"` while the secret expires within the warning window, for alarms.
pub const KEYWHIZ_EXPIRING: &str = "keywhiz-expiring";

/// Digest of the resource policy the syncer put on the secret ([`crate::policy::digest`]).
pub const KEYWHIZ_POLICY: &str = "keywhiz-policy";

/// Every key the syncer owns on a secret.
pub const OWNED_KEYS: [&str; 6] = [
    MANAGED_BY,
    KEYWHIZ_NAME,
    KEYWHIZ_CHECKSUM,
    KEYWHIZ_EXPIRY,
    KEYWHIZ_EXPIRING,
    KEYWHIZ_POLICY,
];

/// The tags a synced secret should carry (without [`KEYWHIZ_POLICY`], which
/// is set only once the policy it names is in place).
pub fn desired(
    keywhiz_name: &str,
    checksum: &str,
    expiry: Option<i64>,
    expiring: bool,
) -> BTreeMap<String, String> {
    let mut t = BTreeMap::new();
    t.insert(MANAGED_BY.to_owned(), MANAGED_BY_VALUE.to_owned());
    t.insert(KEYWHIZ_NAME.to_owned(), keywhiz_name.to_owned());
    t.insert(KEYWHIZ_CHECKSUM.to_owned(), checksum.to_owned());
    if let Some(e) = expiry {
        t.insert(KEYWHIZ_EXPIRY.to_owned(), rfc3339(e));
    }
    if expiring {
        t.insert(KEYWHIZ_EXPIRING.to_owned(), "true".to_owned());
    }
    t
}

/// What to change to go from `have` (all tags of the secret) to `want`
/// (owned keys only): keys to set and owned keys to remove. Foreign tags stay.
pub fn delta(
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = OWNED_KEYS
        .iter()
        .filter(|k| have.contains_key(**k) && !want.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    (set, remove)
}

fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:s2s:keywhiz-syncer:version")
}

/// The ClientRequestToken (= VersionId) of the value with this checksum:
/// retried writes are idempotent, and `ListSecrets` shows whether AWSCURRENT
/// is still the syncer's version.
pub fn version_id(keywhiz_name: &str, checksum: &str) -> String {
    let mut data = Vec::with_capacity(keywhiz_name.len() + checksum.len() + 1);
    data.extend_from_slice(keywhiz_name.as_bytes());
    data.push(b'\n');
    data.extend_from_slice(checksum.as_bytes());
    Uuid::new_v5(&namespace(), &data).hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_are_stable_and_distinct() {
        let a = version_id("db:pass", "ABC");
        assert_eq!(a, version_id("db:pass", "ABC"));
        assert_ne!(a, version_id("db:pass", "ABD"));
        assert_ne!(a, version_id("db:pas", "sABC"));
        // ClientRequestToken must be 32-64 characters.
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn delta_keeps_foreign_tags_and_drops_stale_owned_ones() {
        let mut have = desired("a", "X", Some(0), true);
        have.insert("team".into(), "payments".into());
        let want = desired("a", "Y", None, false);
        let (set, remove) = delta(&have, &want);
        assert_eq!(set.len(), 1);
        assert_eq!(set.get(KEYWHIZ_CHECKSUM).map(String::as_str), Some("Y"));
        assert_eq!(
            remove,
            vec![KEYWHIZ_EXPIRY.to_owned(), KEYWHIZ_EXPIRING.to_owned()]
        );
    }
}
