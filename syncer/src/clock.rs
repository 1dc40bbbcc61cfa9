//! Wall-clock helpers: epoch seconds, and RFC 3339 text through s2s-core's
//! one reader and writer.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for an epoch second (UTC).
pub fn rfc3339(epoch: i64) -> String {
    s2s_core::format_rfc3339(epoch)
}

/// Epoch seconds of an RFC 3339 time (what [`rfc3339`] writes and
/// Terraform's `timestamp()` gives); `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    s2s_core::parse_rfc3339(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_formats() {
        for t in [0, 951_782_400, 1_700_000_000, 4_102_444_799, 1_764_547_200] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
        // RFC 3339 lets a space stand for the `T` (s2s-core reads it so).
        assert_eq!(parse_rfc3339("2023-11-14 22:13:20Z"), Some(1_700_000_000));
        for bad in ["2026-02-31T00:00:00Z", "2026-12-01T18:00:00", "x"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }
}
