//! A client-side token bucket for Secrets Manager writes: the account-wide
//! write quota is 50 TPS and other writers (the certificate writer, humans)
//! share it, so the syncer stays well below it instead of relying on throttling.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_second` > 0; the bucket holds at most one second's worth.
    pub fn new(per_second: f64) -> Self {
        let per_second = per_second.max(0.001);
        let burst = per_second.max(1.0);
        Self {
            per_second,
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                at: Instant::now(),
            }),
        }
    }

    /// Wait for one token. Callers queue on the mutex, so waits are fair.
    pub async fn acquire(&self) {
        let mut b = self.state.lock().await;
        let now = Instant::now();
        let refill = now.duration_since(b.at).as_secs_f64() * self.per_second;
        b.tokens = (b.tokens + refill).min(self.burst);
        b.at = now;
        if b.tokens < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - b.tokens) / self.per_second);
            tokio::time::sleep(wait).await;
            b.tokens = 1.0;
            b.at = Instant::now();
        }
        b.tokens -= 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn holds_the_rate_after_the_burst() {
        let rl = RateLimiter::new(10.0);
        let start = Instant::now();
        for _ in 0..30 {
            rl.acquire().await;
        }
        // 10 from the full bucket, then 20 more at 10/s.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(1990), "{took:?}");
        assert!(took <= Duration::from_millis(2100), "{took:?}");
    }
}
