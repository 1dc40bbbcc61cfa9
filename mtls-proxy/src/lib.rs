//! s2s-mtls-proxy: how a Lambda function calls a mesh service.
//!
//! The function talks plain HTTP to 127.0.0.1; this crate opens TLS to the
//! mesh gateway with SNI `<environment>.<app>.<mesh_domain>`, presents the
//! function's certificate from `s2s/<app>/tls`, and accepts the server only
//! if its chain leads to the bundle's mesh roots and its one URI SAN is
//! exactly `spiffe://<trust_domain>/<app>` (ARCHITECTURE.md, "The mesh path").
//!
//! The pieces, each usable on its own:
//! * [`MeshClient`]: the mTLS core, for a Rust function to use in-process;
//! * [`CertificateHolder`]: the certificate in memory, re-read lazily on use
//!   (the sandbox is frozen between invocations, so no timers);
//! * [`proxy`]: the localhost HTTP server (forward and reverse proxy forms,
//!   SSRF defences) that every runtime reaches without a library;
//! * [`extension`]: the Lambda Extensions API client and lifecycle.

pub mod addressing;
pub mod client;
mod connector;
pub mod extension;
pub mod holder;
pub mod identity;
pub mod log;
pub mod proxy;
pub mod settings;
pub mod source;
mod tls;
pub mod verify;

#[cfg(feature = "secrets-manager")]
pub mod secretsmanager;

pub use addressing::{AddressError, Addressing};
pub use client::{full_body, BoxError, MeshBody, MeshClient, MeshClientConfig, MeshError};
pub use holder::{CertificateHolder, Clock, RefreshPolicy, SystemClock, Unavailable};
pub use identity::{Identity, IdentityError};
pub use source::{BundleSource, Fetched, FileSource, MemorySource, SourceError};
pub use verify::SpiffeServerVerifier;
