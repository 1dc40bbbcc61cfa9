//! The HTTP machinery shared by the s2s clients (keywhiz-client,
//! registry-client): an mTLS `reqwest::Client` built from a PEM identity and
//! CA bundle (the identity checked and described first), JSON
//! request/response exchanges, transport failures explained and classified
//! (certificate problems are permanent), and retries with exponential
//! backoff + equal jitter on 429/5xx/transient failures, bounded by a total
//! time budget that also caps each attempt (`Retry-After` honoured).
//!
//! One judge of an answer for every client ([`judge`], [`Endpoint::send`]):
//! what an answer means in the client's terms (error bodies, ETags, which
//! status is a conflict) is the client's [`ClientError`]: this crate knows
//! HTTP, not Keywhiz or the Registry.

mod answer;
mod config;
mod exchange;
mod failure;
mod identity;
mod retry;

pub use answer::{body_start, decode, encode, judge, Call, ClientError, Refusal};
pub use config::{ClientConfig, ConfigError, Endpoint};
pub use exchange::{exchange, path_segment, Response};
pub use failure::{chain, FailureKind, TransportFailure};
pub use identity::{describe, inspect, now_unix, utc, IdentityError, PresentedIdentity};
pub use retry::{parse_retry_after, retryable_status, RetryPolicy};
