//! An HTTP client for the Secrets Manager SDK client in tests: it counts
//! every request by operation (`X-Amz-Target`) as moto would see it, and
//! can answer a share of them with a `ThrottlingException` without
//! forwarding (moto has no throttling of its own). It can also answer one
//! operation on one secret as Secrets Manager answers a refusal (an awsJson 1.1
//! error: status, `__type` and `x-amzn-errortype`), or drop it as a broken
//! connection. The share is drawn from a
//! seeded generator, like the mocks' faults (`mock_common::faults`); which
//! request meets which draw still depends on how concurrent writes interleave.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

/// How a refused request is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An error response with this status and error code.
    Error { status: u16, code: &'static str },
    /// No response: the connection breaks.
    ConnectionReset,
}

#[derive(Debug, Clone)]
struct Refusal {
    op: &'static str,
    /// A secret name, found in the request body (`Name` or `SecretId`).
    secret: String,
    answer: Answer,
}

#[derive(Debug, Default)]
struct Inner {
    /// Requests forwarded to moto, by operation.
    forwarded: BTreeMap<String, u64>,
    /// Requests answered with an injected throttle.
    throttled: u64,
    throttle_rate: f64,
    rng: fastrand::Rng,
    refusals: Vec<Refusal>,
    /// Requests answered by a refusal.
    refused: u64,
}

/// Counters and fault settings shared by the test and the client.
#[derive(Debug, Clone, Default)]
pub struct SmHttp {
    inner: Arc<Mutex<Inner>>,
}

impl SmHttp {
    /// Throttle a share `rate` of the requests, drawn from `seed` (printed when on).
    pub fn set_throttle(&self, rate: f64, seed: u64) {
        if rate > 0.0 {
            eprintln!("sm_http: throttling {rate} of requests, seed {seed}");
        }
        let mut i = self.inner.lock().expect("lock");
        i.throttle_rate = rate;
        i.rng = fastrand::Rng::with_seed(seed);
    }

    /// Requests that reached moto, by operation (e.g. `ListSecrets`).
    pub fn forwarded(&self) -> BTreeMap<String, u64> {
        self.inner.lock().expect("lock").forwarded.clone()
    }

    pub fn forwarded_total(&self) -> u64 {
        self.forwarded().values().sum()
    }

    /// Answer every `op` request on the secret `secret` (its Secrets Manager name) with
    /// `answer`, retries included, until [`SmHttp::clear_refusals`].
    pub fn refuse(&self, op: &'static str, secret: &str, answer: Answer) {
        self.inner.lock().expect("lock").refusals.push(Refusal {
            op,
            secret: secret.to_owned(),
            answer,
        });
    }

    pub fn clear_refusals(&self) {
        self.inner.lock().expect("lock").refusals.clear();
    }

    /// Requests answered by a refusal.
    pub fn refused(&self) -> u64 {
        self.inner.lock().expect("lock").refused
    }

    pub fn throttled(&self) -> u64 {
        self.inner.lock().expect("lock").throttled
    }

    pub fn reset(&self) {
        let mut i = self.inner.lock().expect("lock");
        i.forwarded.clear();
        i.throttled = 0;
        i.refused = 0;
    }

    /// An `HttpClient` in front of `real`.
    pub fn client(&self, real: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(Wrapper {
            real,
            state: self.clone(),
        })
    }
}

#[derive(Debug)]
struct Wrapper {
    real: SharedHttpClient,
    state: SmHttp,
}

impl HttpClient for Wrapper {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector {
            real: self.real.http_connector(settings, components),
            state: self.state.clone(),
        })
    }
}

#[derive(Debug)]
struct Connector {
    real: SharedHttpConnector,
    state: SmHttp,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let op = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_owned();
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let (refusal, throttle) = {
            let mut i = self.state.inner.lock().expect("lock");
            let refusal = i
                .refusals
                .iter()
                .find(|r| r.op == op && names(&body, &r.secret))
                .map(|r| r.answer.clone());
            let hit = refusal.is_none() && i.throttle_rate > 0.0 && i.rng.f64() < i.throttle_rate;
            if refusal.is_some() {
                i.refused += 1;
            } else if hit {
                i.throttled += 1;
            } else {
                *i.forwarded.entry(op).or_default() += 1;
            }
            (refusal, hit)
        };
        match refusal {
            Some(Answer::Error { status, code }) => return error_response(status, code),
            Some(Answer::ConnectionReset) => {
                let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
                return HttpConnectorFuture::ready(Err(ConnectorError::io(Box::new(reset))));
            }
            None => {}
        }
        if throttle {
            return error_response(400, "ThrottlingException");
        }
        self.real.call(request)
    }
}

/// Whether an awsJson request body names `secret` as its `Name` or `SecretId`.
fn names(body: &str, secret: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return false;
    };
    ["Name", "SecretId"]
        .iter()
        .any(|k| v.get(k).and_then(serde_json::Value::as_str) == Some(secret))
}

/// An awsJson 1.1 error response, as Secrets Manager sends one.
fn error_response(status: u16, code: &str) -> HttpConnectorFuture {
    let body =
        serde_json::json!({"__type": code, "message": format!("injected {code}")}).to_string();
    let mut resp = Response::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body),
    );
    resp.headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    resp.headers_mut()
        .insert("x-amzn-errortype", code.to_owned());
    HttpConnectorFuture::ready(Ok(resp))
}
