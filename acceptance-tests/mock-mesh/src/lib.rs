//! The test mesh s2s's mesh path runs against (ARCHITECTURE.md, "External
//! systems"): [`gateway`] stands in for the Envoy mesh gateway (SNI routing,
//! TLS pass-through), [`backend`] for mesh services (mTLS, answering with
//! the caller's SPIFFE ID), [`mesh`] puts them together, and [`extensions`]
//! stubs the Lambda Extensions API to run the extension as Lambda would.

pub mod backend;
pub mod clienthello;
pub mod extensions;
pub mod gateway;
pub mod mesh;
pub mod probe;

pub use backend::{Backend, BackendConfig, Seen};
pub use extensions::{ExtensionsApi, Sandbox};
pub use gateway::{Gateway, GatewayStats};
pub use mesh::{MeshOptions, Service, TestMesh};
