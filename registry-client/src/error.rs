//! Errors that name the request; 412 is its own variant. How `mtls_http`
//! builds them from a failed call is [`ClientError`].

use std::time::Duration;

use mtls_http::{Call, ClientError, Refusal, TransportFailure};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 412: the precondition did not hold (lost race, already exists, gone).
    /// Nothing was changed. `current_etag` is the resource's ETag now, if it exists.
    #[error("Registry {method} {path}: conflict (HTTP 412): {message}")]
    Conflict {
        method: String,
        path: String,
        message: String,
        current_etag: Option<String>,
    },
    /// Any other non-success status; `code`/`message` from the error body.
    /// `presented` describes our certificate, for 401 and 403.
    #[error("Registry {method} {path}: HTTP {status} {code}: {message}{}", presented_suffix(.presented))]
    Status {
        method: String,
        path: String,
        status: u16,
        code: String,
        message: String,
        presented: Option<String>,
    },
    /// No answer (connect, TLS, reset, timeout); `failure` says why and
    /// whether another attempt can help.
    #[error("Registry {method} {path}: {failure}")]
    Transport {
        method: String,
        path: String,
        failure: TransportFailure,
        #[source]
        source: reqwest::Error,
    },
    #[error("Registry {method} {path}: unexpected response: {detail}")]
    Decode {
        method: String,
        path: String,
        detail: String,
    },
    #[error("{last} (gave up after {attempts} attempts in {elapsed:.1?})")]
    GaveUp {
        attempts: u32,
        elapsed: Duration,
        last: Box<Error>,
    },
    #[error("Registry client configuration: {0}")]
    Config(String),
}

fn presented_suffix(presented: &Option<String>) -> String {
    presented
        .as_deref()
        .map(|p| format!(" (presented: {p})"))
        .unwrap_or_default()
}

impl Error {
    /// How many attempts the call made (more than one: an earlier attempt may
    /// have been applied although its answer was lost).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::GaveUp { attempts, .. } => *attempts,
            _ => 1,
        }
    }

    /// The HTTP status, if the Registry answered.
    pub fn status(&self) -> Option<u16> {
        ClientError::status(self)
    }

    /// Why no answer came, if none did.
    pub fn transport_failure(&self) -> Option<&TransportFailure> {
        ClientError::transport_failure(self)
    }

    /// 412: the precondition did not hold ([`Error::Conflict`]).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(412)
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }
}

impl ClientError for Error {
    fn refused(call: Call<'_>, refusal: &Refusal<'_>) -> Self {
        crate::client::status_error(
            call.method,
            call.path,
            refusal.status,
            refusal.body,
            refusal.header(reqwest::header::ETAG).map(str::to_owned),
            refusal.presented.map(str::to_owned),
        )
    }

    fn unanswered(call: Call<'_>, failure: TransportFailure, source: reqwest::Error) -> Self {
        Error::Transport {
            method: call.method.to_owned(),
            path: call.path.to_owned(),
            failure,
            source,
        }
    }

    fn malformed(call: Call<'_>, detail: String) -> Self {
        Error::Decode {
            method: call.method.to_owned(),
            path: call.path.to_owned(),
            detail,
        }
    }

    fn gave_up(last: Self, attempts: u32, elapsed: Duration) -> Self {
        Error::GaveUp {
            attempts,
            elapsed,
            last: Box::new(last),
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            Error::Conflict { .. } => Some(412),
            Error::Status { status, .. } => Some(*status),
            Error::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }

    fn transport_failure(&self) -> Option<&TransportFailure> {
        match self {
            Error::Transport { failure, .. } => Some(failure),
            Error::GaveUp { last, .. } => last.transport_failure(),
            _ => None,
        }
    }
}

impl From<mtls_http::ConfigError> for Error {
    fn from(e: mtls_http::ConfigError) -> Self {
        Error::Config(e.0)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
