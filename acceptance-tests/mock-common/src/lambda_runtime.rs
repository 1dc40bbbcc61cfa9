//! A stub of the Lambda Runtime API (`/2018-06-01/runtime/...`), for tests
//! that start a function's `bootstrap` as Lambda would: `GET
//! invocation/next` hands out the events pushed to it, one per call, with the
//! request-id, deadline and function-ARN headers (and waits, as Lambda does,
//! while there is none); `POST invocation/{id}/response` and `.../error` are
//! recorded. [`RuntimeApi::env`] is the environment Lambda gives a function.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::Notify;

/// What the function answered one invocation with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `req-<n>`, counted from 1.
    pub request_id: String,
    /// `response` or `error`.
    pub kind: String,
    pub body: String,
}

#[derive(Default)]
struct Shared {
    events: Mutex<VecDeque<String>>,
    event_pushed: Notify,
    served: Mutex<u32>,
    answers: Mutex<Vec<Answer>>,
    answered: Notify,
    function_arn: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The running stub (it stops with the test's runtime).
pub struct RuntimeApi {
    addr: SocketAddr,
    function_name: String,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    /// Serve on 127.0.0.1 for the function `function_name`.
    pub async fn start(function_name: &str) -> std::io::Result<RuntimeApi> {
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
            ..Shared::default()
        });
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(answer))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(RuntimeApi {
            addr,
            function_name: function_name.to_owned(),
            shared,
        })
    }

    /// Queue one invocation's event (JSON text).
    pub fn push(&self, event: impl Into<String>) {
        lock(&self.shared.events).push_back(event.into());
        self.shared.event_pushed.notify_waiters();
    }

    /// The answers so far, in order.
    pub fn answers(&self) -> Vec<Answer> {
        lock(&self.shared.answers).clone()
    }

    /// The answers once there are `n` of them, or what there is after `patience`.
    pub async fn wait_for(&self, n: usize, patience: Duration) -> Vec<Answer> {
        let waited = tokio::time::timeout(patience, async {
            loop {
                let answered = self.shared.answered.notified();
                if lock(&self.shared.answers).len() >= n {
                    return;
                }
                answered.await;
            }
        })
        .await;
        let _ = waited;
        self.answers()
    }

    /// The environment Lambda gives the function (`AWS_LAMBDA_RUNTIME_API` and
    /// the function's name, version, memory and log names).
    pub fn env(&self) -> Vec<(String, String)> {
        let name = &self.function_name;
        [
            ("AWS_LAMBDA_RUNTIME_API", self.addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "test".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> axum::response::Response {
    let event = loop {
        let pushed = shared.event_pushed.notified();
        if let Some(e) = lock(&shared.events).pop_front() {
            break e;
        }
        pushed.await;
    };
    let n = {
        let mut served = lock(&shared.served);
        *served += 1;
        *served
    };
    let deadline_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 300_000)
        .unwrap_or_default();
    let mut h = HeaderMap::new();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", format!("req-{n}")),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            shared.function_arn.clone(),
        ),
    ] {
        if let Ok(v) = value.parse() {
            h.insert(name, v);
        }
    }
    (h, event).into_response()
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    Path((request_id, kind)): Path<(String, String)>,
    body: String,
) -> axum::response::Response {
    lock(&shared.answers).push(Answer {
        request_id,
        kind,
        body,
    });
    shared.answered.notify_waiters();
    (axum::http::StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}
