//! A secret's expiry: one rule for every part that reports it (the provider's
//! `expiry` and plan warning, the syncer's `keywhiz-expiry` and
//! `keywhiz-expiring` tags), so they agree on the date and on when the
//! warning starts.
//!
//! Keywhiz keeps an expiry per version (`expiry`, epoch seconds, 0 = none),
//! but only its automation API shows it: the delivery API an app client (the
//! syncer) reads has no such field, only the secret's metadata, flattened.
//! The rule is therefore: Keywhiz's `expiry` where the API shows it and it is
//! set, else the metadata key [`METADATA_KEY`] (epoch seconds, as a number or
//! a string). Operators who want the syncer's tags to carry a date that only
//! Keywhiz's field holds set the metadata key to the same value; the provider
//! says so when it sees the two differ ([`Expiry::hidden_from_apps`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::types::{SecretDelivery, SecretInfo};

/// The metadata key that carries an expiry apps can see.
pub const METADATA_KEY: &str = "expiry";

const DAY: i64 = 86_400;

/// What the automation API tells about a secret's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Keywhiz's `expiry` field (None when 0).
    pub field: Option<i64>,
    /// The metadata key, as an app client (the syncer) sees it.
    pub metadata: Option<i64>,
}

impl Expiry {
    /// The effective expiry: the field when set, else the metadata key.
    pub fn at(&self) -> Option<i64> {
        self.field.or(self.metadata)
    }

    /// Whether an app client (the syncer) would see another expiry than
    /// [`Expiry::at`], because only Keywhiz's field carries it.
    pub fn hidden_from_apps(&self) -> bool {
        self.at() != self.metadata
    }
}

/// The expiry of a secret as the automation API shows it (the `info` of a
/// `SecretDetail` or of a `SanitizedSecret`).
pub fn of(info: &SecretInfo) -> Expiry {
    Expiry {
        field: positive(info.expiry),
        metadata: info.metadata.as_ref().and_then(from_string_map),
    }
}

/// The expiry an app client sees in `GET /secrets`: the metadata key only.
pub fn of_delivery(d: &SecretDelivery) -> Option<i64> {
    match d.metadata.get(METADATA_KEY)? {
        Value::Number(n) => n.as_i64().and_then(positive),
        Value::String(s) => parse(s),
        _ => None,
    }
}

fn from_string_map(m: &BTreeMap<String, String>) -> Option<i64> {
    m.get(METADATA_KEY).and_then(|s| parse(s))
}

fn parse(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().and_then(positive)
}

fn positive(e: i64) -> Option<i64> {
    (e > 0).then_some(e)
}

/// The warning window of `days` days, in seconds.
pub fn window(days: i64) -> i64 {
    days.saturating_mul(DAY)
}

/// Whether a secret expiring at `expiry` is within the warning window
/// (`window` seconds from `now`, inclusive) or already expired.
pub fn is_expiring(expiry: i64, now: i64, window: i64) -> bool {
    expiry <= now.saturating_add(window)
}

/// Whole days left until `expiry`, rounded up (a secret expiring in five
/// days minus a second expires "in 5 days"); 0 or less once expired.
pub fn days_left(expiry: i64, now: i64) -> i64 {
    let left = expiry.saturating_sub(now);
    if left <= 0 {
        0
    } else {
        (left + DAY - 1) / DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    /// The `info` of a `SecretDetail` as Keywhiz sends it.
    fn detail(expiry: i64, meta: Option<&str>) -> SecretInfo {
        let mut json = serde_json::json!({"name": "s", "checksum": "X", "expiry": expiry});
        if let Some(m) = meta {
            json["metadata"] = serde_json::json!({ "expiry": m });
        }
        serde_json::from_value::<crate::SecretDetail>(json)
            .expect("detail")
            .info
    }

    #[test]
    fn the_field_wins_and_the_metadata_fills_in() {
        assert_eq!(of(&detail(NOW, None)).at(), Some(NOW));
        assert_eq!(of(&detail(0, Some("1700000001"))).at(), Some(NOW + 1));
        assert_eq!(of(&detail(NOW, Some("1700000001"))).at(), Some(NOW));
        assert_eq!(of(&detail(0, Some("0"))).at(), None);
        assert!(of(&detail(NOW, None)).hidden_from_apps());
        assert!(!of(&detail(NOW, Some("1700000000"))).hidden_from_apps());
        assert!(!of(&detail(0, None)).hidden_from_apps());
    }

    #[test]
    fn apps_see_the_metadata_key() {
        let d = |json: &str| -> SecretDelivery { serde_json::from_str(json).expect("delivery") };
        assert_eq!(
            of_delivery(&d(r#"{"name":"a","checksum":"X","expiry":"1700000000"}"#)),
            Some(NOW)
        );
        assert_eq!(
            of_delivery(&d(r#"{"name":"a","checksum":"X","expiry":1700000000}"#)),
            Some(NOW)
        );
        assert_eq!(
            of_delivery(&d(r#"{"name":"a","checksum":"X","expiry":"0"}"#)),
            None
        );
        assert_eq!(of_delivery(&d(r#"{"name":"a","checksum":"X"}"#)), None);
    }

    #[test]
    fn the_window_is_inclusive_and_days_round_up() {
        assert!(is_expiring(NOW + window(30), NOW, window(30)));
        assert!(!is_expiring(NOW + window(30) + 1, NOW, window(30)));
        assert!(is_expiring(NOW - 1, NOW, 0));
        assert_eq!(days_left(NOW + 5 * DAY - 1, NOW), 5);
        assert_eq!(days_left(NOW + 5 * DAY, NOW), 5);
        assert_eq!(days_left(NOW + 1, NOW), 1);
        assert_eq!(days_left(NOW, NOW), 0);
    }
}
