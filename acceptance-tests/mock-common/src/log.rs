//! The request log and counters that tests read.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// Entries kept at most; older ones are dropped (counters keep counting).
const MAX_ENTRIES: usize = 100_000;

/// One request as the API port saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// SPIFFE ID, else CN of the client certificate, else `-`.
    pub caller: String,
    /// HTTP status sent; 0 when the connection was reset instead.
    pub status: u16,
    /// The injected fault, if any: `latency`, `error`, `throttle` or `reset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// Totals since start (or the last reset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub total: u64,
    /// Keyed by status code as a string ("0" = reset).
    pub by_status: BTreeMap<String, u64>,
    /// Keyed by `METHOD path` (without query).
    pub by_route: BTreeMap<String, u64>,
    /// Keyed by fault kind.
    pub faults: BTreeMap<String, u64>,
    /// TLS handshakes that failed (no certificate, unknown issuer, ...).
    pub handshake_failures: u64,
}

impl Counters {
    /// Requests seen for `method` and a path (query excluded).
    pub fn count(&self, method: &str, path: &str) -> u64 {
        self.by_route
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<LoggedRequest>,
    counters: Counters,
}

/// Shared, thread-safe log.
#[derive(Debug, Default)]
pub struct RequestLog {
    inner: Mutex<Inner>,
}

impl RequestLog {
    pub fn record(&self, entry: LoggedRequest) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let c = &mut inner.counters;
        c.total += 1;
        *c.by_status.entry(entry.status.to_string()).or_default() += 1;
        let route = entry.path.split('?').next().unwrap_or_default();
        *c.by_route
            .entry(format!("{} {}", entry.method, route))
            .or_default() += 1;
        if let Some(f) = &entry.fault {
            *c.faults.entry(f.clone()).or_default() += 1;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.remove(0);
        }
        inner.entries.push(entry);
    }

    pub fn record_handshake_failure(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.counters.handshake_failures += 1;
        }
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.inner
            .lock()
            .map(|i| i.entries.clone())
            .unwrap_or_default()
    }

    pub fn counters(&self) -> Counters {
        self.inner
            .lock()
            .map(|i| i.counters.clone())
            .unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner = Inner::default();
        }
    }
}
