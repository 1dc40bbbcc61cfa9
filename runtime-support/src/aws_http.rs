//! Test double of the SDK's HTTP client (feature `testing`): it sits in front
//! of the real client, records every request as the service (moto in the
//! tests) would see it — `service.Operation`, the secret it names, whether it
//! carries a value, its body — and can answer some requests itself instead of
//! forwarding them:
//! * faults at a rate, for chosen services, drawn from a seeded generator as
//!   the mocks' faults are (`mock_common::faults`): the same seed and the same
//!   order of requests give the same faults (moto injects none of its own);
//! * refusals of one operation (on one secret), until cleared or for the next
//!   few requests, answered as AWS answers (awsJson or query error bodies, or a
//!   broken connection).
//!
//! The request bodies it keeps may hold key material: tests only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

/// One request that was forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `secretsmanager.CreateSecret`, `sts.AssumeRole`, ...
    pub op: String,
    /// `SecretId` or `Name` of a JSON request.
    pub secret: Option<String>,
    pub has_value: bool,
    /// The request body (it may hold key material).
    pub body: String,
}

/// A fault injected at a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 `ServiceUnavailable` (counted as `5xx`).
    Unavailable,
    /// 400 `ThrottlingException` / `Throttling` (counted as `throttle`).
    Throttle,
    /// The connection breaks (counted as `reset`).
    Reset,
}

impl Fault {
    /// Each in turn.
    pub const ALL: [Fault; 3] = [Fault::Unavailable, Fault::Throttle, Fault::Reset];

    fn label(self) -> &'static str {
        match self {
            Fault::Unavailable => "5xx",
            Fault::Throttle => "throttle",
            Fault::Reset => "reset",
        }
    }
}

/// How a refused request is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An error response with this status and error code.
    Error { status: u16, code: &'static str },
    /// No response: the connection breaks.
    ConnectionReset,
}

impl Answer {
    fn label(&self) -> &'static str {
        match self {
            Answer::Error { code, .. } => code,
            Answer::ConnectionReset => "reset",
        }
    }
}

#[derive(Debug, Clone)]
struct Refusal {
    /// `service.Operation`.
    op: String,
    /// Only requests naming this secret (`Name` or `SecretId`); all if `None`.
    secret: Option<String>,
    answer: Answer,
    /// How many more to refuse; `None` until cleared.
    left: Option<u32>,
}

#[derive(Debug, Default)]
struct Inner {
    seen: Vec<Seen>,
    /// Requests answered here, by fault kind or refusal code.
    injected: BTreeMap<String, u64>,
    refused: u64,
    rate: f64,
    faults: Vec<Fault>,
    next_fault: usize,
    services: BTreeSet<String>,
    rng: fastrand::Rng,
    refusals: Vec<Refusal>,
}

/// The recorder and its settings, shared by the test and the clients.
#[derive(Debug, Clone, Default)]
pub struct AwsHttp {
    inner: Arc<Mutex<Inner>>,
}

impl AwsHttp {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answer a share `rate` of the requests to `services` (signing names:
    /// `sts`, `secretsmanager`, ...) with `faults` in turn, drawn from `seed`
    /// (printed when on). Every call restarts the draws.
    pub fn set_faults(&self, rate: f64, services: &[&str], faults: &[Fault], seed: u64) {
        if rate > 0.0 {
            eprintln!("aws_http: {faults:?} on {rate} of {services:?} requests, seed {seed}");
        }
        let mut i = self.lock();
        i.rate = rate;
        i.services = services.iter().map(|s| s.to_string()).collect();
        i.faults = faults.to_vec();
        i.next_fault = 0;
        i.rng = fastrand::Rng::with_seed(seed);
    }

    /// Answer every `op` (`service.Operation`) request naming `secret` with
    /// `answer`, retries included, until [`AwsHttp::clear_refusals`].
    pub fn refuse(&self, op: &str, secret: &str, answer: Answer) {
        self.lock().refusals.push(Refusal {
            op: op.to_owned(),
            secret: Some(secret.to_owned()),
            answer,
            left: None,
        });
    }

    /// Answer the next `n` requests of `op` (`service.Operation`) with the
    /// 400 error `code`.
    pub fn fail_next(&self, op: &str, code: &'static str, n: u32) {
        self.lock().refusals.push(Refusal {
            op: op.to_owned(),
            secret: None,
            answer: Answer::Error { status: 400, code },
            left: Some(n),
        });
    }

    pub fn clear_refusals(&self) {
        self.lock().refusals.clear();
    }

    /// The forwarded requests, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// Forwarded requests by `service.Operation`.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for s in &self.lock().seen {
            *m.entry(s.op.clone()).or_default() += 1;
        }
        m
    }

    pub fn count(&self, op: &str) -> u64 {
        self.counts().get(op).copied().unwrap_or(0)
    }

    /// Forwarded requests by operation alone (`ListSecrets`), for tests whose
    /// clients talk to one service.
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for s in &self.lock().seen {
            let op = s.op.rsplit('.').next().unwrap_or_default();
            *m.entry(op.to_owned()).or_default() += 1;
        }
        m
    }

    /// Forwarded requests, all together.
    pub fn total(&self) -> u64 {
        self.lock().seen.len() as u64
    }

    /// Requests answered here, by fault kind (`5xx`, `throttle`, `reset`) or
    /// refusal code.
    pub fn injected(&self) -> BTreeMap<String, u64> {
        self.lock().injected.clone()
    }

    /// Requests answered by a refusal.
    pub fn refused(&self) -> u64 {
        self.lock().refused
    }

    /// Forget what was seen and injected (the settings stay).
    pub fn clear(&self) {
        let mut i = self.lock();
        i.seen.clear();
        i.injected.clear();
        i.refused = 0;
    }

    /// An `HttpClient` in front of `real`.
    pub fn client(&self, real: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(Wrapper {
            real,
            state: self.clone(),
        })
    }

    /// What to do with one request: `None` forwards it (and records it).
    fn decide(&self, service: &str, op: String, body: &str) -> Option<Answer> {
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let secret = json["SecretId"]
            .as_str()
            .or(json["Name"].as_str())
            .map(str::to_owned);
        let mut i = self.lock();
        let refusal = i.refusals.iter_mut().find(|r| {
            r.op == op
                && r.left != Some(0)
                && r.secret.as_ref().is_none_or(|s| Some(s) == secret.as_ref())
        });
        if let Some(r) = refusal {
            if let Some(left) = r.left.as_mut() {
                *left -= 1;
            }
            let answer = r.answer.clone();
            i.refused += 1;
            *i.injected.entry(answer.label().to_owned()).or_default() += 1;
            return Some(answer);
        }
        let drawn = i.services.contains(service) && !i.faults.is_empty() && i.rng.f64() < i.rate;
        if drawn {
            let fault = i.faults[i.next_fault % i.faults.len()];
            i.next_fault += 1;
            *i.injected.entry(fault.label().to_owned()).or_default() += 1;
            // The codes as each protocol spells them: query (STS), awsJson.
            let (status, code) = match (fault, service == "sts") {
                (Fault::Reset, _) => return Some(Answer::ConnectionReset),
                (Fault::Throttle, true) => (400, "Throttling"),
                (Fault::Throttle, false) => (400, "ThrottlingException"),
                (Fault::Unavailable, true) => (503, "ServiceUnavailable"),
                (Fault::Unavailable, false) => (503, "ServiceUnavailableException"),
            };
            return Some(Answer::Error { status, code });
        }
        i.seen.push(Seen {
            op,
            secret,
            has_value: json.get("SecretString").is_some(),
            body: body.to_owned(),
        });
        None
    }
}

#[derive(Debug)]
struct Wrapper {
    real: SharedHttpClient,
    state: AwsHttp,
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
    state: AwsHttp,
}

/// `(service, operation)` of a request: the service from the signing scope,
/// the operation from `X-Amz-Target` (JSON protocols) or the `Action` form
/// field (the query protocol: STS).
fn operation(request: &HttpRequest, body: &str) -> (String, String) {
    let headers = request.headers();
    let service = headers
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_owned();
    let op = match headers.get("x-amz-target") {
        Some(target) => target.rsplit('.').next().unwrap_or("unknown"),
        None => body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("unknown"),
    };
    (service, op.to_owned())
}

/// An error as the service's protocol sends it: awsJson 1.1, or a query XML
/// `ErrorResponse` for STS.
fn error_response(status: u16, code: &str, query: bool) -> Response<SdkBody> {
    let (body, content_type) = if query {
        (
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the test</Message></Error><RequestId>test</RequestId></ErrorResponse>"
            ),
            "text/xml",
        )
    } else {
        (
            serde_json::json!({"__type": code, "message": "injected by the test"}).to_string(),
            "application/x-amz-json-1.1",
        )
    };
    let status = StatusCode::try_from(status).unwrap_or_else(|_| {
        StatusCode::try_from(500).unwrap_or_else(|_| unreachable!("500 is a status"))
    });
    let mut resp = Response::new(status, SdkBody::from(body));
    resp.headers_mut().insert("content-type", content_type);
    if !query {
        resp.headers_mut()
            .insert("x-amzn-errortype", code.to_owned());
    }
    resp
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let (service, op) = operation(&request, &body);
        let full_op = format!("{service}.{op}");
        match self.state.decide(&service, full_op, &body) {
            None => self.real.call(request),
            Some(Answer::ConnectionReset) => {
                let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
                HttpConnectorFuture::ready(Err(ConnectorError::io(Box::new(reset))))
            }
            Some(Answer::Error { status, code }) => {
                HttpConnectorFuture::ready(Ok(error_response(status, code, service == "sts")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_and_seeded_faults_answer_instead_of_forwarding() {
        let h = AwsHttp::default();
        h.fail_next("acm-pca.GetCertificate", "RequestInProgressException", 2);
        h.refuse(
            "secretsmanager.PutSecretValue",
            "keywhiz/a",
            Answer::ConnectionReset,
        );
        let body = |name: &str| format!(r#"{{"SecretId":"{name}","SecretString":"v"}}"#);
        let answers: Vec<_> = (0..3)
            .map(|_| h.decide("acm-pca", "acm-pca.GetCertificate".into(), "{}"))
            .collect();
        assert_eq!(answers[2], None, "two refused, the third forwarded");
        assert!(answers[..2].iter().all(Option::is_some));
        assert_eq!(
            h.decide(
                "secretsmanager",
                "secretsmanager.PutSecretValue".into(),
                &body("keywhiz/a")
            ),
            Some(Answer::ConnectionReset)
        );
        assert_eq!(
            h.decide(
                "secretsmanager",
                "secretsmanager.PutSecretValue".into(),
                &body("keywhiz/b")
            ),
            None,
            "another secret"
        );
        assert_eq!(h.refused(), 3);
        assert_eq!(h.total(), 2);
        assert_eq!(h.by_operation().get("PutSecretValue"), Some(&1));
        assert!(h.seen()[1].has_value);

        // The same seed, the same faults; each kind in turn.
        let run = |seed| {
            let h = AwsHttp::default();
            h.set_faults(0.5, &["sts"], &Fault::ALL, seed);
            let drawn: Vec<bool> = (0..40)
                .map(|_| h.decide("sts", "sts.AssumeRole".into(), "").is_some())
                .collect();
            (drawn, h.injected())
        };
        let (first, injected) = run(11);
        assert_eq!(run(11).0, first);
        assert!(first.iter().any(|d| *d) && first.iter().any(|d| !*d));
        assert_eq!(injected.len(), 3, "{injected:?}");
    }
}
