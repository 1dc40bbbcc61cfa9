//! One request/response exchange, a whole call (attempts with retries, the
//! status judged into the client's error) and the path encoding of names.

use std::time::Duration;

use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::answer::{decode, encode, Call, ClientError, Refusal};
use crate::config::Endpoint;
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

impl Endpoint {
    /// [`Endpoint::send`], and the 2xx answer's body decoded as `T`, with
    /// the answer's headers (an `ETag`, say).
    pub async fn json<T: DeserializeOwned, E: ClientError>(
        &self,
        method: Method,
        path: &str,
        prepare: impl Fn(RequestBuilder) -> RequestBuilder,
        body: Option<&impl Serialize>,
    ) -> Result<(T, HeaderMap), E> {
        let answer = self.send(method.clone(), path, prepare, body).await?;
        let call = Call {
            method: method.as_str(),
            path,
        };
        let value = decode(call, answer.status.as_u16(), &answer.body)?;
        Ok((value, answer.headers))
    }

    /// One call, retried by the endpoint's policy: each attempt is `method
    /// path` with `body` as JSON and whatever `prepare` adds (preconditions);
    /// a 2xx answer is returned whole, any other status is the client's
    /// [`ClientError::refused`] (our certificate described on 401/403), no
    /// answer its [`ClientError::unanswered`].
    pub async fn send<E: ClientError>(
        &self,
        method: Method,
        path: &str,
        prepare: impl Fn(RequestBuilder) -> RequestBuilder,
        body: Option<&impl Serialize>,
    ) -> Result<Response, E> {
        let call = Call {
            method: method.as_str(),
            path,
        };
        let body = body.map(|b| encode(call, b)).transpose()?;
        let body = body.as_deref();
        self.retry()
            .run(|left| {
                let request = prepare(self.request(method.clone(), path, left));
                self.attempt(call, request, body)
            })
            .await
    }

    /// One attempt of [`Endpoint::send`], with the server's `Retry-After`
    /// when it fails.
    async fn attempt<E: ClientError>(
        &self,
        call: Call<'_>,
        request: RequestBuilder,
        body: Option<&[u8]>,
    ) -> Result<Response, (E, Option<Duration>)> {
        let answer = exchange(request, body)
            .await
            .map_err(|source| (E::unanswered(call, self.failure(&source), source), None))?;
        if answer.status.is_success() {
            return Ok(answer);
        }
        let status = answer.status.as_u16();
        let presented = matches!(status, 401 | 403).then(|| self.presented().to_string());
        let refusal = Refusal {
            status,
            headers: &answer.headers,
            body: &answer.body,
            presented: presented.as_deref(),
        };
        Err((E::refused(call, &refusal), answer.retry_after()))
    }
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
