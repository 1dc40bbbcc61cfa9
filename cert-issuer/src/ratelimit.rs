//! A client-side pacer for `IssueCertificate`: the quota (25 TPS per account
//! and Region) is shared by every worker, so each process keeps to its share
//! instead of leaning on throttling. The bucket holds a single token: calls
//! are spaced evenly from the first one, with no burst, so W workers that
//! each keep `rate / W` never exceed `rate` together in any second.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    /// `per_second` > 0.
    pub fn new(per_second: f64) -> Self {
        let per_second = per_second.max(0.001);
        let burst = 1.0;
        Self {
            per_second,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Wait for one token. Waiters queue on the mutex, so the order is fair.
    pub async fn acquire(&self) {
        let mut s = self.state.lock().await;
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.per_second;
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        if s.0 < 1.0 {
            let wait = Duration::from_secs_f64((1.0 - s.0) / self.per_second);
            tokio::time::sleep(wait).await;
            s.0 = 1.0;
            s.1 = Instant::now();
        }
        s.0 -= 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_evenly_without_a_burst() {
        let rl = RateLimiter::new(20.0);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..60 {
            rl.acquire().await;
            at.push(start.elapsed());
        }
        // The first at once, then one every 50 ms: 20 in any second, never more.
        assert_eq!(at[0], Duration::ZERO);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(2940), "{took:?}");
        assert!(took <= Duration::from_millis(3000), "{took:?}");
        let first_second = at.iter().filter(|t| **t < Duration::from_secs(1)).count();
        assert_eq!(first_second, 20);
    }
}
