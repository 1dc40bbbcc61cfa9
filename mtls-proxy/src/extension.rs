//! The Lambda Extensions API (`AWS_LAMBDA_RUNTIME_API`, `2020-01-01`):
//! register for INVOKE and SHUTDOWN, then wait on `event/next`.
//!
//! Our own small client rather than the `lambda-extension` crate, whose run
//! loop posts `init/error` when the event handler returns an error on an
//! INVOKE (a transient failure would restart the whole sandbox). Here only a
//! setting that cannot work is an init error; everything that happens while
//! serving is logged and answered per request. SHUTDOWN stops accepting,
//! lets running requests finish within Lambda's 2,000 ms budget, and exits.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::holder::CertificateHolder;
use crate::log;
use crate::proxy::Proxy;

const API_VERSION: &str = "2020-01-01";
const NAME_HEADER: &str = "Lambda-Extension-Name";
const ID_HEADER: &str = "Lambda-Extension-Identifier";
const ERROR_TYPE_HEADER: &str = "Lambda-Extension-Function-Error-Type";
/// Of Lambda's 2,000 ms shutdown budget, what we leave for exiting.
const EXIT_RESERVE_MS: i64 = 200;
/// The most a drain may take, whatever the deadline says.
const MAX_DRAIN_MS: i64 = 1_600;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the Extensions API at {addr}: {detail}")]
    Transport { addr: String, detail: String },
    #[error("the Extensions API answered {status} to {what}: {body}")]
    Status {
        what: &'static str,
        status: StatusCode,
        body: String,
    },
}

/// One event from `event/next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Invoke {
        request_id: String,
        deadline_ms: i64,
    },
    Shutdown {
        reason: String,
        deadline_ms: i64,
    },
    /// An event type this version does not know (logged, then ignored).
    Other(String),
}

impl Event {
    fn parse(body: &[u8]) -> Event {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let deadline_ms = v["deadlineMs"].as_i64().unwrap_or_default();
        match v["eventType"].as_str() {
            Some("INVOKE") => Event::Invoke {
                request_id: v["requestId"].as_str().unwrap_or_default().to_owned(),
                deadline_ms,
            },
            Some("SHUTDOWN") => Event::Shutdown {
                reason: v["shutdownReason"].as_str().unwrap_or_default().to_owned(),
                deadline_ms,
            },
            other => Event::Other(other.unwrap_or("unreadable").to_owned()),
        }
    }
}

/// A client of the Extensions API over one kept-alive connection.
pub struct ExtensionsApi {
    addr: String,
    connection: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl ExtensionsApi {
    /// `addr` is `AWS_LAMBDA_RUNTIME_API` (`host:port`).
    pub fn new(addr: impl Into<String>) -> ExtensionsApi {
        ExtensionsApi {
            addr: addr.into(),
            connection: tokio::sync::Mutex::new(None),
        }
    }

    async fn call(
        &self,
        what: &'static str,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Result<(http::HeaderMap, Bytes), ApiError> {
        let transport = |detail: String| ApiError::Transport {
            addr: self.addr.clone(),
            detail,
        };
        let mut slot = self.connection.lock().await;
        if slot.as_ref().is_none_or(|s| s.is_closed()) {
            let tcp = TcpStream::connect(&self.addr)
                .await
                .map_err(|e| transport(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .map_err(|e| transport(e.to_string()))?;
            tokio::spawn(connection);
            *slot = Some(sender);
        }
        let Some(sender) = slot.as_mut() else {
            return Err(transport("no connection".into()));
        };
        // The kept-alive connection takes the next request only once its task
        // has seen the previous answer's end; sending before that is refused
        // ("connection was not ready"), which lost an init/error report.
        if let Err(e) = sender.ready().await {
            *slot = None;
            return Err(transport(e.to_string()));
        }
        let payload = if body.is_null() {
            Bytes::new()
        } else {
            Bytes::from(body.to_string())
        };
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/{API_VERSION}/extension/{path}"))
            .header("host", &self.addr)
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(payload))
            .map_err(|e| transport(e.to_string()))?;
        let sent = sender.send_request(request).await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                *slot = None;
                return Err(transport(e.to_string()));
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                *slot = None;
                return Err(transport(e.to_string()));
            }
        };
        if !status.is_success() {
            return Err(ApiError::Status {
                what,
                status,
                body: String::from_utf8_lossy(&body).chars().take(500).collect(),
            });
        }
        Ok((headers, body))
    }

    /// Registers `name` (the executable's file name) for INVOKE and SHUTDOWN.
    pub async fn register(&self, name: &str) -> Result<String, ApiError> {
        let (headers, _) = self
            .call(
                "register",
                Method::POST,
                "register",
                &[
                    (NAME_HEADER, name),
                    ("Lambda-Extension-Accept-Feature", "accountId"),
                ],
                json!({"events": ["INVOKE", "SHUTDOWN"]}),
            )
            .await?;
        headers
            .get(ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or(ApiError::Status {
                what: "register",
                status: StatusCode::OK,
                body: format!("no {ID_HEADER} header"),
            })
    }

    /// Blocks until the next event (no timeout: the sandbox may be frozen).
    pub async fn next(&self, id: &str) -> Result<Event, ApiError> {
        let (_, body) = self
            .call(
                "event/next",
                Method::GET,
                "event/next",
                &[(ID_HEADER, id)],
                Value::Null,
            )
            .await?;
        Ok(Event::parse(&body))
    }

    /// Reports a failed init; Lambda then ends the sandbox.
    pub async fn init_error(&self, id: &str, kind: &str, message: &str) -> Result<(), ApiError> {
        self.report("init/error", id, kind, message).await
    }

    pub async fn exit_error(&self, id: &str, kind: &str, message: &str) -> Result<(), ApiError> {
        self.report("exit/error", id, kind, message).await
    }

    async fn report(
        &self,
        path: &'static str,
        id: &str,
        kind: &str,
        message: &str,
    ) -> Result<(), ApiError> {
        self.call(
            path,
            Method::POST,
            path,
            &[(ID_HEADER, id), (ERROR_TYPE_HEADER, kind)],
            json!({"errorMessage": message, "errorType": kind, "stackTrace": []}),
        )
        .await
        .map(|_| ())
    }
}

/// What init set up: the certificate holder (closed until the first
/// INVOKE), the proxy, and the switch that stops its listener.
pub struct Running {
    pub holder: Arc<CertificateHolder>,
    pub proxy: Arc<Proxy>,
    pub stop: watch::Sender<bool>,
}

/// Registers, then serves events until SHUTDOWN. `started` is init's
/// outcome: an error is reported as `init/error` and nothing else ever is.
/// Returns the process exit code.
pub async fn run(api: ExtensionsApi, name: &str, started: Result<Running, String>) -> u8 {
    let id = match api.register(name).await {
        Ok(id) => id,
        Err(e) => {
            log::error("extension.register_failed", json!({"error": e.to_string()}));
            return 1;
        }
    };
    let running = match started {
        Ok(running) => running,
        Err(message) => {
            log::error("extension.init_failed", json!({"error": message}));
            if let Err(e) = api
                .init_error(&id, "Extension.ConfigInvalid", &message)
                .await
            {
                log::error(
                    "extension.init_error_failed",
                    json!({"error": e.to_string()}),
                );
            }
            return 1;
        }
    };
    let mut failures: u32 = 0;
    loop {
        match api.next(&id).await {
            Ok(Event::Invoke { request_id, .. }) => {
                failures = 0;
                log::debug("extension.invoke", json!({"request_id": request_id}));
                running.holder.open();
                // Load (first INVOKE) or check freshness, off the function's path.
                let holder = running.holder.clone();
                tokio::spawn(async move {
                    let _ = holder.current().await;
                });
            }
            Ok(Event::Shutdown {
                reason,
                deadline_ms,
            }) => {
                return shut_down(&running, &reason, deadline_ms).await;
            }
            Ok(Event::Other(kind)) => {
                log::warn("extension.unknown_event", json!({"event_type": kind}));
            }
            Err(e) => {
                // A hiccup of the local API is not a failed init: retry a
                // few times, then exit and let Lambda start a new sandbox.
                failures += 1;
                log::warn(
                    "extension.next_failed",
                    json!({"error": e.to_string(), "attempt": failures}),
                );
                if failures >= 5 {
                    return 1;
                }
                tokio::time::sleep(Duration::from_millis(20 << failures)).await;
            }
        }
    }
}

async fn shut_down(running: &Running, reason: &str, deadline_ms: i64) -> u8 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let budget = (deadline_ms - now_ms - EXIT_RESERVE_MS).clamp(0, MAX_DRAIN_MS);
    running.stop.send_replace(true);
    let drained = running
        .proxy
        .drain(Duration::from_millis(budget as u64))
        .await;
    log::info(
        "extension.shutdown",
        json!({"reason": reason, "drained": drained, "budget_ms": budget}),
    );
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_as_lambda_sends_them() {
        let invoke = br#"{"eventType":"INVOKE","deadlineMs":676051,"requestId":"3da1f2dc","invokedFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:f","tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1"}}"#;
        assert_eq!(
            Event::parse(invoke),
            Event::Invoke {
                request_id: "3da1f2dc".into(),
                deadline_ms: 676051
            }
        );
        let shutdown = br#"{"eventType":"SHUTDOWN","shutdownReason":"SPINDOWN","deadlineMs":42}"#;
        assert_eq!(
            Event::parse(shutdown),
            Event::Shutdown {
                reason: "SPINDOWN".into(),
                deadline_ms: 42
            }
        );
        assert_eq!(
            Event::parse(b"{\"eventType\":\"RESTORE\"}"),
            Event::Other("RESTORE".into())
        );
        assert_eq!(Event::parse(b"garbage"), Event::Other("unreadable".into()));
    }
}
