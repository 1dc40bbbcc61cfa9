//! Retry policy: exponential backoff with jitter on 429, 5xx and transport
//! errors, bounded by a total time budget; `Retry-After` (seconds) honoured.
//! 412 and other 4xx are never retried.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts at most (1 = no retry).
    pub max_attempts: u32,
    /// The whole call, retries and waits included, must fit in this.
    pub total_timeout: Duration,
    pub initial_backoff: Duration,
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
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Wait before retry `retry` (1-based): capped exponential, equal jitter, ≥ Retry-After.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let cap = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = cap / 2;
        let wait = half + half.mul_f64(fastrand::f64());
        retry_after.map_or(wait, |ra| wait.max(ra))
    }
}

pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status) && status != 501
}

pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_backoff() {
        let p = RetryPolicy::default();
        for r in 1..40 {
            assert!(p.backoff(r, None) <= p.max_backoff);
        }
        assert!(p.backoff(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert!(!retryable_status(412));
        assert!(retryable_status(429));
    }
}
