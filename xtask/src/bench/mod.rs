//! The benchmark runners of `make bench`: each prints markdown tables, with
//! timings measured side by side in one run (medians over alternating
//! rounds, since these machines are noisy) and deterministic counts.
//!
//! * [`foundation`]: bench/foundation.sh (slots, plan ratio, handshake, RSS);
//! * [`resources`]: bench/resources.sh (s2s resources against the mocks).

pub mod foundation;
pub mod resources;
