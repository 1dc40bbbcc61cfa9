//! `RegistryClient`: mTLS transport with retries, and the typed, ETag-aware calls.

use std::time::Duration;

use mtls_http::{ClientConfig, Endpoint, Response, RetryPolicy};
use reqwest::header::{HeaderMap, HeaderValue, ETAG, IF_MATCH, IF_NONE_MATCH};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::types::*;

/// A Registry object that carries the ETag it was read or written at: the
/// client sets it from the answer's `ETag` header, so no caller copies it.
trait Tagged {
    fn set_etag(&mut self, etag: String);
}

impl Tagged for App {
    fn set_etag(&mut self, etag: String) {
        self.etag = etag;
    }
}

impl Tagged for Function {
    fn set_etag(&mut self, etag: String) {
        self.etag = etag;
    }
}

/// What a write is conditioned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pre<'a> {
    None,
    Create,
    Match(&'a str),
}

/// The Registry client. Cheap to clone.
#[derive(Clone)]
pub struct RegistryClient {
    endpoint: Endpoint,
    retry: RetryPolicy,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("base", &self.endpoint.base())
            .finish_non_exhaustive()
    }
}

fn seg(s: &str) -> String {
    mtls_http::path_segment(s, b"")
}

impl RegistryClient {
    pub fn new(config: &ClientConfig) -> Result<Self> {
        Ok(Self {
            endpoint: config
                .endpoint(concat!("s2s-registry-client/", env!("CARGO_PKG_VERSION")))?,
            retry: config.retry,
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        pre: Pre<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Response> {
        self.retry
            .run(|left| self.once(&method, path, pre, body.as_deref(), left))
            .await
    }

    /// The certificate this client presents.
    pub fn presented(&self) -> &mtls_http::PresentedIdentity {
        self.endpoint.presented()
    }

    async fn once(
        &self,
        method: &Method,
        path: &str,
        pre: Pre<'_>,
        body: Option<&[u8]>,
        left: Duration,
    ) -> Result<Response, (Error, Option<Duration>)> {
        let mut req = self.endpoint.request(method.clone(), path, left);
        match pre {
            Pre::None => {}
            Pre::Create => req = req.header(IF_NONE_MATCH, "*"),
            Pre::Match(tag) => req = req.header(IF_MATCH, tag),
        }
        let a = mtls_http::exchange(req, body).await.map_err(|source| {
            let err = Error::Transport {
                method: method.to_string(),
                path: path.to_owned(),
                failure: self.endpoint.failure(&source),
                source,
            };
            (err, None)
        })?;
        let status = a.status.as_u16();
        if (200..300).contains(&status) {
            return Ok(a);
        }
        let err = status_error(
            method.as_str(),
            path,
            status,
            &a.body,
            header_str(&a.headers, ETAG),
            matches!(status, 401 | 403).then(|| self.presented().to_string()),
        );
        Err((err, a.retry_after()))
    }

    fn decode<T: DeserializeOwned>(method: &Method, path: &str, a: &Response) -> Result<T> {
        decode_answer(method.as_str(), path, a.status.as_u16(), &a.body)
    }

    /// A call whose answer is one object and its `ETag` header, which the
    /// returned object carries.
    async fn tagged<T: DeserializeOwned + Tagged>(
        &self,
        method: Method,
        path: &str,
        pre: Pre<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<T> {
        let a = self.send(method.clone(), path, pre, body).await?;
        let etag = header_str(&a.headers, ETAG).ok_or_else(|| Error::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            detail: "no ETag header".into(),
        })?;
        let mut value: T = Self::decode(&method, path, &a)?;
        value.set_etag(etag);
        Ok(value)
    }

    fn json<T: serde::Serialize>(method: &Method, path: &str, v: &T) -> Result<Vec<u8>> {
        serde_json::to_vec(v).map_err(|e| Error::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            detail: format!("encoding request: {e}"),
        })
    }

    // ---- authorisation ----

    /// `GET /v1/access/apps/{app}`: whether this client's identity may change
    /// the app (the same rule the app's and its functions' writes get). The
    /// app need not exist.
    pub async fn access(&self, app: &str) -> Result<Access> {
        let path = format!("/v1/access/apps/{}", seg(app));
        let a = self.send(Method::GET, &path, Pre::None, None).await?;
        Self::decode(&Method::GET, &path, &a)
    }

    // ---- apps ----

    /// `GET /v1/apps`: every app (each with its `etag`).
    pub async fn list_apps(&self) -> Result<Vec<App>> {
        let a = self.send(Method::GET, "/v1/apps", Pre::None, None).await?;
        Ok(Self::decode::<AppList>(&Method::GET, "/v1/apps", &a)?.apps)
    }

    /// `GET /v1/apps?certificate_generation=true`: the certificate issuer's work list.
    pub async fn list_certificate_apps(&self) -> Result<Vec<App>> {
        let path = "/v1/apps?certificate_generation=true";
        let a = self.send(Method::GET, path, Pre::None, None).await?;
        Ok(Self::decode::<AppList>(&Method::GET, path, &a)?.apps)
    }

    /// `GET /v1/apps/{app}`, carrying its ETag.
    pub async fn get_app(&self, app: &str) -> Result<App> {
        self.tagged(
            Method::GET,
            &format!("/v1/apps/{}", seg(app)),
            Pre::None,
            None,
        )
        .await
    }

    /// `PUT /v1/apps/{app}` with `If-None-Match: *` (412 → [`Error::Conflict`] if it exists).
    pub async fn create_app(&self, app: &str, spec: &AppSpec) -> Result<App> {
        let path = format!("/v1/apps/{}", seg(app));
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.tagged(Method::PUT, &path, Pre::Create, Some(body))
            .await
    }

    /// `PUT /v1/apps/{app}` with `If-Match: etag` (412 → [`Error::Conflict`] on a lost race).
    pub async fn update_app(&self, app: &str, spec: &AppSpec, etag: &str) -> Result<App> {
        let path = format!("/v1/apps/{}", seg(app));
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.tagged(Method::PUT, &path, Pre::Match(etag), Some(body))
            .await
    }

    /// `DELETE /v1/apps/{app}` with `If-Match: etag`.
    pub async fn delete_app(&self, app: &str, etag: &str) -> Result<()> {
        self.send(
            Method::DELETE,
            &format!("/v1/apps/{}", seg(app)),
            Pre::Match(etag),
            None,
        )
        .await
        .map(|_| ())
    }

    // ---- functions ----

    /// `GET /v1/apps/{app}/functions`: all of an app's functions in one call.
    pub async fn list_functions(&self, app: &str) -> Result<Vec<Function>> {
        let path = format!("/v1/apps/{}/functions", seg(app));
        let a = self.send(Method::GET, &path, Pre::None, None).await?;
        Ok(Self::decode::<FunctionList>(&Method::GET, &path, &a)?.functions)
    }

    /// `GET /v1/functions?certificate_generation=true`: the functions of every app
    /// with the flag on, in one call (the certificate issuer's reader roles).
    pub async fn list_certificate_functions(&self) -> Result<Vec<Function>> {
        let path = "/v1/functions?certificate_generation=true";
        let a = self.send(Method::GET, path, Pre::None, None).await?;
        Ok(Self::decode::<FunctionList>(&Method::GET, path, &a)?.functions)
    }

    fn function_path(app: &str, account_id: &str, function_name: &str) -> String {
        format!(
            "/v1/apps/{}/functions/{}/{}",
            seg(app),
            seg(account_id),
            seg(function_name)
        )
    }

    pub async fn get_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
    ) -> Result<Function> {
        let path = Self::function_path(app, account_id, function_name);
        self.tagged(Method::GET, &path, Pre::None, None).await
    }

    /// Register a function (`If-None-Match: *`).
    pub async fn create_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
        spec: &FunctionSpec,
    ) -> Result<Function> {
        let path = Self::function_path(app, account_id, function_name);
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.tagged(Method::PUT, &path, Pre::Create, Some(body))
            .await
    }

    /// Update a function (`If-Match: etag`).
    pub async fn update_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
        spec: &FunctionSpec,
        etag: &str,
    ) -> Result<Function> {
        let path = Self::function_path(app, account_id, function_name);
        let body = Self::json(&Method::PUT, &path, spec)?;
        self.tagged(Method::PUT, &path, Pre::Match(etag), Some(body))
            .await
    }

    pub async fn delete_function(
        &self,
        app: &str,
        account_id: &str,
        function_name: &str,
        etag: &str,
    ) -> Result<()> {
        let path = Self::function_path(app, account_id, function_name);
        self.send(Method::DELETE, &path, Pre::Match(etag), None)
            .await
            .map(|_| ())
    }
}

fn header_str(h: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_owned)
}

/// The error of a non-success answer: 412 is a [`Error::Conflict`] (with the
/// current ETag), anything else a [`Error::Status`] with Registry's code and
/// message (and, for 401 and 403, the identity we presented).
pub fn status_error(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
    current_etag: Option<String>,
    presented: Option<String>,
) -> Error {
    let (code, message) = error_fields(body);
    if status == 412 {
        Error::Conflict {
            method: method.to_owned(),
            path: path.to_owned(),
            message,
            current_etag,
        }
    } else {
        Error::Status {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            code,
            message,
            presented,
        }
    }
}

/// Judge a whole answer as every call does: a 2xx body decoded as `T`, any
/// other status a [`status_error`]. Public so that the fuzz targets drive
/// exactly this code with arbitrary bodies.
pub fn decode_answer<T: DeserializeOwned>(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
) -> Result<T> {
    if !(200..300).contains(&status) {
        return Err(status_error(method, path, status, body, None, None));
    }
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

/// `{"error":{"code","message"}}` → (code, message); else the start of the body.
fn error_fields(body: &[u8]) -> (String, String) {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let e = &v["error"];
        if let Some(m) = e["message"].as_str() {
            return (
                e["code"].as_str().unwrap_or_default().to_owned(),
                m.to_owned(),
            );
        }
    }
    (
        String::new(),
        String::from_utf8_lossy(body).chars().take(200).collect(),
    )
}
