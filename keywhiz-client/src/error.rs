//! Errors that name the request and carry Keywhiz's message, and how
//! `mtls_http` builds them from a failed call ([`ClientError`]).

use std::time::Duration;

use mtls_http::{Call, ClientError, Refusal, TransportFailure};

/// A failed Keywhiz call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Keywhiz answered with a non-success status. `message` is the `message`
    /// field of Keywhiz's `{"code":N,"message":"..."}` body (or the start of the
    /// body), with the `WWW-Authenticate` reason of a 401 and what that status
    /// means. `presented` describes our certificate, for 401 and 403.
    #[error("Keywhiz {method} {path}: HTTP {status}: {message}{}", presented_suffix(.presented))]
    Status {
        method: String,
        path: String,
        status: u16,
        message: String,
        presented: Option<String>,
    },
    /// The request did not get an answer (connect, TLS, reset, timeout);
    /// `failure` says why and whether another attempt can help.
    #[error("Keywhiz {method} {path}: {failure}")]
    Transport {
        method: String,
        path: String,
        failure: TransportFailure,
        #[source]
        source: reqwest::Error,
    },
    /// The answer did not have the expected shape.
    #[error("Keywhiz {method} {path}: unexpected response: {detail}")]
    Decode {
        method: String,
        path: String,
        detail: String,
    },
    /// Retries stopped (attempts or total timeout); `last` is the final failure.
    #[error("{last} (gave up after {attempts} attempts in {elapsed:.1?})")]
    GaveUp {
        attempts: u32,
        elapsed: Duration,
        last: Box<Error>,
    },
    /// Bad configuration (certificates, URL).
    #[error("Keywhiz client configuration: {0}")]
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
    /// have reached Keywhiz although its answer was lost).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::GaveUp { attempts, .. } => *attempts,
            _ => 1,
        }
    }

    /// The HTTP status, if Keywhiz answered.
    pub fn status(&self) -> Option<u16> {
        ClientError::status(self)
    }

    /// Why no answer came, if none did.
    pub fn transport_failure(&self) -> Option<&TransportFailure> {
        ClientError::transport_failure(self)
    }

    /// Keywhiz's message, if it answered.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Status { message, .. } => Some(message),
            Error::GaveUp { last, .. } => last.message(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 409: the name is taken (create of a group, client or secret).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}

impl ClientError for Error {
    fn refused(call: Call<'_>, refusal: &Refusal<'_>) -> Self {
        crate::answer::status_error(
            call.method,
            call.path,
            refusal.status,
            refusal.body,
            refusal.header(reqwest::header::WWW_AUTHENTICATE),
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
