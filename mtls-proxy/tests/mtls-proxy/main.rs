//! The proxy's integration tests: the library in front of the test mesh, and
//! the real binary under the Extensions API stub. One test binary, one module
//! per subject (as acceptance-tests/tests/acceptance/). Run one subject:
//! `cargo test -p mtls-proxy --test mtls-proxy mesh_path::`.

mod common;

mod extension;
mod mesh_path;
