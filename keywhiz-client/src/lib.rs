//! The one Keywhiz client of s2s (provider, syncer): mTLS with a PEM identity,
//! typed requests and responses for Keywhiz's client delivery API
//! (`/secrets`, `/secret/{name}`, `/batchsecret`) and automation v2 API
//! (`/automation/v2/{secrets,groups,clients}`), errors that name the request
//! and carry Keywhiz's message (a 401 or 403 also names the certificate that
//! was presented), transport failures explained (certificate problems are
//! permanent, not retried), retries with exponential backoff + jitter on
//! 429/5xx/transient failures within a total time budget (`Retry-After`
//! honoured), and the one expiry rule ([`expiry`]).
//!
//! Secret contents are [`SecretContent`]: `Debug` prints `<redacted>`.
//!
//! Note on retries of non-idempotent calls: a `create_*` whose first attempt
//! reached Keywhiz but whose answer was lost is retried and then gets 409
//! ([`Error::is_conflict`]); callers treat that as "read and compare".

mod answer;
mod client;
mod content;
mod error;
pub mod expiry;
mod types;

pub use answer::{decode_answer, status_error};
pub use client::KeywhizClient;
pub use content::SecretContent;
pub use error::{Error, Result};
pub use mtls_http::{ClientConfig, PresentedIdentity, RetryPolicy, TransportFailure};
pub use types::*;
