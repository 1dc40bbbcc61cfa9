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
    let t = s2s_core::UtcDateTime::from_epoch(epoch);
    format!("{}T{}.000Z", t.date(), t.time())
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
