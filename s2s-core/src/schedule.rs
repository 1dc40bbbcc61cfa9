//! The sync schedule: each app's syncer runs every 15 minutes at a minute
//! offset derived from its name, so the accounts' syncers spread evenly over
//! the quarter hour instead of all calling Keywhiz at once.

use sha2::{Digest, Sha256};

/// How often a syncer runs.
pub const SYNC_PERIOD_MINUTES: u8 = 15;

/// `parseint(substr(sha256(app), 0, 4), 16) % 15`, exactly as Terraform would
/// compute it: the first two bytes of the SHA-256 of the name's UTF-8 bytes,
/// read big-endian, modulo 15. Takes any string; callers validate names.
pub fn sync_offset(app: &str) -> u8 {
    let digest = Sha256::digest(app.as_bytes());
    let first_four_hex_digits = u16::from_be_bytes([digest[0], digest[1]]);
    (first_four_hex_digits % u16::from(SYNC_PERIOD_MINUTES)) as u8
}

/// The EventBridge schedule expression: `cron(<offset>/15 * * * ? *)`.
pub fn sync_schedule(app: &str) -> String {
    format!(
        "cron({}/{} * * * ? *)",
        sync_offset(app),
        SYNC_PERIOD_MINUTES
    )
}

/// The four minutes of each hour at which the syncer runs.
pub fn sync_minutes(app: &str) -> [u8; 4] {
    let offset = sync_offset(app);
    [0, 1, 2, 3].map(|quarter| offset + quarter * SYNC_PERIOD_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_the_first_four_hex_digits_mod_15() {
        // Recompute the reference from the hex digest, as Terraform does.
        let hex = format!("{:x}", Sha256::digest(b"payments"));
        let expected = u16::from_str_radix(&hex[..4], 16).unwrap() % 15;
        assert_eq!(u16::from(sync_offset("payments")), expected);
    }

    #[test]
    fn schedule_and_minutes_follow_the_offset() {
        for app in ["payments", "a", "billing-api", "z9"] {
            let o = sync_offset(app);
            assert!(o < 15);
            assert_eq!(sync_schedule(app), format!("cron({o}/15 * * * ? *)"));
            assert_eq!(sync_minutes(app), [o, o + 15, o + 30, o + 45]);
        }
    }
}
