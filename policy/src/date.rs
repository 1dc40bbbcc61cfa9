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
