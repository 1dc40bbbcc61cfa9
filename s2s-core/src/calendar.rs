//! The UTC calendar, through the `time` crate, so that every part that
//! writes a date (the syncer's expiry tags, the provider's expiry warnings,
//! the mock Keywhiz's `ApiDate`s) splits epoch seconds the same way.

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
        let t = time::OffsetDateTime::from_unix_timestamp(epoch).unwrap_or(if epoch < 0 {
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
