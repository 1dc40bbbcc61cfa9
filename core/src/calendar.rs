//! The UTC calendar without a date crate, so that every part that writes a
//! date (the syncer's expiry tags, the provider's expiry warnings, the mock
//! Keywhiz's `ApiDate`s) splits epoch seconds the same way.

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
        let (year, month, day) = civil_from_days(epoch.div_euclid(86_400));
        // 0..86_400, so the narrowing cannot fail.
        let secs = epoch.rem_euclid(86_400) as u32;
        Self {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
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

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's published
/// days-to-civil algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is in 1..=31 and month in 1..=12, so the narrowing cannot fail.
    (year, month as u32, day as u32)
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
