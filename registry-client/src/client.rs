//! `RegistryClient`: the typed, ETag-aware calls, and what a Registry refusal
//! means (412 is a conflict). Sending, retrying and decoding are `mtls_http`'s.

use mtls_http::{Call, ClientError, Endpoint};
use reqwest::header::{ETAG, IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::types::*;
use crate::ClientConfig;

/// What a write is conditioned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pre<'a> {
    None,
    Create,
    Match(&'a str),
}

impl Pre<'_> {
    fn apply(self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Pre::None => request,
            Pre::Create => request.header(IF_NONE_MATCH, "*"),
            Pre::Match(tag) => request.header(IF_MATCH, tag),
        }
    }
}

/// The Registry client. Cheap to clone.
#[derive(Clone)]
pub struct RegistryClient {
    endpoint: Endpoint,
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
        })
    }

    /// The certificate this client presents.
    pub fn presented(&self) -> &mtls_http::PresentedIdentity {
        self.endpoint.presented()
    }

    /// A `GET` whose answer is JSON of type `T`.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let none = None::<&()>;
        let answer = self.endpoint.json(Method::GET, path, |r| r, none);
        answer.await.map(|(value, _headers)| value)
    }

    /// A call under `pre` whose answer is one object and its `ETag` header,
    /// which the returned record carries.
    async fn record<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        pre: Pre<'_>,
        spec: Option<&impl Serialize>,
    ) -> Result<Record<T>> {
        let call = Call {
            method: method.as_str(),
            path,
        };
        let (mut record, headers) = self
            .endpoint
            .json::<Record<T>, Error>(method.clone(), path, |r| pre.apply(r), spec)
            .await?;
        record.etag = headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::malformed(call, "no ETag header".into()))?
            .to_owned();
        Ok(record)
    }

    /// A delete guarded by `etag`.
    async fn delete(&self, path: &str, etag: &str) -> Result<()> {
        let none = None::<&()>;
        let delete =
            self.endpoint
                .send::<Error>(Method::DELETE, path, |r| Pre::Match(etag).apply(r), none);
        delete.await.map(|_| ())
    }

    // ---- authorisation ----

    /// `GET /v1/access/apps/{app}`: whether this client's identity may change
    /// the app (the same rule the app's and its functions' writes get). The
    /// app need not exist.
    pub async fn access(&self, app: &str) -> Result<Access> {
        self.get(&format!("/v1/access/apps/{}", seg(app))).await
    }

    // ---- apps ----

    /// `GET /v1/apps`: every app (each with its `etag`).
    pub async fn list_apps(&self) -> Result<Vec<App>> {
        Ok(self.get::<AppList>("/v1/apps").await?.apps)
    }

    /// `GET /v1/apps?certificate_generation=true`: the certificate issuer's work list.
    pub async fn list_certificate_apps(&self) -> Result<Vec<App>> {
        let path = "/v1/apps?certificate_generation=true";
        Ok(self.get::<AppList>(path).await?.apps)
    }

    /// `GET /v1/apps/{app}`, carrying its ETag.
    pub async fn get_app(&self, app: &str) -> Result<App> {
        let path = format!("/v1/apps/{}", seg(app));
        self.record(Method::GET, &path, Pre::None, None::<&()>)
            .await
    }

    /// `PUT /v1/apps/{app}` with `If-None-Match: *` (412 → [`Error::Conflict`] if it exists).
    pub async fn create_app(&self, app: &str, spec: &AppSpec) -> Result<App> {
        let path = format!("/v1/apps/{}", seg(app));
        self.record(Method::PUT, &path, Pre::Create, Some(spec))
            .await
    }

    /// `PUT /v1/apps/{app}` with `If-Match: etag` (412 → [`Error::Conflict`] on a lost race).
    pub async fn update_app(&self, app: &str, spec: &AppSpec, etag: &str) -> Result<App> {
        let path = format!("/v1/apps/{}", seg(app));
        self.record(Method::PUT, &path, Pre::Match(etag), Some(spec))
            .await
    }

    /// `DELETE /v1/apps/{app}` with `If-Match: etag`.
    pub async fn delete_app(&self, app: &str, etag: &str) -> Result<()> {
        self.delete(&format!("/v1/apps/{}", seg(app)), etag).await
    }

    // ---- functions ----

    /// `GET /v1/apps/{app}/functions`: all of an app's functions in one call.
    pub async fn list_functions(&self, app: &str) -> Result<Vec<Function>> {
        let path = format!("/v1/apps/{}/functions", seg(app));
        Ok(self.get::<FunctionList>(&path).await?.functions)
    }

    /// `GET /v1/functions?certificate_generation=true`: the functions of every app
    /// with the flag on, in one call (the certificate issuer's reader roles).
    pub async fn list_certificate_functions(&self) -> Result<Vec<Function>> {
        let path = "/v1/functions?certificate_generation=true";
        Ok(self.get::<FunctionList>(path).await?.functions)
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
        self.record(Method::GET, &path, Pre::None, None::<&()>)
            .await
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
        self.record(Method::PUT, &path, Pre::Create, Some(spec))
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
        self.record(Method::PUT, &path, Pre::Match(etag), Some(spec))
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
        self.delete(&path, etag).await
    }
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

/// Judge a whole answer as every call does ([`mtls_http::judge`]): a 2xx
/// body decoded as `T`, any other status a [`status_error`]. Public so that the fuzz targets drive
/// exactly this code with arbitrary bodies.
pub fn decode_answer<T: DeserializeOwned>(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
) -> Result<T> {
    mtls_http::judge(Call { method, path }, status, body)
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
    (String::new(), mtls_http::body_start(body))
}
