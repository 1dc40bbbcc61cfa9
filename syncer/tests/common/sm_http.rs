//! An HTTP client for the Secrets Manager SDK client in tests: it counts
//! every request by operation (`X-Amz-Target`) as moto would see it, and
//! can answer a share of them with a `ThrottlingException` without
//! forwarding (moto has no throttling of its own). The share is drawn from a
//! seeded generator, like the mocks' faults (`mock_common::faults`); which
//! request meets which draw still depends on how concurrent writes interleave.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

#[derive(Debug, Default)]
struct Inner {
    /// Requests forwarded to moto, by operation.
    forwarded: BTreeMap<String, u64>,
    /// Requests answered with an injected throttle.
    throttled: u64,
    throttle_rate: f64,
    rng: fastrand::Rng,
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

    pub fn throttled(&self) -> u64 {
        self.inner.lock().expect("lock").throttled
    }

    pub fn reset(&self) {
        let mut i = self.inner.lock().expect("lock");
        i.forwarded.clear();
        i.throttled = 0;
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
        let throttle = {
            let mut i = self.state.inner.lock().expect("lock");
            let hit = i.throttle_rate > 0.0 && i.rng.f64() < i.throttle_rate;
            if hit {
                i.throttled += 1;
            } else {
                *i.forwarded.entry(op).or_default() += 1;
            }
            hit
        };
        if throttle {
            let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
            let mut resp = Response::new(
                StatusCode::try_from(400u16).expect("status"),
                SdkBody::from(body),
            );
            resp.headers_mut()
                .insert("content-type", "application/x-amz-json-1.1");
            resp.headers_mut()
                .insert("x-amzn-errortype", "ThrottlingException");
            return HttpConnectorFuture::ready(Ok(resp));
        }
        self.real.call(request)
    }
}
