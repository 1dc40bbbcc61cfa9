//! The syncer's integration tests: the library and the binary against mock
//! Keywhiz and moto. One test binary, one module per subject (as
//! acceptance-tests/tests/acceptance/), so the mocks, moto's launcher and the
//! AWS SDK are linked once. Run one subject: `cargo test -p syncer --test syncer convergence::`.

mod common;

mod convergence;
mod counts;
mod decommission;
mod edges;
mod fetch_fallback;
mod frontends;
mod overlap;
mod resource_policy;
mod safety;
