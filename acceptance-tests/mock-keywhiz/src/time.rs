//! Keywhiz's `ApiDate`: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC, second precision.

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Format epoch seconds as an `ApiDate`, e.g. `2013-03-28T21:42:42.000Z`.
pub fn api_date(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::api_date;

    #[test]
    fn formats() {
        assert_eq!(api_date(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(api_date(1_364_506_962), "2013-03-28T21:42:42.000Z");
        assert_eq!(api_date(951_782_400), "2000-02-29T00:00:00.000Z");
    }
}
