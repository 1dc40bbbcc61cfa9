//! One request/response exchange and the path encoding of names.

use std::time::Duration;

use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;

use crate::retry::parse_retry_after;

/// A whole answer, whatever its status (bodies are never logged).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    /// The server's `Retry-After`, in seconds.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()))
    }
}

/// Send `request` with an optional JSON body and read the answer in full.
/// Only a failure to get an answer (connect, TLS, reset, timeout) is an
/// error: the status is the caller's to judge.
pub async fn exchange(
    request: reqwest::RequestBuilder,
    json_body: Option<&[u8]>,
) -> Result<Response, reqwest::Error> {
    let request = match json_body {
        Some(body) => request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec()),
        None => request,
    };
    let resp = request.send().await?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await?.to_vec();
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Percent-encode one path segment: RFC 3986 unreserved characters and
/// `also_unescaped` stay as they are, every other byte becomes `%XX`.
pub fn path_segment(value: &str, also_unescaped: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || also_unescaped.contains(&b)
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments() {
        assert_eq!(path_segment("a-b_c.d~e", b""), "a-b_c.d~e");
        assert_eq!(path_segment("a:b/c d", b""), "a%3Ab%2Fc%20d");
        assert_eq!(path_segment("a:b/c", b":"), "a:b%2Fc");
    }
}
