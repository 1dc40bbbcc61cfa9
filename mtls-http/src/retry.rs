//! Retry policy: exponential backoff with jitter on 429, 5xx and transient
//! transport errors, bounded by a total time budget that also caps each
//! attempt (an attempt gets only the time that is left), so a call never
//! outlasts `total_timeout`; `Retry-After` (seconds) is honoured. Other 4xx
//! (412 included) and permanent failures are never retried.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::answer::ClientError;

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

    /// Many attempts close together (20, 5 ms doubling to 50 ms, 30 s in
    /// all): for drills against a local server with injected faults, where
    /// the default's slower backoff would only make the drill slow.
    pub fn quick() -> Self {
        Self {
            max_attempts: 20,
            total_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
        }
    }

    /// Wait before retry number `retry` (1-based): exponential, capped, with
    /// "equal jitter" (half fixed, half random), and at least `retry_after`.
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

    /// Run `attempt` until it succeeds, fails with an error that is not
    /// retryable, uses up `max_attempts`, or the next wait would overrun
    /// `total_timeout`. Each attempt is given the time left of the budget
    /// (it must not take longer). A failed attempt carries the server's
    /// `Retry-After`. Whether to try again is [`ClientError::is_retryable`];
    /// after more than one attempt the failure is [`ClientError::gave_up`].
    pub async fn run<T, E, F, Fut>(&self, mut attempt: F) -> Result<T, E>
    where
        E: ClientError,
        F: FnMut(Duration) -> Fut,
        Fut: Future<Output = Result<T, (E, Option<Duration>)>>,
    {
        let started = Instant::now();
        let give_up = |err: E, attempts: u32| {
            if attempts <= 1 {
                err
            } else {
                E::gave_up(err, attempts, started.elapsed())
            }
        };
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let left = self.total_timeout.saturating_sub(started.elapsed());
            let (err, retry_after) = match attempt(left).await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            if !err.is_retryable() || attempts >= self.max_attempts {
                return Err(give_up(err, attempts));
            }
            let wait = self.backoff(attempts, retry_after);
            // Another attempt needs time of its own after the wait.
            if started.elapsed() + wait >= self.total_timeout {
                return Err(give_up(err, attempts));
            }
            tokio::time::sleep(wait).await;
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
    fn default_backoff_is_bounded() {
        let p = RetryPolicy::default();
        for r in 1..40 {
            assert!(p.backoff(r, None) <= p.max_backoff);
        }
        assert!(p.backoff(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
    }

    #[test]
    fn statuses() {
        assert!(retryable_status(429));
        assert!(retryable_status(503));
        assert!(!retryable_status(501));
        assert!(!retryable_status(404));
        assert!(!retryable_status(412));
        assert_eq!(parse_retry_after(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }

    use crate::answer::{Call, Refusal};
    use crate::failure::TransportFailure;

    /// `Retryable` stands for a 503, `Final` for a 400.
    #[derive(Debug, PartialEq)]
    enum TestError {
        Retryable(u32),
        Final(u32),
        GaveUp(u32, Box<TestError>),
    }

    impl ClientError for TestError {
        fn refused(_: Call<'_>, _: &Refusal<'_>) -> Self {
            unreachable!("the loop builds no errors")
        }
        fn unanswered(_: Call<'_>, _: TransportFailure, _: reqwest::Error) -> Self {
            unreachable!("the loop builds no errors")
        }
        fn malformed(_: Call<'_>, _: String) -> Self {
            unreachable!("the loop builds no errors")
        }
        fn gave_up(last: Self, attempts: u32, _elapsed: Duration) -> Self {
            TestError::GaveUp(attempts, Box::new(last))
        }
        fn status(&self) -> Option<u16> {
            match self {
                TestError::Retryable(_) => Some(503),
                TestError::Final(_) => Some(400),
                TestError::GaveUp(_, last) => last.status(),
            }
        }
        fn transport_failure(&self) -> Option<&TransportFailure> {
            None
        }
    }

    fn fast(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            ..RetryPolicy::quick()
        }
    }

    #[tokio::test]
    async fn run_stops_at_max_attempts_and_wraps() {
        let mut n = 0;
        let r: Result<(), _> = fast(3)
            .run(|_| {
                n += 1;
                let e = TestError::Retryable(n);
                async move { Err((e, None)) }
            })
            .await;
        assert_eq!(
            r,
            Err(TestError::GaveUp(3, Box::new(TestError::Retryable(3))))
        );
    }

    #[tokio::test]
    async fn run_does_not_wrap_a_single_attempt() {
        let r: Result<(), _> = fast(5)
            .run(|_| async { Err((TestError::Final(1), None)) })
            .await;
        assert_eq!(r, Err(TestError::Final(1)));
        let r: Result<(), _> = fast(1)
            .run(|_| async { Err((TestError::Retryable(1), None)) })
            .await;
        assert_eq!(r, Err(TestError::Retryable(1)));
    }

    #[tokio::test]
    async fn run_stops_when_retry_after_overruns_the_budget() {
        let mut n = 0;
        let r: Result<(), _> = fast(5)
            .run(|_| {
                n += 1;
                let e = TestError::Retryable(n);
                async move { Err((e, Some(Duration::from_secs(60)))) }
            })
            .await;
        assert_eq!(r, Err(TestError::Retryable(1)));
    }

    #[tokio::test]
    async fn run_returns_the_first_success() {
        let mut n = 0;
        let r = fast(5)
            .run(|_| {
                n += 1;
                let outcome = if n < 3 {
                    Err((TestError::Retryable(n), None))
                } else {
                    Ok(n)
                };
                async move { outcome }
            })
            .await;
        assert_eq!(r, Ok(3));
    }

    #[tokio::test]
    async fn each_attempt_gets_only_the_time_left() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            total_timeout: Duration::from_millis(200),
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
        };
        let mut given = Vec::new();
        let started = std::time::Instant::now();
        let r: Result<(), _> = policy
            .run(|left| {
                given.push(left);
                // The attempt uses all the time it was given, like a timeout.
                async move {
                    tokio::time::sleep(left.min(Duration::from_millis(60))).await;
                    Err((TestError::Retryable(0), None))
                }
            })
            .await;
        assert!(matches!(r, Err(TestError::GaveUp(..))));
        assert!(given.len() >= 2, "{given:?}");
        assert!(given.windows(2).all(|w| w[1] < w[0]), "{given:?}");
        assert!(given[0] <= Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_millis(400));
    }
}
