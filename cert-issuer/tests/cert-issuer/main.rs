//! The issuer's integration tests: the library and the binary against mock
//! Registry, moto and the local CA. One test binary, one module per subject
//! (as acceptance-tests/tests/acceptance/), so the mocks and the AWS SDK are
//! linked once. Run one subject: `cargo test -p cert-issuer --test cert-issuer faults::`.

mod common;

mod acmpca;
mod faults;
mod frontends;
mod lifecycle;
mod queue;
mod syncer_identity;
