//! Retry policy: exponential backoff with jitter on 429, 5xx and transport
//! errors, bounded by a total time budget; `Retry-After` is honoured.

use std::time::Duration;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts at most (1 = no retry).
    pub max_attempts: u32,
    /// The whole call, retries and waits included, must fit in this.
    pub total_timeout: Duration,
    /// First backoff; doubles each retry.
    pub initial_backoff: Duration,
    /// Backoff ceiling (before jitter).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            total_timeout: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Wait before retry number `retry` (1-based): exponential, capped, with
    /// "equal jitter" (half fixed, half random), and at least `retry_after`.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.initial_backoff.saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let cap = exp.min(self.max_backoff);
        let half = cap / 2;
        let jitter = half.mul_f64(fastrand::f64());
        let wait = half + jitter;
        match retry_after {
            Some(ra) => wait.max(ra),
            None => wait,
        }
    }
}

/// Statuses worth retrying: 429 and 5xx except 501 (not implemented).
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status) && status != 501
}

/// `Retry-After` in seconds (the HTTP-date form is ignored).
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            let b1 = p.backoff(1, None);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b3 = p.backoff(3, None);
            assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
            let b10 = p.backoff(10, None);
            assert!(b10 <= Duration::from_millis(800));
            assert!(p.backoff(40, None) <= Duration::from_millis(800));
        }
        assert!(p.backoff(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
    }

    #[test]
    fn statuses() {
        assert!(retryable_status(429));
        assert!(retryable_status(503));
        assert!(!retryable_status(501));
        assert!(!retryable_status(404));
        assert_eq!(parse_retry_after(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }
}
