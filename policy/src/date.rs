//! Date parsing for the Date* operators: ISO 8601 (date, date-time, offset) or epoch seconds.

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
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
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = i128::from(days_from_civil(y, m, d)) * 86_400_000;
    if let Some(t) = time {
        let (clock, offset_min) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0i64)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, off) = t.split_at(i);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (oh, om) = off[1..].split_once(':').unwrap_or((&off[1..], "0"));
            (c, sign * (num(oh)? * 60 + num(om)?))
        } else {
            (t, 0)
        };
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut tp = hms.split(':');
        let h = num(tp.next()?)?;
        let mi = num(tp.next().unwrap_or("0"))?;
        let sec = num(tp.next().unwrap_or("0"))?;
        let frac_ms = if frac.is_empty() {
            0
        } else {
            let f: String = frac.chars().chain("000".chars()).take(3).collect();
            num(&f)?
        };
        ms += i128::from(((h * 60 + mi - offset_min) * 60 + sec) * 1000 + frac_ms);
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

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
}
