//! The function's certificate in memory, and when to read it again.
//!
//! A Lambda sandbox is frozen between invocations, so no timer can be
//! trusted: freshness is decided on use, on every request. The certificate
//! is re-read when less than `margin` of its life is left, or when the
//! source's current version differs from the one held (asked at most every
//! `version_check`, without reading the key). A failed or fruitless re-read
//! is not repeated within `retry`. An expired certificate is never handed
//! out; while the held one is valid, a failed refresh is logged and the held
//! one is served. One refresh runs at a time; concurrent callers wait for it.
//!
//! Loading can be held back until the first INVOKE ([`CertificateHolder::open`]),
//! so that no key is in memory during init, where a SnapStart snapshot is taken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cert_bundle::{format_rfc3339, CertBundle};
use serde_json::json;

use crate::identity::Identity;
use crate::log;
use crate::source::BundleSource;

/// Wall-clock Unix seconds (the only clock a thawed sandbox can trust).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> i64;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

/// When to read the bundle again. All in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Re-read when less than this is left of the certificate's life.
    pub margin: i64,
    /// Ask the source for its current version at most this often (0 = never).
    pub version_check: i64,
    /// Do not repeat a failed or fruitless re-read within this.
    pub retry: i64,
}

impl Default for RefreshPolicy {
    /// The issuer renews 24 h certificates with 12 h left, hourly: a 6 h
    /// margin leaves it six runs to have written the next one.
    fn default() -> RefreshPolicy {
        RefreshPolicy {
            margin: 6 * 3600,
            version_check: 300,
            retry: 30,
        }
    }
}

/// Why no certificate can be presented; the text is the 503's body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

#[derive(Default)]
struct State {
    current: Option<Arc<Identity>>,
    /// When the held certificate was last confirmed current.
    checked_at: i64,
    /// When the source was last read (successfully or not).
    fetched_at: Option<i64>,
    last_error: Option<String>,
}

enum Next {
    Use(Arc<Identity>),
    CheckVersion(Arc<Identity>),
    Fetch,
    Refuse(Unavailable),
}

/// The certificate of one SPIFFE ID from one source.
pub struct CertificateHolder {
    source: Arc<dyn BundleSource>,
    expected_spiffe_id: String,
    policy: RefreshPolicy,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    refreshing: tokio::sync::Mutex<()>,
    open: tokio::sync::watch::Sender<bool>,
    gate_wait: Duration,
    fetches: AtomicU64,
    version_checks: AtomicU64,
}

impl CertificateHolder {
    /// A holder that loads on first use.
    pub fn new(
        source: Arc<dyn BundleSource>,
        expected_spiffe_id: &str,
        policy: RefreshPolicy,
    ) -> CertificateHolder {
        CertificateHolder {
            source,
            expected_spiffe_id: expected_spiffe_id.to_owned(),
            policy,
            clock: Arc::new(SystemClock),
            state: Mutex::new(State::default()),
            refreshing: tokio::sync::Mutex::new(()),
            open: tokio::sync::watch::Sender::new(true),
            gate_wait: Duration::ZERO,
            fetches: AtomicU64::new(0),
            version_checks: AtomicU64::new(0),
        }
    }

    /// Loads nothing until [`open`](Self::open); a caller before that waits
    /// up to `wait` (the first INVOKE races the function's first request),
    /// then is refused.
    pub fn closed_until_open(mut self, wait: Duration) -> CertificateHolder {
        self.open = tokio::sync::watch::Sender::new(false);
        self.gate_wait = wait;
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> CertificateHolder {
        self.clock = clock;
        self
    }

    /// Lets loading start (the extension calls this on the first INVOKE).
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    pub fn expected_spiffe_id(&self) -> &str {
        &self.expected_spiffe_id
    }

    pub fn source(&self) -> &Arc<dyn BundleSource> {
        &self.source
    }

    /// Reads of the bundle's value so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Version questions so far.
    pub fn version_checks(&self) -> u64 {
        self.version_checks.load(Ordering::Relaxed)
    }

    /// The certificate held now, without loading or checking anything.
    pub fn peek(&self) -> Option<Arc<Identity>> {
        self.lock().current.clone()
    }

    /// Why the last read of the bundle failed, until a read succeeds.
    pub fn last_error(&self) -> Option<String> {
        self.lock().last_error.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A certificate that may be presented now, refreshed if it is time.
    pub async fn current(&self) -> Result<Arc<Identity>, Unavailable> {
        self.wait_until_open().await?;
        if let Next::Use(identity) = self.next(self.clock.now()) {
            return Ok(identity);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        let now = self.clock.now();
        match self.next(now) {
            Next::Use(identity) => Ok(identity),
            Next::Refuse(why) => Err(why),
            Next::CheckVersion(held) => self.check_version(held, now).await,
            Next::Fetch => self.fetch(now).await,
        }
    }

    async fn wait_until_open(&self) -> Result<(), Unavailable> {
        let mut open = self.open.subscribe();
        if *open.borrow_and_update() {
            return Ok(());
        }
        let opened = tokio::time::timeout(self.gate_wait, open.wait_for(|o| *o))
            .await
            .is_ok_and(|r| r.is_ok());
        match opened {
            true => Ok(()),
            false => Err(Unavailable(
                "s2s-mtls-proxy loads the certificate on the first invocation and never during init (a SnapStart snapshot must not hold a key): call mesh services from the handler, not from init code".into(),
            )),
        }
    }

    fn next(&self, now: i64) -> Next {
        let state = self.lock();
        let policy = &self.policy;
        let tried_recently = state.fetched_at.is_some_and(|t| now - t < policy.retry);
        match &state.current {
            Some(held) if held.usable_at(now) => {
                if held.remaining(now) < policy.margin && !tried_recently {
                    Next::Fetch
                } else if policy.version_check > 0 && now - state.checked_at >= policy.version_check
                {
                    Next::CheckVersion(held.clone())
                } else {
                    Next::Use(held.clone())
                }
            }
            _ if tried_recently => Next::Refuse(self.refusal(&state)),
            _ => Next::Fetch,
        }
    }

    fn refusal(&self, state: &State) -> Unavailable {
        let why = state
            .last_error
            .clone()
            .unwrap_or_else(|| "no certificate could be read".into());
        Unavailable(format!(
            "no valid certificate for {}: {why}",
            self.expected_spiffe_id
        ))
    }

    async fn check_version(
        &self,
        held: Arc<Identity>,
        now: i64,
    ) -> Result<Arc<Identity>, Unavailable> {
        self.version_checks.fetch_add(1, Ordering::Relaxed);
        match self.source.current_version().await {
            Ok(Some(version)) if Some(&version) != held.version.as_ref() => self.fetch(now).await,
            Ok(_) => {
                self.lock().checked_at = now;
                Ok(held)
            }
            Err(e) => {
                log::warn(
                    "certificate.version_check_failed",
                    json!({"source": self.source.describe(), "error": e.to_string(), "serial": held.serial}),
                );
                self.lock().checked_at = now;
                Ok(held)
            }
        }
    }

    async fn fetch(&self, now: i64) -> Result<Arc<Identity>, Unavailable> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let read = async {
            let fetched = self.source.fetch().await.map_err(|e| e.to_string())?;
            let bundle = CertBundle::from_json(&fetched.text).map_err(|e| e.to_string())?;
            Identity::from_bundle(&bundle, &self.expected_spiffe_id, fetched.version)
                .map_err(|e| e.to_string())
        }
        .await;
        let mut state = self.lock();
        state.fetched_at = Some(now);
        let read = read.and_then(|identity| {
            if identity.usable_at(now) {
                Ok(identity)
            } else {
                Err(format!(
                    "the certificate in {} (serial {}) expired at {}, and nothing newer has been written (is certificate_generation on, and is the issuer running?)",
                    self.source.describe(),
                    identity.serial,
                    format_rfc3339(identity.not_after)
                ))
            }
        });
        match read {
            Ok(identity) => {
                state.checked_at = now;
                state.last_error = None;
                let held = state.current.clone();
                match held {
                    Some(held)
                        if held.serial == identity.serial && held.version == identity.version =>
                    {
                        Ok(held)
                    }
                    _ => {
                        log::info(
                            "certificate.loaded",
                            json!({
                                "source": self.source.describe(),
                                "spiffe_id": identity.spiffe_id,
                                "serial": identity.serial,
                                "not_after": format_rfc3339(identity.not_after),
                                "version": identity.version,
                                "previous_serial": held.as_ref().map(|h| h.serial.clone()),
                            }),
                        );
                        let identity = Arc::new(identity);
                        state.current = Some(identity.clone());
                        Ok(identity)
                    }
                }
            }
            Err(error) => {
                state.last_error = Some(error.clone());
                match state.current.clone().filter(|held| held.usable_at(now)) {
                    Some(held) => {
                        log::warn(
                            "certificate.refresh_failed",
                            json!({
                                "source": self.source.describe(),
                                "error": error,
                                "serving_serial": held.serial,
                                "serving_not_after": format_rfc3339(held.not_after),
                            }),
                        );
                        Ok(held)
                    }
                    None => {
                        state.current = None;
                        log::error(
                            "certificate.unavailable",
                            json!({"source": self.source.describe(), "error": error}),
                        );
                        Err(self.refusal(&state))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::source::MemorySource;
    use std::sync::atomic::AtomicI64;

    pub(crate) const ID: &str = "spiffe://example.internal/payments";

    /// A bundle for `id` valid from `not_before` to `not_after` (Unix seconds).
    pub(crate) fn bundle(id: &str, not_before: i64, not_after: i64) -> String {
        cert_bundle::fixture::bundle(id, Some((not_before, not_after))).to_json()
    }

    pub(crate) struct FakeClock(pub(crate) AtomicI64);

    impl Clock for FakeClock {
        fn now(&self) -> i64 {
            self.0.load(Ordering::Relaxed)
        }
    }

    const T0: i64 = 1_796_130_000;
    const DAY: i64 = 86_400;

    fn holder(policy: RefreshPolicy) -> (CertificateHolder, Arc<MemorySource>, Arc<FakeClock>) {
        let source = Arc::new(MemorySource::new());
        let clock = Arc::new(FakeClock(AtomicI64::new(T0)));
        let holder = CertificateHolder::new(source.clone(), ID, policy).with_clock(clock.clone());
        (holder, source, clock)
    }

    fn policy() -> RefreshPolicy {
        RefreshPolicy {
            margin: 12 * 3600,
            version_check: 300,
            retry: 30,
        }
    }

    fn at(clock: &FakeClock, t: i64) {
        clock.0.store(t, Ordering::Relaxed);
    }

    #[tokio::test]
    async fn loads_once_then_serves_from_memory() {
        let (h, source, _clock) = holder(policy());
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        let first = h.current().await.unwrap();
        for _ in 0..100 {
            let again = h.current().await.unwrap();
            assert!(Arc::ptr_eq(&first, &again));
        }
        assert_eq!((source.fetches(), source.version_checks()), (1, 0));
    }

    #[tokio::test]
    async fn a_newer_version_is_found_without_reading_the_key_until_it_changes() {
        let (h, source, clock) = holder(policy());
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        let first = h.current().await.unwrap();
        at(&clock, T0 + 299);
        h.current().await.unwrap();
        assert_eq!(source.version_checks(), 0, "not before the interval");
        at(&clock, T0 + 300);
        assert!(Arc::ptr_eq(&first, &h.current().await.unwrap()));
        assert_eq!((source.fetches(), source.version_checks()), (1, 1));
        source.set(bundle(ID, T0, T0 + DAY + 400));
        at(&clock, T0 + 600);
        let second = h.current().await.unwrap();
        assert_ne!(second.serial, first.serial);
        assert_eq!((source.fetches(), source.version_checks()), (2, 2));
    }

    #[tokio::test]
    async fn within_the_margin_it_rereads_and_presents_the_renewed_one_at_once() {
        let (h, source, clock) = holder(RefreshPolicy {
            version_check: 0,
            ..policy()
        });
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        let first = h.current().await.unwrap();
        // The issuer renews; without version checks only the margin finds it.
        source.set(bundle(ID, T0 + 11 * 3600, T0 + 35 * 3600));
        at(&clock, T0 + 12 * 3600 - 1);
        assert_eq!(h.current().await.unwrap().serial, first.serial);
        at(&clock, T0 + 12 * 3600 + 1);
        let renewed = h.current().await.unwrap();
        assert_ne!(
            renewed.serial, first.serial,
            "the first request past the margin presents the new one"
        );
        assert_eq!(source.fetches(), 2);
    }

    #[tokio::test]
    async fn a_fruitless_reread_in_the_margin_is_not_repeated_within_retry() {
        let (h, source, clock) = holder(RefreshPolicy {
            version_check: 0,
            ..policy()
        });
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        h.current().await.unwrap();
        at(&clock, T0 + 13 * 3600);
        for _ in 0..10 {
            h.current().await.unwrap();
        }
        assert_eq!(source.fetches(), 2);
        at(&clock, T0 + 13 * 3600 + 30);
        h.current().await.unwrap();
        assert_eq!(source.fetches(), 3);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_serving_the_valid_one() {
        let (h, source, clock) = holder(policy());
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        let first = h.current().await.unwrap();
        assert_eq!(h.last_error(), None);
        source.fail_with(Some("AccessDeniedException"));
        at(&clock, T0 + 20 * 3600);
        assert!(Arc::ptr_eq(&first, &h.current().await.unwrap()));
        let why = h.last_error().expect("the failed refresh is told");
        assert!(why.contains("AccessDeniedException"), "{why}");
        at(&clock, T0 + DAY - 1);
        assert!(Arc::ptr_eq(&first, &h.current().await.unwrap()));
    }

    #[tokio::test]
    async fn an_expired_certificate_is_never_handed_out() {
        let (h, source, clock) = holder(policy());
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        h.current().await.unwrap();
        at(&clock, T0 + DAY);
        let why = h.current().await.unwrap_err().0;
        assert!(why.contains("expired at"), "{why}");
        assert!(why.contains("certificate_generation"), "{why}");
        assert!(h.peek().is_none());
        // Refusals do not hammer the source, and a renewal heals it.
        let fetches = source.fetches();
        h.current().await.unwrap_err();
        assert_eq!(source.fetches(), fetches);
        source.set(bundle(ID, T0 + DAY - 60, T0 + 2 * DAY));
        at(&clock, T0 + DAY + 30);
        assert!(h.current().await.is_ok());
    }

    #[tokio::test]
    async fn another_apps_bundle_is_refused_with_the_reason() {
        let (h, source, _clock) = holder(policy());
        source.set(bundle(
            "spiffe://example.internal/ledger",
            T0 - 60,
            T0 + DAY,
        ));
        let why = h.current().await.unwrap_err().0;
        assert!(why.contains("spiffe://example.internal/ledger"), "{why}");
        assert!(!why.contains("PRIVATE"), "{why}");
    }

    #[tokio::test]
    async fn nothing_is_loaded_before_it_is_opened() {
        let source = Arc::new(MemorySource::new());
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        let h = Arc::new(
            CertificateHolder::new(source.clone(), ID, policy())
                .closed_until_open(Duration::from_millis(20)),
        );
        let why = h.current().await.unwrap_err().0;
        assert!(why.contains("first invocation"), "{why}");
        assert_eq!(source.fetches(), 0);
        // A request racing the first INVOKE waits for it instead of failing.
        let waiting = tokio::spawn({
            let h = h.clone();
            async move { h.current().await.map(|i| i.serial.clone()) }
        });
        tokio::task::yield_now().await;
        h.open();
        assert!(waiting.await.unwrap().is_ok());
        assert_eq!(source.fetches(), 1);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_read() {
        let (h, source, _clock) = holder(policy());
        source.set(bundle(ID, T0 - 60, T0 + DAY));
        let h = Arc::new(h);
        let calls: Vec<_> = (0..16)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move { h.current().await.is_ok() })
            })
            .collect();
        for call in calls {
            assert!(call.await.unwrap());
        }
        assert_eq!(source.fetches(), 1);
    }
}
