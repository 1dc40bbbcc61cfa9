//! The AWS side of every runtime binary's SDK clients: one HTTP client
//! (rustls with ring), the SDK's standard retry mode with the configured
//! attempts, a call counter (an interceptor, so each run reports what it cost
//! per operation), and errors as `Code: message`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;

/// The HTTPS client of every SDK client: rustls with the ring provider.
pub fn http_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The SDK configuration from the environment (Region, credentials,
/// `AWS_ENDPOINT_URL`), loaded once per process.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

/// Standard retry mode: exponential backoff with jitter on throttling,
/// 5xx and transport errors, from `initial_backoff` up to 5 s.
pub fn retry_config(attempts: u32, initial_backoff: Duration) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(initial_backoff)
        .with_max_backoff(Duration::from_secs(5))
}

/// `Code: message` for a service error, the error chain otherwise.
pub fn describe<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::ServiceError(s) => match (s.err().code(), s.err().message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_owned(),
            _ => DisplayErrorContext(e).to_string(),
        },
        other => DisplayErrorContext(other).to_string(),
    }
}

/// The service error code, if the service answered.
pub fn code<E, R>(e: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match e {
        SdkError::ServiceError(s) => s.err().code(),
        _ => None,
    }
}

/// Calls per `<label>.<Operation>` (or `<Operation>` unlabelled) and
/// attempts (retries included).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub calls: BTreeMap<String, u64>,
    pub attempts: u64,
}

impl Counts {
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    pub fn get(&self, op: &str) -> u64 {
        self.calls.get(op).copied().unwrap_or(0)
    }

    /// What happened since `before`.
    pub fn since(&self, before: &Counts) -> Counts {
        let calls = self
            .calls
            .iter()
            .map(|(k, v)| (k.clone(), v - before.get(k)))
            .filter(|(_, v)| *v > 0)
            .collect();
        Counts {
            calls,
            attempts: self.attempts - before.attempts,
        }
    }
}

/// Shared counters; each client's interceptor holds a clone, with its label
/// when one process talks to several services (the default has none).
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    inner: Arc<Mutex<Counts>>,
    label: &'static str,
}

impl CallCounter {
    /// The same counters, counting under `label` (`sts`, `secretsmanager`, ...).
    pub fn labelled(&self, label: &'static str) -> CallCounter {
        CallCounter {
            inner: self.inner.clone(),
            label,
        }
    }

    pub fn snapshot(&self) -> Counts {
        self.inner.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Count a call made without the SDK (a local CA), so reports are comparable.
    pub fn count(&self, op: &str) {
        let key = match self.label {
            "" => op.to_owned(),
            label => format!("{label}.{op}"),
        };
        if let Ok(mut c) = self.inner.lock() {
            *c.calls.entry(key).or_default() += 1;
        }
    }

    fn attempt(&self) {
        if let Ok(mut c) = self.inner.lock() {
            c.attempts += 1;
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "s2s-call-counter"
    }

    // Not `read_before_execution`: client interceptors see that hook before
    // the operation's metadata is in the config bag.
    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Metadata>().map(|m| m.name().to_owned());
        self.count(op.as_deref().unwrap_or("unknown"));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.attempt();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_label_and_diffed() {
        let c = CallCounter::default();
        let sm = c.labelled("secretsmanager");
        let before = c.snapshot();
        sm.count("PutSecretValue");
        sm.count("PutSecretValue");
        c.labelled("ca").count("IssueCertificate");
        let d = c.snapshot().since(&before);
        assert_eq!(d.get("secretsmanager.PutSecretValue"), 2);
        assert_eq!(d.get("ca.IssueCertificate"), 1);
        assert_eq!(d.total_calls(), 3);
        c.count("ListSecrets");
        assert_eq!(c.snapshot().get("ListSecrets"), 1, "unlabelled");
    }
}
