//! An HTTP client for the SDK clients under test: it records every request
//! as moto would see it (`service.Operation`, the secret it names, whether it
//! carries a value) and can answer a share of the requests of chosen services
//! with a 503, a throttling error or a connection reset without forwarding
//! them (moto injects no faults of its own).

use std::collections::{BTreeMap, BTreeSet};
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

/// One request that reached moto.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `secretsmanager.CreateSecret`, `sts.AssumeRole`, ...
    pub op: String,
    /// `SecretId` or `Name` of a Secrets Manager request.
    pub secret: Option<String>,
    pub has_value: bool,
    /// The request body (tests only: it may hold key material).
    pub body: String,
}

#[derive(Debug, Default)]
struct Inner {
    seen: Vec<Seen>,
    injected: BTreeMap<String, u64>,
    rate: f64,
    services: BTreeSet<String>,
    next_kind: u64,
    /// `service.Operation` -> (error code, how many more to answer with it).
    scripted: BTreeMap<String, (String, u32)>,
}

#[derive(Debug, Clone, Default)]
pub struct AwsHttp {
    inner: Arc<Mutex<Inner>>,
}

impl AwsHttp {
    /// Fail `rate` of the requests of these services (5xx, throttling, resets in turn).
    pub fn set_faults(&self, rate: f64, services: &[&str]) {
        let mut i = self.inner.lock().expect("lock");
        i.rate = rate;
        i.services = services.iter().map(|s| s.to_string()).collect();
    }

    /// Answer the next `n` requests of `op` (`service.Operation`) with the
    /// 400 JSON error `code`, without forwarding them.
    pub fn fail_next(&self, op: &str, code: &str, n: u32) {
        self.inner
            .lock()
            .expect("lock")
            .scripted
            .insert(op.to_owned(), (code.to_owned(), n));
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().expect("lock").seen.clone()
    }

    /// Requests that reached moto, by `service.Operation`.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for s in self.seen() {
            *m.entry(s.op).or_default() += 1;
        }
        m
    }

    pub fn count(&self, op: &str) -> u64 {
        self.counts().get(op).copied().unwrap_or(0)
    }

    /// Faults injected, by kind.
    pub fn injected(&self) -> BTreeMap<String, u64> {
        self.inner.lock().expect("lock").injected.clone()
    }

    pub fn clear(&self) {
        let mut i = self.inner.lock().expect("lock");
        i.seen.clear();
        i.injected.clear();
    }

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

/// `(service, operation)` of a request: from `X-Amz-Target` (JSON protocols)
/// or from the signing scope and the `Action` form field (STS's query protocol).
fn operation(request: &HttpRequest, body: &str) -> (String, String) {
    let headers = request.headers();
    let scope_service = headers
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_owned();
    if let Some(target) = headers.get("x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or("unknown").to_owned();
        return (scope_service, op);
    }
    let op = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or("unknown")
        .to_owned();
    (scope_service, op)
}

fn json_error(status: u16, code: &str) -> Response<SdkBody> {
    let body = format!(r#"{{"__type":"{code}","message":"injected by the test"}}"#);
    let mut resp = Response::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body),
    );
    resp.headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    resp.headers_mut()
        .insert("x-amzn-errortype", code.to_owned());
    resp
}

fn query_error(status: u16, code: &str) -> Response<SdkBody> {
    let body = format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the test</Message></Error><RequestId>test</RequestId></ErrorResponse>"
    );
    let mut resp = Response::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body),
    );
    resp.headers_mut().insert("content-type", "text/xml");
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
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let secret = json["SecretId"]
            .as_str()
            .or(json["Name"].as_str())
            .map(str::to_owned);
        let full_op = format!("{service}.{op}");
        let fault = {
            let mut i = self.state.inner.lock().expect("lock");
            if let Some((code, left)) = i.scripted.get_mut(&full_op) {
                if *left > 0 {
                    *left -= 1;
                    let code = code.clone();
                    *i.injected.entry(code.clone()).or_default() += 1;
                    return HttpConnectorFuture::ready(Ok(json_error(400, &code)));
                }
            }
            let hit = i.services.contains(&service) && fastrand::f64() < i.rate;
            if hit {
                i.next_kind += 1;
                let kind = ["5xx", "throttle", "reset"][(i.next_kind % 3) as usize];
                *i.injected.entry(kind.to_owned()).or_default() += 1;
                Some(kind)
            } else {
                i.seen.push(Seen {
                    op: full_op,
                    secret,
                    has_value: json.get("SecretString").is_some(),
                    body: body.clone(),
                });
                None
            }
        };
        let query = service == "sts";
        match fault {
            None => self.real.call(request),
            Some("reset") => HttpConnectorFuture::ready(Err(ConnectorError::io(
                "connection reset by the test".into(),
            ))),
            Some("throttle") if query => {
                HttpConnectorFuture::ready(Ok(query_error(400, "Throttling")))
            }
            Some("throttle") => {
                HttpConnectorFuture::ready(Ok(json_error(400, "ThrottlingException")))
            }
            Some(_) if query => {
                HttpConnectorFuture::ready(Ok(query_error(503, "ServiceUnavailable")))
            }
            Some(_) => {
                HttpConnectorFuture::ready(Ok(json_error(503, "ServiceUnavailableException")))
            }
        }
    }
}
