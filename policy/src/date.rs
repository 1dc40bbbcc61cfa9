//! Date parsing for the Date* operators: ISO 8601 (date, date-time, offset) or epoch seconds.
//!
//! The calendar (days since the epoch of a civil date, the offset's range) is the `time`
//! crate's; the lexical rules are ours, because they are laxer than any `time` format: a
//! one-digit month or day, a date-time with only an hour, fields past their range rolling
//! over (`2024-02-31` is 2 March, `T24:00` the next midnight), fractions cut to milliseconds.
//! Clock fields are added in `i128` milliseconds, so no digit string can overflow.

use time::{Date, Month, UtcOffset};

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

const MS_PER_DAY: i128 = 86_400_000;

/// Days from 1970-01-01 to `y-m-d`, with `d` (1..=31) rolling over the month's end.
/// `None` outside the calendar `time` knows (years 0..=9999 here: ISO 8601's four digits).
fn days_since_epoch(y: i64, m: i64, d: i64) -> Option<i128> {
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    let first = Date::from_calendar_date(i32::try_from(y).ok()?, month, 1).ok()?;
    let epoch = Date::from_calendar_date(1970, Month::January, 1).ok()?;
    Some(i128::from((first - epoch).whole_days()) + i128::from(d) - 1)
}

/// `+hh:mm`, `+hhmm`, `+hh` (or `-`) as seconds east of UTC, bounded as `time` bounds it.
fn offset_secs(off: &str) -> Option<i128> {
    let (sign, digits) = match off.split_at_checked(1)? {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some(hm) => hm,
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let (h, m) = (i8::try_from(num(h)?).ok()?, i8::try_from(num(m)?).ok()?);
    let offset = UtcOffset::from_hms(sign * h, sign * m, 0).ok()?;
    Some(i128::from(offset.whole_seconds()))
}

/// Milliseconds since the epoch, or `None` if the text is not a date AWS would accept.
pub fn parse_millis(s: &str) -> Option<i128> {
    let s = s.trim();
    if let Some(secs) = num(s) {
        return Some(i128::from(secs) * 1000);
    }
    let (date, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let (y, m, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some() || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_since_epoch(y, m, d)? * MS_PER_DAY;
    if let Some(t) = time {
        let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, off) = t.split_at(i);
            (c, offset_secs(off)?)
        } else {
            (t, 0)
        };
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut tp = hms.split(':');
        let h = i128::from(num(tp.next()?)?);
        let mi = i128::from(num(tp.next().unwrap_or("0"))?);
        let sec = i128::from(num(tp.next().unwrap_or("0"))?);
        let frac_ms = if frac.is_empty() {
            0
        } else {
            let f: String = frac.chars().chain("000".chars()).take(3).collect();
            i128::from(num(&f)?)
        };
        ms += ((h * 60 + mi) * 60 + sec - offset) * 1000 + frac_ms;
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::parse_millis;
    use proptest::prelude::*;
    use time::{OffsetDateTime, UtcOffset};

    /// 2024-02-29T00:00:00Z, computed by hand: 19782 days after 1970-01-01.
    const LEAP_DAY: i128 = 19_782 * 86_400_000;

    #[test]
    fn accepted_inputs_and_their_instants() {
        let h = 3_600_000;
        for (text, want) in [
            // Epoch seconds, as AWS documents.
            ("0", 0),
            ("1709164800", LEAP_DAY),
            ("  1709164800 ", LEAP_DAY),
            ("2024", 2_024_000),
            // Dates and date-times.
            ("1970-01-01", 0),
            ("2024-02-29", LEAP_DAY),
            ("2024-02-29T00:00:00Z", LEAP_DAY),
            ("2024-02-29t00:00:00z", LEAP_DAY),
            ("2024-02-29T10:00:00Z", LEAP_DAY + 10 * h),
            ("2024-02-29T10:00:00", LEAP_DAY + 10 * h),
            ("2024-02-29T10:30Z", LEAP_DAY + 10 * h + 30 * 60_000),
            ("2024-02-29T10", LEAP_DAY + 10 * h),
            ("2024-02-29T10:00:00.5Z", LEAP_DAY + 10 * h + 500),
            ("2024-02-29T10:00:00.123456789Z", LEAP_DAY + 10 * h + 123),
            ("2024-02-29T10:00:00.123xyz", LEAP_DAY + 10 * h + 123),
            ("2024-02-29T10:00:00+05:00", LEAP_DAY + 5 * h),
            ("2024-02-29T10:00:00-05:00", LEAP_DAY + 15 * h),
            ("2024-02-29T10:00:00+05:30", LEAP_DAY + 5 * h - 30 * 60_000),
            ("2024-02-29T10:00:00+05", LEAP_DAY + 5 * h),
            ("2024-2-9", LEAP_DAY - 20 * 86_400_000),
            // Before the epoch, and across the Gregorian rules (1900 is not a leap
            // year, 2000 is).
            ("1969-12-31T23:59:59Z", -1000),
            ("1900-03-01", -2_203_891_200_000),
            ("2000-03-01", 951_868_800_000),
            ("0000-01-01", -62_167_219_200_000),
            ("9999-12-31", 253_402_214_400_000),
            // Out-of-range fields roll over, as they always have here.
            ("2023-02-29", 1_677_628_800_000),
            ("2024-02-31", LEAP_DAY + 2 * 86_400_000),
            ("2024-02-28T24:00:00Z", LEAP_DAY),
            ("2024-02-29T00:60:00Z", LEAP_DAY + h),
        ] {
            assert_eq!(parse_millis(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn refused_inputs() {
        for text in [
            "",
            " ",
            "-1",
            "+1",
            "1.5",
            "yesterday",
            "2024-02",
            "2024-02-29-01",
            "2024-00-10",
            "2024-13-10",
            "2024-02-00",
            "2024-02-32",
            "2024-02-29T",
            "2024-02-29Tnoon",
            "2024-02-29T10:00:00.12x",
            "2024-02-29T10:00:00+xx",
            "2024-02-29T10:00:00+05:xx",
            "2024-02-29 10:00:00",
            "2024/02/29",
            "-2024-02-29",
        ] {
            assert_eq!(parse_millis(text), None, "{text:?}");
        }
    }

    /// Inputs the hand-written calendar before `time` got wrong, and what they mean now.
    #[test]
    fn what_changed_with_time() {
        // `+hhmm` is ISO 8601's basic offset: 5 h 30, not 530 hours.
        assert_eq!(
            parse_millis("2024-02-29T10:00:00+0530"),
            parse_millis("2024-02-29T10:00:00+05:30")
        );
        // Offsets past what a zone can be, years past four digits, and digit strings that
        // overflowed the arithmetic (a panic on policy text) are refused.
        for text in [
            "2024-02-29T10:00:00+26:00",
            "2024-02-29T10:00:00+05:60",
            "10000-01-01",
            "9223372036854775807-01-01",
            "99999999999999999999-01-01",
        ] {
            assert_eq!(parse_millis(text), None, "{text:?}");
        }
        // Clock fields roll over without overflowing, however long.
        let hours = 99_999_999_999_999_999_i128;
        assert_eq!(
            parse_millis("1970-01-01T99999999999999999"),
            Some(hours * 3_600_000)
        );
    }

    proptest! {
        /// Any instant of years 0..=9999, written as RFC 3339 in any offset (from `time`'s
        /// own fields), parses back to that instant.
        #[test]
        fn rfc3339_from_time_parses_back(
            secs in -62_167_219_200_i64..253_402_300_800,
            millis in 0_u32..1000,
            offset_min in -(23 * 60 + 59)..=(23 * 60 + 59_i32),
            zulu in any::<bool>(),
        ) {
            let utc = OffsetDateTime::from_unix_timestamp(secs).unwrap_or_else(|e| panic!("{e}"));
            let offset = UtcOffset::from_whole_seconds(offset_min * 60).unwrap_or_else(|e| panic!("{e}"));
            let local = if zulu { utc } else { utc.to_offset(offset) };
            prop_assume!((0..=9999).contains(&local.year()));
            let zone = if zulu {
                "Z".to_owned()
            } else {
                let (h, m, _) = offset.as_hms();
                let sign = if offset_min < 0 { '-' } else { '+' };
                format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
            };
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{millis:03}{zone}",
                local.year(),
                u8::from(local.month()),
                local.day(),
                local.hour(),
                local.minute(),
                local.second(),
            );
            prop_assert_eq!(parse_millis(&text), Some(i128::from(secs) * 1000 + i128::from(millis)), "{}", text);
        }
    }
}
