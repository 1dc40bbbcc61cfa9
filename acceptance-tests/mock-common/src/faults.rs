//! Fault injection: latency, 5xx, 429 and connection resets, each at a rate.
//!
//! For every request on the API port: first, with probability `latency_rate`,
//! wait `latency_ms`; then draw once more and pick at most one of
//! reset / 5xx / 429 (`reset_rate`, `error_rate`, `throttle_rate` are disjoint
//! slices of one draw, so their sum must be ≤ 1).

use serde::{Deserialize, Serialize};

/// The fault settings. All rates are probabilities in `[0, 1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub latency_ms: u64,
    pub latency_rate: f64,
    pub error_rate: f64,
    /// Status used for injected server errors (500..=599).
    pub error_status: u16,
    pub throttle_rate: f64,
    /// `Retry-After` seconds sent with injected 429s (none if 0).
    pub retry_after_secs: u64,
    pub reset_rate: f64,
    /// Only requests whose path starts with this are affected (all if empty).
    pub path_prefix: String,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            latency_rate: 0.0,
            error_rate: 0.0,
            error_status: 503,
            throttle_rate: 0.0,
            retry_after_secs: 0,
            reset_rate: 0.0,
            path_prefix: String::new(),
        }
    }
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Error(u16),
    Throttle { retry_after_secs: u64 },
    Reset,
}

impl Faults {
    /// No fault at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Check the rates are probabilities and the status is a 5xx.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("latency_rate", self.latency_rate),
            ("error_rate", self.error_rate),
            ("throttle_rate", self.throttle_rate),
            ("reset_rate", self.reset_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be within [0, 1], got {rate}"));
            }
        }
        if self.error_rate + self.throttle_rate + self.reset_rate > 1.0 + 1e-9 {
            return Err("error_rate + throttle_rate + reset_rate must be <= 1".into());
        }
        if !(500..=599).contains(&self.error_status) {
            return Err(format!(
                "error_status must be a 5xx, got {}",
                self.error_status
            ));
        }
        Ok(())
    }

    pub(crate) fn applies_to(&self, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
    }

    /// Latency to add to this request, if any.
    pub(crate) fn draw_latency(&self) -> Option<std::time::Duration> {
        (self.latency_ms > 0 && fastrand::f64() < self.latency_rate)
            .then(|| std::time::Duration::from_millis(self.latency_ms))
    }

    /// The fault for this request, if any.
    pub(crate) fn draw(&self) -> Option<Fault> {
        let x = fastrand::f64();
        let mut edge = self.reset_rate;
        if x < edge {
            return Some(Fault::Reset);
        }
        edge += self.error_rate;
        if x < edge {
            return Some(Fault::Error(self.error_status));
        }
        edge += self.throttle_rate;
        if x < edge {
            return Some(Fault::Throttle {
                retry_after_secs: self.retry_after_secs,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_rates() {
        let f = Faults {
            error_rate: 0.2,
            throttle_rate: 0.1,
            reset_rate: 0.05,
            ..Faults::none()
        };
        f.validate().expect("valid");
        let n = 20_000;
        let (mut e, mut t, mut r) = (0, 0, 0);
        for _ in 0..n {
            match f.draw() {
                Some(Fault::Error(_)) => e += 1,
                Some(Fault::Throttle { .. }) => t += 1,
                Some(Fault::Reset) => r += 1,
                None => {}
            }
        }
        let rate = |k: i32| f64::from(k) / f64::from(n);
        assert!((rate(e) - 0.2).abs() < 0.02, "error {}", rate(e));
        assert!((rate(t) - 0.1).abs() < 0.02, "throttle {}", rate(t));
        assert!((rate(r) - 0.05).abs() < 0.02, "reset {}", rate(r));
    }

    #[test]
    fn rejects_bad_rates() {
        let f = Faults {
            error_rate: 0.7,
            throttle_rate: 0.7,
            ..Faults::none()
        };
        assert!(f.validate().is_err());
        let f = Faults {
            error_status: 404,
            ..Faults::none()
        };
        assert!(f.validate().is_err());
    }
}
