//! Fault injection: latency, 5xx, 429 and connection resets, each at a rate.
//!
//! For every request on the API port: first, with probability `latency_rate`,
//! wait `latency_ms`; then draw once more and pick at most one of
//! reset / 5xx / 429 (`reset_rate`, `error_rate`, `throttle_rate` are disjoint
//! slices of one draw, so their sum must be ≤ 1).
//!
//! The draws come from a generator seeded when the settings are set, so the same seed and
//! the same sequence of requests give the same faults: a failing fault test is replayed by
//! its seed. Settings without a seed get one drawn from the process's seed
//! ([`process_seed`]: `S2S_FAULT_SEED`, else random), a new one for each setting, so two
//! mocks never fault in lockstep and one printed value replays them all (when they are set
//! in the same order). The seed is printed whenever faults are turned on.

use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// The environment variable that fixes the seed of every fault setting that names none.
pub const SEED_ENV: &str = "S2S_FAULT_SEED";

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
    /// Seed of the draws; `None` draws one from [`process_seed`]. Settings read back
    /// from a server carry the seed in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
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
            seed: None,
        }
    }
}

/// `S2S_FAULT_SEED` when set (an error if it is not a number), else `None`.
pub fn env_seed() -> Result<Option<u64>, String> {
    seed_from(std::env::var(SEED_ENV).ok().as_deref())
}

fn seed_from(value: Option<&str>) -> Result<Option<u64>, String> {
    value
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("{SEED_ENV} must be an unsigned 64-bit number, got {v:?}"))
        })
        .transpose()
}

/// The seed of fault settings that name none: `S2S_FAULT_SEED`, else one random seed
/// chosen once per process, so one printed value replays every such server of a test.
pub fn process_seed() -> Result<u64, String> {
    static SEED: OnceLock<Result<u64, String>> = OnceLock::new();
    SEED.get_or_init(|| Ok(env_seed()?.unwrap_or_else(|| fastrand::u64(..))))
        .clone()
}

/// The next seed for settings that name none: the n-th number of a generator seeded by
/// [`process_seed`].
fn next_seed() -> Result<u64, String> {
    static SEEDS: OnceLock<Mutex<fastrand::Rng>> = OnceLock::new();
    let root = process_seed()?;
    let seeds = SEEDS.get_or_init(|| Mutex::new(fastrand::Rng::with_seed(root)));
    let mut rng = seeds.lock().unwrap_or_else(|p| p.into_inner());
    Ok(rng.u64(..))
}

/// What one request meets: the latency added, then the fault, if any.
pub type Draw = (Option<std::time::Duration>, Option<Fault>);

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

    /// Whether any fault can happen at all.
    pub fn any(&self) -> bool {
        (self.latency_ms > 0 && self.latency_rate > 0.0)
            || self.error_rate > 0.0
            || self.throttle_rate > 0.0
            || self.reset_rate > 0.0
    }

    /// These settings with their seed resolved: theirs, or the next one drawn from
    /// [`process_seed`].
    pub fn seeded(mut self) -> Result<Self, String> {
        if self.seed.is_none() {
            self.seed = Some(next_seed()?);
        }
        Ok(self)
    }

    /// The generator of the draws, from the seed (`seeded` settings: always the same one).
    pub(crate) fn rng(&self) -> fastrand::Rng {
        fastrand::Rng::with_seed(self.seed.unwrap_or_default())
    }

    /// What these settings do to the first `n` requests they apply to, from a fresh
    /// generator, exactly as a server given them would: lets a test check that its seed
    /// injects what it needs before relying on it. Only settings with a seed can be told.
    pub fn preview(&self, n: usize) -> Result<Vec<Draw>, String> {
        if self.seed.is_none() {
            return Err("preview needs settings with a seed".into());
        }
        let mut rng = self.rng();
        Ok((0..n).map(|_| self.draw(&mut rng)).collect())
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

    /// The latency to add to one request and the fault to inject, if any: always two
    /// draws, so the faults a seed gives do not depend on the latency settings.
    pub(crate) fn draw(&self, rng: &mut fastrand::Rng) -> Draw {
        let (delay_draw, x) = (rng.f64(), rng.f64());
        let delay = (self.latency_ms > 0 && delay_draw < self.latency_rate)
            .then(|| std::time::Duration::from_millis(self.latency_ms));
        let mut edge = self.reset_rate;
        if x < edge {
            return (delay, Some(Fault::Reset));
        }
        edge += self.error_rate;
        if x < edge {
            return (delay, Some(Fault::Error(self.error_status)));
        }
        edge += self.throttle_rate;
        if x < edge {
            return (
                delay,
                Some(Fault::Throttle {
                    retry_after_secs: self.retry_after_secs,
                }),
            );
        }
        (delay, None)
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
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..n {
            match f.draw(&mut rng).1 {
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
    fn a_seed_replays_its_faults_and_another_seed_differs() {
        let f = |seed| Faults {
            error_rate: 0.3,
            latency_ms: 5,
            latency_rate: 0.5,
            seed: Some(seed),
            ..Faults::none()
        };
        let a = f(1).preview(200).expect("preview");
        assert_eq!(a, f(1).preview(200).expect("preview"));
        assert_ne!(a, f(2).preview(200).expect("preview"));
        assert!(a.iter().any(|(_, fault)| fault.is_some()));
        assert!(a.iter().any(|(_, fault)| fault.is_none()));
        // The latency settings do not move the faults a seed gives.
        let faults_of = |f: Faults| -> Vec<Option<Fault>> {
            f.preview(200)
                .expect("preview")
                .into_iter()
                .map(|d| d.1)
                .collect()
        };
        let no_latency = Faults {
            latency_rate: 0.0,
            ..f(1)
        };
        assert_eq!(faults_of(f(1)), faults_of(no_latency));
    }

    #[test]
    fn the_environment_seed_is_a_number_or_an_error() {
        assert_eq!(seed_from(None), Ok(None));
        assert_eq!(seed_from(Some("12345")), Ok(Some(12345)));
        assert_eq!(seed_from(Some(" 7\n")), Ok(Some(7)));
        for bad in ["", "-1", "0x10", "seven", "18446744073709551616"] {
            let e = seed_from(Some(bad)).expect_err(bad);
            assert!(e.contains(SEED_ENV), "{e}");
        }
    }

    #[test]
    fn settings_without_a_seed_each_get_a_seed_of_their_own() {
        let f = Faults {
            error_rate: 0.5,
            ..Faults::none()
        };
        assert!(f.preview(1).is_err(), "no seed, nothing to preview");
        let (a, b) = (
            f.clone().seeded().expect("seeded"),
            f.clone().seeded().expect("seeded"),
        );
        assert!(a.seed.is_some() && b.seed.is_some());
        // Two mocks set one after the other do not fault in lockstep.
        assert_ne!(a.preview(100), b.preview(100));
        // An explicit seed stays.
        let own = Faults {
            seed: Some(42),
            ..f
        };
        assert_eq!(own.seeded().expect("seeded").seed, Some(42));
    }

    #[test]
    fn the_seeds_drawn_follow_from_the_process_seed() {
        let root = process_seed().expect("seed");
        let mut replay = fastrand::Rng::with_seed(root);
        let sequence: Vec<u64> = (0..1000).map(|_| replay.u64(..)).collect();
        // Other tests of this process draw too, so the next seed is somewhere in the
        // sequence the process seed gives, never outside it.
        let next = next_seed().expect("seed");
        assert!(
            sequence.contains(&next),
            "{next} is not from {root}'s sequence"
        );
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
