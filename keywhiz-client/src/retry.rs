//! Which Keywhiz failures are worth another attempt (429, 5xx, transient
//! transport failures; never a certificate problem); the policy and the loop
//! are `mtls_http`'s.

use std::time::Duration;

use mtls_http::{retryable_status, RetryableError};

use crate::error::Error;

impl RetryableError for Error {
    fn is_retryable(&self) -> bool {
        match self {
            Error::Status { status, .. } => retryable_status(*status),
            Error::Transport { failure, .. } => !failure.is_permanent(),
            _ => false,
        }
    }

    fn gave_up(last: Self, attempts: u32, elapsed: Duration) -> Self {
        Error::GaveUp {
            attempts,
            elapsed,
            last: Box::new(last),
        }
    }
}
