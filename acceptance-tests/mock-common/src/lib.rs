//! What the s2s mocks (mock-keywhiz, mock-registry) share:
//!
//! * [`pki`]: a test CA generated at start, a loopback server certificate and
//!   client identities minted on demand (PEM files; nothing is committed);
//! * [`server`]: axum over rustls (ring) on `127.0.0.1:0`, client certificate
//!   required, the peer certificate and caller identity handed to handlers, and
//!   the [`MockServer`] handle tests hold;
//! * [`identity`]: caller identity the way Keywhiz reads it (SPIFFE URI SAN if it
//!   is the only URI SAN, else CN);
//! * [`faults`], [`log`], [`controls`]: fault injection, request log, counters;
//! * [`admin`]: the plain-HTTP admin port (`/__admin/...`);
//! * [`persist`]: optional JSON state file and seed files;
//! * [`cli`]: shared flags and the start-up JSON line;
//! * [`moto`]: moto's server from the project venv, the AWS every test uses.

pub mod admin;
pub mod cli;
pub mod controls;
pub mod drill;
pub mod faults;
pub mod identity;
pub mod lambda_runtime;
pub mod log;
pub mod moto;
pub mod persist;
pub mod pki;
pub mod server;
pub mod tls;

pub use controls::{Controls, ErrorRenderer};
pub use faults::Faults;
pub use identity::{CallerIdentity, PeerCertificate};
pub use log::{Counters, LoggedRequest};
pub use moto::Moto;
pub use persist::JsonStore;
pub use pki::{ClientIdentity, IdentitySpec, TestPki};
pub use server::{ConnInfo, MockServer, ServerOptions};
pub use tls::ClientAuth;
