//! The HTTP machinery shared by the s2s clients (keywhiz-client,
//! registry-client): an mTLS `reqwest::Client` built from a PEM identity and
//! CA bundle, JSON request/response exchanges, and retries with exponential
//! backoff + equal jitter on 429/5xx/transport errors, bounded by a total
//! timeout (`Retry-After` honoured).
//!
//! What an answer means (error bodies, ETags, which status is a conflict)
//! stays with each client: this crate knows HTTP, not Keywhiz or the Registry.

mod config;
mod exchange;
mod retry;

pub use config::{ClientConfig, ConfigError, Endpoint};
pub use exchange::{exchange, path_segment, Response};
pub use retry::{parse_retry_after, retryable_status, RetryPolicy, RetryableError};
