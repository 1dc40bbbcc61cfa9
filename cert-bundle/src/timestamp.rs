//! RFC 3339 times as the bundle and its tags write them: UTC, whole seconds
//! (`2026-12-01T13:00:00Z`), so the JSON and the certificate agree exactly.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `unix` seconds as RFC 3339 UTC, e.g. `2026-12-01T13:00:00Z`.
pub fn format_rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Unix seconds of an RFC 3339 time (any offset; fractions truncated).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_whole_seconds_in_utc() {
        let text = format_rfc3339(1_796_130_000);
        assert_eq!(text, "2026-12-01T13:00:00Z");
        assert_eq!(parse_rfc3339(&text), Some(1_796_130_000));
        assert_eq!(
            parse_rfc3339("2026-12-01T14:00:00+01:00"),
            Some(1_796_130_000)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
