//! The project's own tasks, kept out of the test harness (acceptance-tests)
//! and out of the shipped crates:
//!
//! * [`docs`]: the provider docs in the tfplugindocs layout, generated from
//!   the schema Terraform reports (`cargo xtask docs`; xtask's `docs` test
//!   fails when a page is stale);
//! * [`bench`]: the runners behind `make bench` (bench/*.sh), which print the
//!   figures quoted in README.md.
//!
//! Both drive the freshly built provider through the acceptance-tests harness
//! (real Terraform, the mocks).

pub mod bench;
pub mod docs;
