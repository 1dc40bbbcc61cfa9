//! The fault drill a client's retry test runs against a mock: every
//! transient fault a retrying client must absorb, mixed, and a server that
//! fails every request, under which a single attempt shows the fault as it
//! is. keywhiz-client and registry-client drill the same way, so a client
//! that absorbs one mix absorbs the other's too.

use crate::faults::{env_seed, Fault, Faults};

/// The requests a drill makes at least (the first ones a mix's seed decides).
pub const DRILL_REQUESTS: usize = 40;

/// The mix's seed unless `S2S_FAULT_SEED` names another.
const MIX_SEED: u64 = 1;

/// 20 % server errors (503), 10 % throttling (429), 10 % connection resets,
/// on a seed checked here to throw every one of [`TRANSIENT_KINDS`] within
/// the first [`DRILL_REQUESTS`] requests, so a drill cannot pass without
/// meeting each fault (an unseeded mix missed one now and then).
pub fn transient_mix() -> Faults {
    let seed = env_seed().expect("S2S_FAULT_SEED").unwrap_or(MIX_SEED);
    let mix = Faults {
        error_rate: 0.2,
        throttle_rate: 0.1,
        reset_rate: 0.1,
        seed: Some(seed),
        ..Faults::none()
    };
    let thrown: Vec<&str> = mix
        .preview(DRILL_REQUESTS)
        .expect("a seeded mix")
        .into_iter()
        .filter_map(|(_, fault)| fault.map(kind))
        .collect();
    for wanted in TRANSIENT_KINDS {
        assert!(
            thrown.contains(&wanted),
            "fault seed {seed} throws no {wanted} in the first {DRILL_REQUESTS} requests; set S2S_FAULT_SEED to another"
        );
    }
    mix
}

/// The name a server's counters give a fault.
fn kind(fault: Fault) -> &'static str {
    match fault {
        Fault::Error(_) => "error",
        Fault::Throttle { .. } => "throttle",
        Fault::Reset => "reset",
    }
}

/// Every request answered 503.
pub fn every_request_fails() -> Faults {
    Faults {
        error_rate: 1.0,
        ..Faults::none()
    }
}

/// The injected fault kinds (`error`, `throttle`, `reset`) that
/// [`transient_mix`] throws and a server's counters name.
pub const TRANSIENT_KINDS: [&str; 3] = ["error", "throttle", "reset"];
