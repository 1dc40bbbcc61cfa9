//! The HTTP machinery shared by the s2s clients (keywhiz-client,
//! registry-client): an mTLS `reqwest::Client` built from a PEM identity and
//! CA bundle (the identity checked and described first), JSON
//! request/response exchanges, transport failures explained and classified
//! (certificate problems are permanent), and retries with exponential
//! backoff + equal jitter on 429/5xx/transient failures, bounded by a total
//! time budget that also caps each attempt (`Retry-After` honoured).
//!
//! What an answer means (error bodies, ETags, which status is a conflict)
//! stays with each client: this crate knows HTTP, not Keywhiz or the Registry.

mod config;
mod exchange;
mod failure;
mod identity;
mod retry;

pub use config::{ClientConfig, ConfigError, Endpoint};
pub use exchange::{exchange, path_segment, Response};
pub use failure::{chain, FailureKind, TransportFailure};
pub use identity::{describe, inspect, now_unix, utc, IdentityError, PresentedIdentity};
pub use retry::{parse_retry_after, retryable_status, RetryPolicy, RetryableError};
