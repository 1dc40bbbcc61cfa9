//! The one Registry client of s2s (docs/guides/registry-api.md): mTLS with
//! a PEM identity, typed apps and functions, ETag-aware writes (every app and
//! function returned carries the ETag it was read or written at; updates take
//! `If-Match`; creates send `If-None-Match: *`), a
//! distinct [`Error::Conflict`] for 412, and retries with exponential backoff +
//! jitter on 429/5xx/transport errors bounded by a total timeout.
//!
//! A write retried after a lost answer may come back as `Conflict` although the
//! first attempt was applied: on `Conflict`, re-read and compare.

mod client;
mod error;
mod types;

pub use client::{decode_answer, status_error, RegistryClient};
pub use error::{Error, Result};
pub use mtls_http::{ClientConfig, PresentedIdentity, RetryPolicy};
pub use types::{
    Access, Account, App, AppFields, AppSpec, Environment, Function, FunctionFields, FunctionSpec,
    Record,
};
