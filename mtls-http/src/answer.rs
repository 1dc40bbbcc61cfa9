//! What a call's outcome means, judged one way for every client: a 2xx body
//! decoded as the expected type, any other status the client's own error
//! (built from the status, headers, body and, on 401/403, the certificate we
//! presented), a missing answer a transport error. Each client keeps its own
//! error enum and says, through [`ClientError`], how its variants are made;
//! the judging, the retry decision and the sending live here once.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::failure::TransportFailure;
use crate::retry::retryable_status;

/// The request an outcome belongs to; every error names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
}

/// A non-success answer, as a client's error is built from it.
#[derive(Debug, Clone, Copy)]
pub struct Refusal<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Our certificate, described, when the status is 401 or 403 (so the
    /// error says who was refused); `None` otherwise.
    pub presented: Option<&'a str>,
}

impl Refusal<'_> {
    /// A header of the answer as text, if present and readable.
    pub fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a client's error enum is made from a failed call, and what the retry
/// loop and callers need to know of it.
pub trait ClientError: Sized {
    /// The server answered with a non-2xx status.
    fn refused(call: Call<'_>, refusal: &Refusal<'_>) -> Self;
    /// No answer came (connect, TLS, reset, timeout); `failure` says why.
    fn unanswered(call: Call<'_>, failure: TransportFailure, source: reqwest::Error) -> Self;
    /// A body (the answer's, or the request's being encoded) did not have
    /// the expected shape.
    fn malformed(call: Call<'_>, detail: String) -> Self;
    /// Retries stopped after `attempts` (more than one); `last` is the final failure.
    fn gave_up(last: Self, attempts: u32, elapsed: Duration) -> Self;

    /// The status of the answer behind this error, if one came (through
    /// [`ClientError::gave_up`] too).
    fn status(&self) -> Option<u16>;
    /// Why no answer came, if none did (through [`ClientError::gave_up`] too).
    fn transport_failure(&self) -> Option<&TransportFailure>;

    /// Whether another attempt may succeed: 429 and most 5xx, and transport
    /// failures that are not permanent (never a certificate problem).
    fn is_retryable(&self) -> bool {
        match self.transport_failure() {
            Some(failure) => !failure.is_permanent(),
            None => self.status().is_some_and(retryable_status),
        }
    }
}

/// Judge a whole answer (status and body; no headers, no certificate): 2xx
/// → `body` decoded as `T`, any other status → [`ClientError::refused`].
/// What the clients' `decode_answer` (and so their fuzz targets) run.
pub fn judge<T: DeserializeOwned, E: ClientError>(
    call: Call<'_>,
    status: u16,
    body: &[u8],
) -> Result<T, E> {
    if !(200..300).contains(&status) {
        let refusal = Refusal {
            status,
            headers: &HeaderMap::new(),
            body,
            presented: None,
        };
        return Err(E::refused(call, &refusal));
    }
    decode(call, status, body)
}

/// A success answer's body decoded as `T`.
pub fn decode<T: DeserializeOwned, E: ClientError>(
    call: Call<'_>,
    status: u16,
    body: &[u8],
) -> Result<T, E> {
    serde_json::from_slice(body).map_err(|e| E::malformed(call, format!("{e} (HTTP {status})")))
}

/// A request body as JSON.
pub fn encode<E: ClientError>(call: Call<'_>, value: &impl Serialize) -> Result<Vec<u8>, E> {
    serde_json::to_vec(value).map_err(|e| E::malformed(call, format!("encoding request: {e}")))
}

/// The start of an error body that is not the expected JSON: its first 200
/// characters, so that a long page never floods a message.
pub fn body_start(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client error that records how it was made.
    #[derive(Debug, PartialEq)]
    enum Made {
        Refused(u16, String),
        Malformed(String),
        Transport,
    }

    impl ClientError for Made {
        fn refused(call: Call<'_>, r: &Refusal<'_>) -> Self {
            Made::Refused(r.status, format!("{} {}", call.method, call.path))
        }
        fn unanswered(_: Call<'_>, _: TransportFailure, _: reqwest::Error) -> Self {
            Made::Transport
        }
        fn malformed(_: Call<'_>, detail: String) -> Self {
            Made::Malformed(detail)
        }
        fn gave_up(last: Self, _: u32, _: Duration) -> Self {
            last
        }
        fn status(&self) -> Option<u16> {
            match self {
                Made::Refused(s, _) => Some(*s),
                _ => None,
            }
        }
        fn transport_failure(&self) -> Option<&TransportFailure> {
            None
        }
    }

    const CALL: Call<'static> = Call {
        method: "GET",
        path: "/things/1",
    };

    fn answer(status: u16, body: &[u8]) -> Result<Vec<u32>, Made> {
        judge(CALL, status, body)
    }

    #[test]
    fn a_success_is_decoded_and_anything_else_is_the_client_s_error() {
        assert_eq!(answer(200, b"[1,2]"), Ok(vec![1, 2]));
        assert_eq!(answer(204, b"[]"), Ok(vec![]));
        assert_eq!(
            answer(404, b"[1,2]"),
            Err(Made::Refused(404, "GET /things/1".into()))
        );
        assert_eq!(
            answer(302, b""),
            Err(Made::Refused(302, "GET /things/1".into()))
        );
        match answer(200, b"{\"a\":1}") {
            Err(Made::Malformed(detail)) => assert!(detail.ends_with("(HTTP 200)"), "{detail}"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn only_throttling_and_server_errors_are_retried() {
        for (status, retried) in [(429, true), (503, true), (501, false), (412, false)] {
            assert_eq!(
                Made::Refused(status, String::new()).is_retryable(),
                retried,
                "{status}"
            );
        }
        assert!(!Made::Malformed(String::new()).is_retryable());
    }

    #[test]
    fn a_long_body_is_cut() {
        assert_eq!(body_start(&[b'x'; 500]).len(), 200);
        assert_eq!(body_start("é".as_bytes()), "é");
    }
}
