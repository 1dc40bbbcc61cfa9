//! The localhost HTTP/1.1 server every runtime reaches without a library.
//!
//! Two forms of address (ARCHITECTURE.md, "The mesh path"):
//! * forward proxy: `HTTP_PROXY=http://127.0.0.1:<port>`, and the function
//!   calls `http://<environment>.<app>.<mesh_domain>/path` (absolute-form);
//! * reverse proxy: `http://127.0.0.1:<port>/<app>/path` (origin-form).
//!
//! SSRF defences, as AWS's own secrets agent has them: the listener is on
//! 127.0.0.1 only; a request carrying `X-Forwarded-For` came through some
//! other proxy and is refused; and unless switched off, each request must
//! carry the sandbox's token (`X-S2S-Token`, or as the password of
//! `Proxy-Authorization: Basic`), which an attacker who can only make the
//! function fetch a URL cannot add. The token is never forwarded.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

use crate::client::{full_body, BoxError, MeshBody, MeshClient};
use crate::log;

/// The header that carries the sandbox's token.
pub const TOKEN_HEADER: &str = "x-s2s-token";
/// Health path (not an app: app names cannot start with `_`). No token needed.
pub const HEALTH_PATH: &str = "/__s2s/health";

/// Headers of one hop only (RFC 9110 §7.6.1), never passed on.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The proxy: a mesh client behind the SSRF checks.
pub struct Proxy {
    client: Arc<MeshClient>,
    token: Option<String>,
    in_flight: AtomicUsize,
    idle: Notify,
}

struct Refusal {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            kind,
            message: message.into(),
        }
    }

    fn into_response(self) -> Response<MeshBody> {
        let mut response = Response::new(full_body(format!("s2s-mtls-proxy: {}\n", self.message)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert("x-s2s-error", HeaderValue::from_static(self.kind));
        response
    }
}

struct InFlight<'a>(&'a Proxy);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Proxy {
    /// `token`: the value requests must carry, or `None` to switch the check off.
    pub fn new(client: Arc<MeshClient>, token: Option<String>) -> Arc<Proxy> {
        Arc::new(Proxy {
            client,
            token,
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        })
    }

    pub fn client(&self) -> &Arc<MeshClient> {
        &self.client
    }

    /// Serves connections from `listener` until `stop` turns true.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stop.wait_for(|s| *s) => return,
            };
            let (tcp, _) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    log::warn("proxy.accept_failed", json!({"error": e.to_string()}));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let proxy = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| proxy.clone().handle(req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    }

    /// Waits until no request is in flight, at most `limit`; true if drained.
    pub async fn drain(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let idle = self.idle.notified();
            if self.in_flight.load(Ordering::Acquire) == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.in_flight.load(Ordering::Acquire) == 0;
            }
        }
    }

    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<MeshBody>, Infallible> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let _in_flight = InFlight(&self);
        let started = Instant::now();
        // What the debug line needs, kept only when it will be written.
        let logged = log::enabled(log::Level::Debug)
            .then(|| (req.method().to_string(), req.uri().path().to_owned()));
        let (app, answer) = self.answer(req).await;
        let (response, error) = match answer {
            Ok(response) => (response, None),
            Err(refusal) => {
                let kind = refusal.kind;
                (refusal.into_response(), Some(kind))
            }
        };
        if let Some((method, path)) = logged {
            log::debug(
                "request",
                json!({
                    "app": app,
                    "method": method,
                    "path": path,
                    "status": response.status().as_u16(),
                    "error": error,
                    "ms": started.elapsed().as_secs_f64() * 1000.0,
                }),
            );
        }
        Ok(response)
    }

    async fn answer(
        &self,
        req: Request<Incoming>,
    ) -> (Option<String>, Result<Response<MeshBody>, Refusal>) {
        if req.headers().contains_key("x-forwarded-for") {
            return (None, Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "forwarded",
                "requests carrying X-Forwarded-For are refused: this proxy serves the processes of its own Lambda sandbox only (SSRF defence)",
            )));
        }
        if req.uri().authority().is_none() && req.uri().path() == HEALTH_PATH {
            return (None, Ok(self.health()));
        }
        if let Some(token) = &self.token {
            if !authorized(req.headers(), token) {
                return (None, Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "token",
                    "missing or wrong X-S2S-Token header: send the value of AWS_SESSION_TOKEN (or set S2S_PROXY_TOKEN_VARIABLE=none to switch the check off)",
                )));
            }
        }
        if req.method() == Method::CONNECT {
            return (None, Err(Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "connect",
                "CONNECT is not supported: s2s-mtls-proxy makes the TLS connection itself; call http:// (not https://) mesh URLs through HTTP_PROXY",
            )));
        }
        let (app, path) = match self.target(req.uri()) {
            Ok(t) => t,
            Err(refusal) => return (None, Err(refusal)),
        };
        let answer = self.forward(&app, path, req).await;
        (Some(app), answer)
    }

    /// The app and the path (with query) a request is for.
    fn target(&self, uri: &Uri) -> Result<(String, String), Refusal> {
        let bad = |e: String| Refusal::new(StatusCode::BAD_REQUEST, "address", e);
        if let Some(authority) = uri.authority() {
            if uri.scheme_str() != Some("http") {
                return Err(bad(format!(
                    "only http:// URLs can be proxied (got {uri}); s2s-mtls-proxy adds the TLS"
                )));
            }
            if authority.port_u16().is_some_and(|p| p != 80) {
                return Err(bad(format!(
                    "mesh URLs carry no port ({authority}): the gateway routes by name"
                )));
            }
            let app = self
                .client
                .addressing()
                .app_of_host(authority.host())
                .map_err(|e| bad(e.to_string()))?;
            let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            return Ok((app, path.to_owned()));
        }
        let usage = || {
            bad(format!(
                "the reverse-proxy form is http://127.0.0.1:<port>/<app>/<path> (got {uri}); or set HTTP_PROXY and call http://{}.<app>.{}/<path>",
                self.client.addressing().environment(),
                self.client.addressing().mesh_domain()
            ))
        };
        let rest = uri.path().strip_prefix('/').ok_or_else(usage)?;
        let (app, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if s2s_core::validate_app(app).is_err() {
            return Err(usage());
        }
        let mut path = format!("/{tail}");
        if let Some(query) = uri.query() {
            path.push('?');
            path.push_str(query);
        }
        Ok((app.to_owned(), path))
    }

    async fn forward(
        &self,
        app: &str,
        path: String,
        req: Request<Incoming>,
    ) -> Result<Response<MeshBody>, Refusal> {
        let (mut parts, body) = req.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        parts.headers.remove(TOKEN_HEADER);
        parts.uri = path.parse().map_err(|e: http::uri::InvalidUri| {
            Refusal::new(StatusCode::BAD_REQUEST, "address", e.to_string())
        })?;
        let request = Request::from_parts(parts, body.map_err(BoxError::from).boxed());
        match self.client.send(app, request).await {
            Ok(response) => {
                let (mut parts, body) = response.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                parts.version = Version::HTTP_11;
                Ok(Response::from_parts(
                    parts,
                    body.map_err(BoxError::from).boxed(),
                ))
            }
            Err(e) => Err(Refusal::new(e.status(), e.kind(), e.to_string())),
        }
    }

    fn health(&self) -> Response<MeshBody> {
        let holder = self.client.certificates();
        let certificate = holder.peek().map(
            |c| json!({"serial": c.serial, "not_after": cert_bundle::format_rfc3339(c.not_after)}),
        );
        let body = json!({
            "status": "ok",
            "spiffe_id": holder.expected_spiffe_id(),
            "certificate": certificate,
            // Why no (renewed) certificate could be read, while that lasts.
            "certificate_error": holder.last_error(),
        });
        let mut response = Response::new(full_body(body.to_string()));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// `X-S2S-Token: <token>`, or `Proxy-Authorization: Basic` with the token as
/// the password (what a client sends for `HTTP_PROXY=http://s2s:<token>@...`).
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    if let Some(value) = headers.get(TOKEN_HEADER) {
        return same(value.as_bytes(), token.as_bytes());
    }
    let Some(basic) = headers
        .get("proxy-authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()
        .and_then(|decoded| {
            let colon = decoded.iter().position(|b| *b == b':')?;
            Some(same(&decoded[colon + 1..], token.as_bytes()))
        })
        .unwrap_or(false)
}

/// Compares in time that depends on the length only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_as_a_header_or_as_the_proxy_password() {
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, "tok"));
        h.insert(TOKEN_HEADER, HeaderValue::from_static("tok"));
        assert!(authorized(&h, "tok"));
        assert!(!authorized(&h, "toke"));
        let mut h = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("s2s:tok");
        h.insert(
            "proxy-authorization",
            HeaderValue::from_str(&format!("Basic {basic}")).unwrap(),
        );
        assert!(authorized(&h, "tok"));
        assert!(!authorized(&h, "other"));
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_go() {
        let mut h = HeaderMap::new();
        h.insert(
            CONNECTION,
            HeaderValue::from_static("keep-alive, x-private"),
        );
        h.insert("x-private", HeaderValue::from_static("1"));
        h.insert("proxy-authorization", HeaderValue::from_static("Basic x"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("x-kept"));
    }
}
