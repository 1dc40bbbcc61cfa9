//! The UTC calendar, through the `time` crate, so that every part that
//! writes a date (the syncer's expiry tags, the provider's expiry warnings,
//! the mock Keywhiz's `ApiDate`s, the certificate bundle's times) splits
//! epoch seconds the same way, and the one RFC 3339 reader and writer.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Epoch seconds as RFC 3339 in UTC, whole seconds: `2026-12-01T13:00:00Z`.
pub fn format_rfc3339(epoch: i64) -> String {
    let t = UtcDateTime::from_epoch(epoch);
    format!("{}T{}Z", t.date(), t.time())
}

/// Epoch seconds of an RFC 3339 time (any offset; a fraction is truncated);
/// `None` for anything else, including dates that do not exist.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// An epoch second as UTC calendar fields (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl UtcDateTime {
    pub fn from_epoch(epoch: i64) -> Self {
        // Beyond `time`'s range (±9999 years) clamp: no s2s date gets there.
        let t = OffsetDateTime::from_unix_timestamp(epoch).unwrap_or(if epoch < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        });
        Self {
            year: i64::from(t.year()),
            month: u32::from(u8::from(t.month())),
            day: u32::from(t.day()),
            hour: u32::from(t.hour()),
            minute: u32::from(t.minute()),
            second: u32::from(t.second()),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `HH:MM:SS`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_reads_what_it_writes_and_refuses_the_rest() {
        for t in [0, 951_782_400, 1_700_000_000, 4_102_444_799, 1_796_130_000] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
        assert_eq!(format_rfc3339(1_796_130_000), "2026-12-01T13:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2026-12-01T14:00:00+01:00"),
            Some(1_796_130_000)
        );
        assert_eq!(parse_rfc3339("2026-12-01T13:00:00.9Z"), Some(1_796_130_000));
        // RFC 3339 lets a space stand for the `T`.
        assert_eq!(parse_rfc3339("2026-12-01 13:00:00Z"), Some(1_796_130_000));
        for bad in [
            "2026-02-31T00:00:00Z",
            "2026-12-01T18:00:00",
            "2026-12-01T25:00:00Z",
            "yesterday",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_instants() {
        let t = UtcDateTime::from_epoch(1_364_506_962);
        assert_eq!(
            (t.date(), t.time()),
            ("2013-03-28".into(), "21:42:42".into())
        );
        assert_eq!(UtcDateTime::from_epoch(0).date(), "1970-01-01");
        assert_eq!(UtcDateTime::from_epoch(951_782_400).date(), "2000-02-29");
        assert_eq!(UtcDateTime::from_epoch(1_767_225_600).date(), "2026-01-01");
        let t = UtcDateTime::from_epoch(4_102_444_799);
        assert_eq!(
            (t.date(), t.time()),
            ("2099-12-31".into(), "23:59:59".into())
        );
        let t = UtcDateTime::from_epoch(-1);
        assert_eq!(
            (t.date(), t.time()),
            ("1969-12-31".into(), "23:59:59".into())
        );
    }
}
