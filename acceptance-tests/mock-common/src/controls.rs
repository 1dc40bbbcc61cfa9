//! Run-time controls shared by the API port, the admin port and the Rust
//! handle: fault settings and the request log.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::faults::{Draw, Fault, Faults};
use crate::log::{LoggedRequest, RequestLog};
use crate::server::ConnInfo;

/// Renders an error body in the mock's own wire format (Keywhiz:
/// `{"code":N,"message":"..."}`), used for injected faults too.
pub type ErrorRenderer = Arc<dyn Fn(StatusCode, &str) -> Response + Send + Sync>;

/// The fault settings in force and the generator their draws come from.
struct Active {
    faults: Faults,
    rng: fastrand::Rng,
}

/// Faults + log + error renderer.
pub struct Controls {
    active: Mutex<Active>,
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
    /// Controls with `faults` in force (validated, seeded as [`Controls::set_faults`] does).
    pub fn new(faults: Faults, error_body: ErrorRenderer) -> Result<Self, String> {
        let active = activate(faults)?;
        Ok(Self {
            active: Mutex::new(active),
            log: RequestLog::default(),
            error_body,
        })
    }

    /// The settings in force, with the seed their draws come from.
    pub fn faults(&self) -> Faults {
        self.active
            .lock()
            .map(|a| a.faults.clone())
            .unwrap_or_default()
    }

    /// Replace the fault settings (validated). The draws restart from the seed, so the
    /// requests that follow meet the same faults on every run with that seed.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        let active = activate(faults)?;
        if let Ok(mut a) = self.active.lock() {
            *a = active;
        }
        Ok(())
    }

    /// The latency and the fault for one request to `path`, if any.
    fn draw(&self, path: &str) -> Draw {
        match self.active.lock() {
            Ok(mut a) if a.faults.applies_to(path) => {
                let Active { faults, rng } = &mut *a;
                faults.draw(rng)
            }
            _ => (None, None),
        }
    }

    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// Render an error in the mock's wire format.
    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        (self.error_body)(status, message)
    }
}

/// Validates and seeds `faults`, and says so on stderr when they are on, with how to
/// replay them.
fn activate(faults: Faults) -> Result<Active, String> {
    faults.validate()?;
    let given = faults.seed.is_some();
    let faults = faults.seeded()?;
    let seed = faults.seed.unwrap_or_default();
    if faults.any() {
        let how = if given {
            "given with the settings".to_owned()
        } else {
            let root = crate::faults::process_seed()?;
            format!(
                "drawn from the process seed; replay with {}={root}",
                crate::faults::SEED_ENV
            )
        };
        eprintln!(
            "mock: faults on, seed {seed} ({how}): {}",
            serde_json::to_string(&faults).unwrap_or_default()
        );
    }
    let rng = faults.rng();
    Ok(Active { faults, rng })
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

    let mut fault_label = None;
    let (delay, fault) = controls.draw(req.uri().path());
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
        fault_label = Some("latency");
    }
    match fault {
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
    let resp = next.run(req).await;
    record(resp.status().as_u16(), fault_label);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controls(faults: Faults) -> Controls {
        let render: ErrorRenderer =
            Arc::new(|status, _msg: &str| axum::response::IntoResponse::into_response(status));
        Controls::new(faults, render).expect("controls")
    }

    fn faults_of(c: &Controls, n: usize) -> Vec<Option<Fault>> {
        (0..n).map(|_| c.draw("/secrets").1).collect()
    }

    #[test]
    fn requests_meet_the_seeds_faults_and_a_new_setting_starts_them_again() {
        let f = Faults {
            error_rate: 0.3,
            throttle_rate: 0.1,
            seed: Some(99),
            ..Faults::none()
        };
        let want: Vec<Option<Fault>> = f
            .preview(100)
            .expect("preview")
            .into_iter()
            .map(|d| d.1)
            .collect();
        let c = controls(f.clone());
        assert_eq!(c.faults().seed, Some(99));
        assert_eq!(faults_of(&c, 100), want);
        c.set_faults(f).expect("set");
        assert_eq!(faults_of(&c, 100), want);
        // Paths outside the prefix draw nothing and leave the sequence alone.
        c.set_faults(Faults {
            path_prefix: "/secrets".into(),
            ..c.faults()
        })
        .expect("set");
        assert_eq!(c.draw("/__other"), (None, None));
        assert_eq!(faults_of(&c, 100), want);
    }

    #[test]
    fn settings_read_back_carry_the_seed_in_use() {
        let c = controls(Faults {
            error_rate: 0.5,
            ..Faults::none()
        });
        let seed = c.faults().seed.expect("a seed");
        // The generator runs from the seed read back: what a replay with it gives.
        let want: Vec<Option<Fault>> = c
            .faults()
            .preview(50)
            .expect("preview")
            .into_iter()
            .map(|d| d.1)
            .collect();
        assert_eq!(faults_of(&c, 50), want, "seed {seed}");
    }
}
