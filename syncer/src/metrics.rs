//! Counts Secrets Manager calls by operation (and attempts, retries included)
//! with an SDK interceptor, so every run reports what it cost.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Calls and attempts per operation name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub calls: BTreeMap<String, u64>,
    pub attempts: u64,
}

impl Counts {
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// What happened since `before`.
    pub fn since(&self, before: &Counts) -> Counts {
        let calls = self
            .calls
            .iter()
            .map(|(k, v)| (k.clone(), v - before.calls.get(k).copied().unwrap_or(0)))
            .filter(|(_, v)| *v > 0)
            .collect();
        Counts {
            calls,
            attempts: self.attempts - before.attempts,
        }
    }
}

/// Shared counters; the interceptor holds a clone.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    inner: Arc<Mutex<Counts>>,
}

impl CallCounter {
    pub fn snapshot(&self) -> Counts {
        self.inner.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn bump(&self, op: Option<&str>, attempt: bool) {
        if let Ok(mut c) = self.inner.lock() {
            match op {
                Some(op) if !attempt => *c.calls.entry(op.to_owned()).or_default() += 1,
                _ => c.attempts += 1,
            }
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "s2s-syncer-call-counter"
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
        self.bump(Some(op.as_deref().unwrap_or("unknown")), false);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(None, true);
        Ok(())
    }
}
