//! The AWS side of the issuer's SDK clients: runtime-support's HTTP client,
//! call counter and error text, with the issuer's first retry backoff.

use std::time::Duration;

use aws_smithy_types::retry::RetryConfig;

pub use runtime_support::aws::*;

/// Standard retry mode from 100 ms: the issuer's calls are few and each job
/// waits on them.
pub fn retry_config(attempts: u32) -> RetryConfig {
    runtime_support::aws::retry_config(attempts, Duration::from_millis(100))
}
