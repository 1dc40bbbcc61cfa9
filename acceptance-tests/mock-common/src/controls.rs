//! Run-time controls shared by the API port, the admin port and the Rust
//! handle: fault settings and the request log.

use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::faults::{Fault, Faults};
use crate::log::{LoggedRequest, RequestLog};
use crate::server::ConnInfo;

/// Renders an error body in the mock's own wire format (Keywhiz:
/// `{"code":N,"message":"..."}`), used for injected faults too.
pub type ErrorRenderer = Arc<dyn Fn(StatusCode, &str) -> Response + Send + Sync>;

/// Faults + log + error renderer.
pub struct Controls {
    faults: RwLock<Faults>,
    pub(crate) log: RequestLog,
    pub(crate) error_body: ErrorRenderer,
}

impl std::fmt::Debug for Controls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controls")
            .field("faults", &self.faults())
            .finish_non_exhaustive()
    }
}

impl Controls {
    pub fn new(faults: Faults, error_body: ErrorRenderer) -> Self {
        Self {
            faults: RwLock::new(faults),
            log: RequestLog::default(),
            error_body,
        }
    }

    pub fn faults(&self) -> Faults {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// Replace the fault settings (validated).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        if let Ok(mut f) = self.faults.write() {
            *f = faults;
        }
        Ok(())
    }

    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// Render an error in the mock's wire format.
    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        (self.error_body)(status, message)
    }
}

fn reason(status: StatusCode) -> String {
    format!(
        "HTTP {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    )
}

/// Middleware on the API port: injects faults, then logs what was sent.
pub async fn fault_and_log(
    State(controls): State<Arc<Controls>>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    let conn = req.extensions().get::<ConnInfo>().cloned();
    let caller = conn
        .as_ref()
        .and_then(|c| c.caller.as_ref())
        .map(|c| c.label())
        .unwrap_or_else(|| "-".to_owned());
    let record = |status: u16, fault: Option<&str>| {
        controls.log.record(LoggedRequest {
            method: method.clone(),
            path: path.clone(),
            caller: caller.clone(),
            status,
            fault: fault.map(str::to_owned),
        });
    };

    let faults = controls.faults();
    let mut fault_label = None;
    if faults.applies_to(req.uri().path()) {
        if let Some(delay) = faults.draw_latency() {
            tokio::time::sleep(delay).await;
            fault_label = Some("latency");
        }
        match faults.draw() {
            Some(Fault::Reset) => {
                record(0, Some("reset"));
                if let Some(conn) = conn {
                    conn.kill.notify_one();
                }
                // The connection task drops the socket (RST); never answer.
                std::future::pending::<()>().await;
            }
            Some(Fault::Error(code)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                record(status.as_u16(), Some("error"));
                return controls.error(status, &reason(status));
            }
            Some(Fault::Throttle { retry_after_secs }) => {
                let status = StatusCode::TOO_MANY_REQUESTS;
                record(status.as_u16(), Some("throttle"));
                let mut resp = controls.error(status, &reason(status));
                if retry_after_secs > 0 {
                    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                        resp.headers_mut().insert("retry-after", v);
                    }
                }
                return resp;
            }
            None => {}
        }
    }
    let resp = next.run(req).await;
    record(resp.status().as_u16(), fault_label);
    resp
}
