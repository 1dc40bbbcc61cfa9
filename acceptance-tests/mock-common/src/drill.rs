//! The fault drill a client's retry test runs against a mock: every
//! transient fault a retrying client must absorb, mixed, and a server that
//! fails every request, under which a single attempt shows the fault as it
//! is. keywhiz-client and registry-client drill the same way, so a client
//! that absorbs one mix absorbs the other's too.

use crate::faults::Faults;

/// 20 % server errors (503), 10 % throttling (429), 10 % connection resets.
pub fn transient_mix() -> Faults {
    Faults {
        error_rate: 0.2,
        throttle_rate: 0.1,
        reset_rate: 0.1,
        ..Faults::none()
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
