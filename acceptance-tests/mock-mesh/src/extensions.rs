//! A stub of the Lambda Extensions API (`/2020-01-01/extension/...`) and a
//! sandbox that runs one external extension under it the way Lambda does:
//! spawn the executable with `AWS_LAMBDA_RUNTIME_API`, wait for it to
//! register and call `event/next` (init is over), hand it INVOKE events,
//! then SHUTDOWN with a deadline, and measure init and shutdown.
//!
//! Wire behaviour follows the AWS documentation: `register` needs
//! `Lambda-Extension-Name` (and, like Lambda, the executable's file name)
//! and answers `Lambda-Extension-Identifier`; `event/next`,
//! `init/error` and `exit/error` need that identifier (403 otherwise);
//! errors answer 202 and, after one, nothing else succeeds. Deviations: one
//! extension per stub, and no Logs or Telemetry API.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, watch};

const ID: &str = "lambda-extension-identifier";
const NAME: &str = "lambda-extension-name";
const ERROR_TYPE: &str = "lambda-extension-function-error-type";

/// What the extension did, as the stub saw it.
#[derive(Debug, Clone, Default)]
pub struct ApiRecord {
    pub registered_name: Option<String>,
    pub registered_events: Vec<String>,
    pub registered_at: Option<Instant>,
    /// Every `event/next` call, in order.
    pub next_calls: Vec<Instant>,
    /// `(error type, errorMessage)` posted to init/error.
    pub init_errors: Vec<(String, String)>,
    pub exit_errors: Vec<(String, String)>,
    pub shutdown_sent_at: Option<Instant>,
    /// Requests refused (bad or missing identifier, wrong name, after an error).
    pub refused: u64,
}

struct Shared {
    record: Mutex<ApiRecord>,
    expected_name: Option<String>,
    id: String,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    nexts: watch::Sender<usize>,
}

/// The stub server.
pub struct ExtensionsApi {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    queue: mpsc::UnboundedSender<Value>,
    task: tokio::task::JoinHandle<()>,
}

impl ExtensionsApi {
    /// `expected_name`: the file name register must carry (None = any).
    pub async fn start(expected_name: Option<&str>) -> std::io::Result<ExtensionsApi> {
        let (queue, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            record: Mutex::new(ApiRecord::default()),
            expected_name: expected_name.map(str::to_owned),
            id: format!(
                "{:032x}",
                u128::from(std::process::id()) << 64 | u128::from(rand_u64())
            ),
            events: tokio::sync::Mutex::new(events),
            nexts: watch::Sender::new(0),
        });
        let app = Router::new()
            .route("/2020-01-01/extension/register", post(register))
            .route("/2020-01-01/extension/event/next", get(next))
            .route("/2020-01-01/extension/init/error", post(init_error))
            .route("/2020-01-01/extension/exit/error", post(exit_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(ExtensionsApi {
            addr,
            shared,
            queue,
            task,
        })
    }

    /// `AWS_LAMBDA_RUNTIME_API`'s value.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    pub fn record(&self) -> ApiRecord {
        self.shared
            .record
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Queues an INVOKE for `request_id`.
    pub fn invoke(&self, request_id: &str) {
        let deadline = epoch_ms() + 30_000;
        let _ = self.queue.send(json!({
            "eventType": "INVOKE",
            "deadlineMs": deadline,
            "requestId": request_id,
            "invokedFunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:payments-api",
            "tracing": {"type": "X-Amzn-Trace-Id", "value": format!("Root=1-{request_id}")},
        }));
    }

    /// Queues a SHUTDOWN whose deadline is `budget` from now.
    pub fn shutdown(&self, reason: &str, budget: Duration) {
        let _ = self.queue.send(json!({
            "eventType": "SHUTDOWN",
            "shutdownReason": reason,
            "deadlineMs": epoch_ms() + budget.as_millis() as i64,
        }));
    }

    /// Waits until `event/next` has been called `n` times in all.
    pub async fn wait_for_next_calls(&self, n: usize, limit: Duration) -> bool {
        let mut seen = self.shared.nexts.subscribe();
        let reached = tokio::time::timeout(limit, seen.wait_for(|c| *c >= n))
            .await
            .is_ok_and(|r| r.is_ok());
        reached
    }
}

impl Drop for ExtensionsApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(epoch_ms() as u64);
    h.finish()
}

fn refuse(shared: &Shared, status: StatusCode, kind: &str, message: &str) -> Response {
    if let Ok(mut r) = shared.record.lock() {
        r.refused += 1;
    }
    (
        status,
        Json(json!({"errorMessage": message, "errorType": kind})),
    )
        .into_response()
}

/// The identifier is known and no error has been reported.
fn check_id(shared: &Shared, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let ok = headers.get(ID).and_then(|v| v.to_str().ok()) == Some(shared.id.as_str());
    let failed = shared
        .record
        .lock()
        .map(|r| !r.init_errors.is_empty() || !r.exit_errors.is_empty())
        .unwrap_or(true);
    if !ok {
        return Err(Box::new(refuse(
            shared,
            StatusCode::FORBIDDEN,
            "Extension.UnknownExtensionIdentifier",
            "unknown or missing Lambda-Extension-Identifier",
        )));
    }
    if failed {
        return Err(Box::new(refuse(
            shared,
            StatusCode::FORBIDDEN,
            "Extension.InvalidState",
            "an error was already reported",
        )));
    }
    Ok(())
}

async fn register(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(name) = headers
        .get(NAME)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return refuse(
            &shared,
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "missing Lambda-Extension-Name",
        );
    };
    if shared
        .expected_name
        .as_ref()
        .is_some_and(|expected| *expected != name)
    {
        return refuse(
            &shared,
            StatusCode::FORBIDDEN,
            "Extension.InvalidExtensionName",
            "the name does not match the extension's file name",
        );
    }
    let events: Vec<String> = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["events"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect();
    if events.iter().any(|e| e != "INVOKE" && e != "SHUTDOWN") {
        return refuse(
            &shared,
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "events may be INVOKE and SHUTDOWN only",
        );
    }
    if let Ok(mut r) = shared.record.lock() {
        if r.registered_name.is_some() {
            drop(r);
            return refuse(
                &shared,
                StatusCode::FORBIDDEN,
                "Extension.AlreadyRegistered",
                "already registered",
            );
        }
        r.registered_name = Some(name);
        r.registered_events = events;
        r.registered_at = Some(Instant::now());
    }
    let mut body = json!({"functionName": "payments-api", "functionVersion": "$LATEST", "handler": "bootstrap"});
    if headers
        .get("lambda-extension-accept-feature")
        .and_then(|v| v.to_str().ok())
        == Some("accountId")
    {
        body["accountId"] = json!("123456789012");
    }
    let mut response = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&shared.id) {
        response.headers_mut().insert(ID, v);
    }
    response
}

async fn next(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(refused) = check_id(&shared, &headers) {
        return *refused;
    }
    if let Ok(mut r) = shared.record.lock() {
        r.next_calls.push(Instant::now());
        let n = r.next_calls.len();
        shared.nexts.send_replace(n);
    }
    let event = shared.events.lock().await.recv().await;
    let Some(event) = event else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if event["eventType"] == "SHUTDOWN" {
        if let Ok(mut r) = shared.record.lock() {
            r.shutdown_sent_at = Some(Instant::now());
        }
    }
    let mut response = Json(event).into_response();
    if let Ok(v) = HeaderValue::from_str(&shared.id) {
        response.headers_mut().insert(ID, v);
    }
    response
}

/// Records an `init/error` or `exit/error` report (`(error type, errorMessage)`) in
/// the list `errors` picks, for an extension that presents its identifier.
fn record_error(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    errors: fn(&mut ApiRecord) -> &mut Vec<(String, String)>,
) -> Response {
    if let Err(refused) = check_id(shared, headers) {
        return *refused;
    }
    let kind = headers
        .get(ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["errorMessage"].as_str().map(str::to_owned))
        .unwrap_or_default();
    if let Ok(mut r) = shared.record.lock() {
        errors(&mut r).push((kind, message));
    }
    (StatusCode::ACCEPTED, Json(json!({"status": "OK"}))).into_response()
}

async fn init_error(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    record_error(&shared, &headers, &body, |r| &mut r.init_errors)
}

async fn exit_error(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    record_error(&shared, &headers, &body, |r| &mut r.exit_errors)
}

/// One external extension running under the stub.
pub struct Sandbox {
    pub api: ExtensionsApi,
    child: Child,
    spawned_at: Instant,
    logs: Arc<Mutex<Vec<String>>>,
}

/// How the sandbox ended.
#[derive(Debug, Clone)]
pub struct Shutdown {
    /// SHUTDOWN handed over → process gone.
    pub took: Duration,
    pub exit_code: Option<i32>,
    /// Killed because it overran the budget (what Lambda's SIGKILL does).
    pub killed: bool,
}

impl Sandbox {
    /// Spawns `binary` (its file name is what register must carry) with
    /// `env` plus `AWS_LAMBDA_RUNTIME_API`.
    pub async fn start(binary: &Path, env: &[(String, String)]) -> anyhow::Result<Sandbox> {
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let api = ExtensionsApi::start(Some(&name)).await?;
        let mut command = Command::new(binary);
        command
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", api.runtime_api())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let mut child = command.spawn()?;
        let logs = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let logs = logs.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Ok(mut l) = logs.lock() {
                        l.push(line);
                    }
                }
            });
        }
        Ok(Sandbox {
            api,
            child,
            spawned_at,
            logs,
        })
    }

    /// Waits for init to end (the first `event/next`); returns its duration
    /// from spawn, or why it did not end.
    pub async fn init(&mut self, limit: Duration) -> anyhow::Result<Duration> {
        let ready = self.api.wait_for_next_calls(1, limit).await;
        let record = self.api.record();
        if !record.init_errors.is_empty() {
            anyhow::bail!("init/error: {:?}", record.init_errors);
        }
        if !ready {
            if let Ok(Some(status)) = self.child.try_wait() {
                anyhow::bail!(
                    "the extension exited during init ({status}); its log: {:?}",
                    self.logs()
                );
            }
            anyhow::bail!("no event/next within {limit:?}; its log: {:?}", self.logs());
        }
        let first = record
            .next_calls
            .first()
            .copied()
            .unwrap_or_else(Instant::now);
        Ok(first.duration_since(self.spawned_at))
    }

    /// Hands over an INVOKE and waits until the extension asks for the next event.
    pub async fn invoke(&self, request_id: &str) -> anyhow::Result<()> {
        let before = self.api.record().next_calls.len();
        self.api.invoke(request_id);
        if !self
            .api
            .wait_for_next_calls(before + 1, Duration::from_secs(10))
            .await
        {
            anyhow::bail!("the extension did not finish INVOKE {request_id}");
        }
        Ok(())
    }

    /// SHUTDOWN with Lambda's budget for external extensions (2,000 ms);
    /// the process is killed if it overruns it.
    pub async fn shutdown(mut self) -> anyhow::Result<Shutdown> {
        let budget = Duration::from_millis(2000);
        self.api.shutdown("SPINDOWN", budget);
        let waited = tokio::time::timeout(budget, self.child.wait()).await;
        let end = Instant::now();
        let sent = self.api.record().shutdown_sent_at.unwrap_or(end);
        let (exit_code, killed) = match waited {
            Ok(status) => (status?.code(), false),
            Err(_) => {
                let _ = self.child.kill().await;
                (None, true)
            }
        };
        Ok(Shutdown {
            took: end.duration_since(sent),
            exit_code,
            killed,
        })
    }

    /// The extension's stderr so far, one line per entry.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The extension's process id (for its RSS), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Whether the process has ended (and how).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}
