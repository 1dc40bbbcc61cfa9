//! One sync run: list Keywhiz, list Secrets Manager, plan, fetch what
//! changed, write, then delete (guarded). Built once per process; `run_once`
//! is what both the CLI and the Lambda handler call.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::Client;
use futures_util::{stream, StreamExt};
use keywhiz_client::{ClientConfig, KeywhizClient, RetryPolicy};
use serde_json::json;
use tokio::sync::Mutex;

use crate::apply::{Done, Writer};
use crate::clock::{now_epoch, rfc3339};
use crate::error::{FailureKind, RunError, WriteError};
use crate::identity::{self, Identity};
use crate::plan::{plan, Plan, Step, Task, WriteReason};
use crate::ratelimit::RateLimiter;
use crate::report::{Expiring, Report, Status};
use crate::settings::{IdentitySource, Settings};
use crate::{inventory, log, source};
use runtime_support::aws::{retry_config, CallCounter};

/// How long a Keywhiz client (and so the identity read from Secrets Manager)
/// is reused in a warm Lambda: certificates are issued every 12 h, valid 24 h.
const IDENTITY_TTL: Duration = Duration::from_secs(3600);

pub struct Syncer {
    settings: Settings,
    sm: Client,
    counter: CallCounter,
    limiter: RateLimiter,
    keywhiz: Mutex<Option<(Instant, KeywhizClient)>>,
}

/// The Secrets Manager client the syncer uses: the SDK's standard retry mode
/// (exponential backoff with jitter on throttling) with more attempts, and
/// the call counter.
pub fn secretsmanager_client(
    sdk: &SdkConfig,
    settings: &Settings,
    counter: &CallCounter,
) -> Client {
    let conf = aws_sdk_secretsmanager::config::Builder::from(sdk)
        .retry_config(retry_config(
            settings.sm_attempts,
            Duration::from_millis(200),
        ))
        .interceptor(counter.clone())
        .build();
    Client::from_conf(conf)
}

impl Syncer {
    /// `settings` must be valid ([`Settings::validate`]).
    pub fn new(settings: Settings, sdk: &SdkConfig) -> Self {
        let counter = CallCounter::default();
        let sm = secretsmanager_client(sdk, &settings, &counter);
        let limiter = RateLimiter::new(settings.write_tps);
        Self {
            settings,
            sm,
            counter,
            limiter,
            keywhiz: Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The decommissioning run ([`crate::decommission`]): every managed
    /// secret deleted with the recovery window, Keywhiz not asked.
    pub async fn decommission(&self) -> Report {
        let started = Instant::now();
        let before = self.counter.snapshot();
        let mut report =
            crate::decommission::run(&self.sm, &self.limiter, self.settings.recovery_window_days)
                .await;
        report.secretsmanager = self.counter.snapshot().since(&before);
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report
    }

    /// One run; never panics on outside input, always returns a report.
    pub async fn run_once(&self) -> Report {
        let started = Instant::now();
        let before = self.counter.snapshot();
        let calls = source::Calls::default();
        log::info(
            "sync.start",
            json!({"app": self.settings.app, "spiffe_id": self.settings.spiffe_id(),
                   "dry_run": self.settings.dry_run}),
        );
        let mut report = match self.keywhiz_client().await {
            Ok(kw) => {
                let r = self.run_with(&kw, &calls).await;
                if r.status == Status::Failed {
                    // The identity may have rotated under us: read it again next time.
                    *self.keywhiz.lock().await = None;
                }
                r
            }
            Err(e) => Report::failed(&e),
        };
        report.keywhiz_requests = calls.total();
        report.secretsmanager = self.counter.snapshot().since(&before);
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let fields = serde_json::to_value(&report).unwrap_or_default();
        match report.status {
            Status::Ok => log::info("sync.done", fields),
            Status::Partial => log::warn("sync.done", fields),
            Status::DeletesRefused | Status::Failed => log::error("sync.done", fields),
        }
        report
    }

    async fn keywhiz_client(&self) -> Result<KeywhizClient, RunError> {
        let mut cached = self.keywhiz.lock().await;
        if let Some((at, kw)) = cached.as_ref() {
            if at.elapsed() < IDENTITY_TTL {
                return Ok(kw.clone());
            }
        }
        let id = self.load_identity().await?;
        let ca = match (
            &self.settings.keywhiz_ca_pem,
            &self.settings.keywhiz_ca_file,
        ) {
            (Some(pem), _) => pem.clone().into_bytes(),
            (None, Some(path)) => std::fs::read(path).map_err(|source| RunError::KeywhizCa {
                path: path.display().to_string(),
                source,
            })?,
            (None, None) => id.ca_pem.clone().ok_or(RunError::NoKeywhizCa)?,
        };
        let retry = RetryPolicy {
            max_attempts: self.settings.keywhiz_attempts,
            total_timeout: self.settings.keywhiz_timeout(),
            ..RetryPolicy::default()
        };
        let config = ClientConfig::new(
            self.settings.keywhiz_url.clone(),
            id.cert_pem,
            id.key_pem,
            ca,
        )
        .with_retry(retry);
        let kw = KeywhizClient::new(&config).map_err(RunError::KeywhizClient)?;
        *cached = Some((Instant::now(), kw.clone()));
        Ok(kw)
    }

    async fn load_identity(&self) -> Result<Identity, identity::IdentityError> {
        let (spiffe_id, now) = (self.settings.spiffe_id(), now_epoch());
        match self.settings.identity() {
            IdentitySource::Files { cert, key } => {
                identity::from_files(&cert, &key, &spiffe_id, now)
            }
            IdentitySource::Secret(name) => {
                identity::from_secret(&self.sm, &name, &spiffe_id, now).await
            }
        }
    }

    async fn run_with(&self, kw: &KeywhizClient, calls: &source::Calls) -> Report {
        // 1. Keywhiz first: if it cannot be trusted, nothing is touched.
        let listed = match source::list(kw, calls).await {
            Ok(l) => l,
            Err(e) => return Report::failed(&e.into()),
        };
        // 2. What Secrets Manager holds, without reading a value.
        let existing = match inventory::list(&self.sm).await {
            Ok(e) => e,
            Err(e) => return Report::failed(&RunError::Inventory(e)),
        };
        let now = now_epoch();
        let warn_secs = keywhiz_client::expiry::window(self.settings.expiry_warning_days);
        let digest = match self
            .settings
            .resource_policy
            .as_deref()
            .map(crate::policy::digest)
        {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => return Report::failed(&RunError::ResourcePolicy(e)),
            None => None,
        };
        let mut p = plan(
            &listed,
            &existing,
            now,
            warn_secs,
            self.settings.guard(now),
            digest.as_deref(),
        );
        let mut report = Report {
            keywhiz_listed: listed.len() as u64,
            secretsmanager_listed: existing.len() as u64,
            ..Report::default()
        };
        self.log_plan(&p, &mut report);
        if self.settings.dry_run {
            if p.deletes_refused.is_some() {
                report.status = Status::DeletesRefused;
                report.actions.deletes_refused = p.deletes.len() as u64;
            }
            return report;
        }
        let writer = Writer {
            sm: &self.sm,
            limiter: &self.limiter,
            recovery_window_days: self.settings.recovery_window_days,
            resource_policy: self.settings.resource_policy.as_deref(),
        };
        if self.settings.verify_resource_policies {
            self.verify_policies(&writer, &mut p, &mut report).await;
        }
        // 3. Contents only for what changed, then the writes.
        let need: Vec<String> = p
            .tasks
            .iter()
            .filter(|t| t.needs_content())
            .map(|t| t.target.keywhiz_name.clone())
            .collect();
        let contents = if need.is_empty() {
            source::Contents::default()
        } else {
            source::fetch(kw, &need, self.settings.batch_size, calls).await
        };
        report.contents_fetched = contents.fetched.len() as u64;
        report.actions.gone = contents.gone.len() as u64;
        for (name, err) in &contents.failed {
            log::warn(
                "keywhiz.fetch_failed",
                json!({"secret": name, "error": err}),
            );
        }
        report.fail(FailureKind::Keywhiz, contents.failed.len() as u64);
        let runnable: Vec<&Task> = p
            .tasks
            .iter()
            .filter(|t| !t.needs_content() || contents.fetched.contains_key(&t.target.keywhiz_name))
            .collect();
        let results = self.run_tasks(&writer, &runnable, &contents.fetched).await;
        for (task, done) in runnable.iter().zip(&results) {
            tally(&mut report, task, done);
        }
        // 4. Deletes last (new values are in place first), unless refused.
        match &p.deletes_refused {
            Some(reason) => {
                report.actions.deletes_refused = p.deletes.len() as u64;
                log::error(
                    "sync.deletes_refused",
                    json!({"reason": reason, "would_delete": p.deletes.len(),
                           "synced": p.synced_before,
                           "max_delete_share": self.settings.max_delete_share}),
                );
            }
            None => {
                for name in &p.deletes {
                    match writer.delete(name).await {
                        Ok(()) => report.actions.deleted += 1,
                        Err(e) => {
                            report.fail(e.kind, 1);
                            log::warn(
                                "secret.delete_failed",
                                json!({"secret": name, "kind": e.kind, "error": e.to_string()}),
                            );
                        }
                    }
                }
            }
        }
        report.status = if p.deletes_refused.is_some() {
            Status::DeletesRefused
        } else if report.actions.failed > 0 {
            Status::Partial
        } else {
            Status::Ok
        };
        report
    }

    /// Read back the policy of every secret the digest tag says is right and
    /// mark the ones that differ (or are missing) for a put.
    async fn verify_policies(&self, writer: &Writer<'_>, p: &mut Plan, report: &mut Report) {
        let Some(want) = self.settings.resource_policy.as_deref() else {
            return;
        };
        for t in p
            .tasks
            .iter_mut()
            .filter(|t| t.existing.is_some() && !t.put_policy)
        {
            match writer.get_policy(&t.target.sm_name).await {
                Ok(Some(have)) if crate::policy::same(&have, want) => {}
                Ok(_) => {
                    log::warn(
                        "secret.policy_drift",
                        json!({"secret": t.target.keywhiz_name,
                               "detail": "the resource policy is missing or not the configured one"}),
                    );
                    t.put_policy = true;
                }
                Err(e) => {
                    report.fail(e.kind, 1);
                    log::warn(
                        "secret.policy_read_failed",
                        json!({"secret": t.target.keywhiz_name, "kind": e.kind,
                               "error": e.to_string()}),
                    );
                }
            }
        }
    }

    /// Run tasks with at most `write_concurrency` in flight; results in task order.
    async fn run_tasks(
        &self,
        writer: &Writer<'_>,
        tasks: &[&Task],
        fetched: &BTreeMap<String, source::Fetched>,
    ) -> Vec<Done> {
        stream::iter(tasks)
            .map(|task| writer.run(task, fetched.get(&task.target.keywhiz_name)))
            .buffered(self.settings.write_concurrency)
            .collect()
            .await
    }

    fn log_plan(&self, p: &Plan, report: &mut Report) {
        report.actions.skipped_unmanaged = p.unmanaged.len() as u64;
        report.actions.skipped_invalid_name = p.invalid_names.len() as u64;
        for name in &p.unmanaged {
            log::warn(
                "secret.unmanaged_conflict",
                json!({"secret": name, "detail": "a keywhiz/ secret without the syncer tag exists; left alone"}),
            );
        }
        for name in &p.invalid_names {
            log::warn("secret.invalid_name", json!({"secret": name}));
        }
        for t in p.tasks.iter().filter(|t| t.target.expiring) {
            let expiry = t.target.expiry.map(rfc3339).unwrap_or_default();
            log::warn(
                "secret.expiring",
                json!({"secret": t.target.keywhiz_name, "expiry": expiry,
                       "warning_days": self.settings.expiry_warning_days}),
            );
            report.expiring.push(Expiring {
                name: t.target.keywhiz_name.clone(),
                expiry,
            });
        }
        let count = |f: &dyn Fn(&Task) -> bool| p.count(f);
        log::info(
            "sync.plan",
            json!({
                "create": count(&|t| t.step == Step::Create),
                "write_changed": count(&|t| t.step == Step::Write(WriteReason::Changed)),
                "write_unverified": count(&|t| t.step == Step::Write(WriteReason::Unverified)),
                "write_drift": count(&|t| t.step == Step::Write(WriteReason::Drift)),
                "restage": count(&|t| matches!(t.step, Step::Restage { .. })),
                "retag": count(&|t| t.step == Step::Retag),
                "put_policy": count(&|t| t.put_policy),
                "restore": count(&|t| t.restore),
                "keep": count(&|t| t.step == Step::Keep && !t.restore),
                "delete": p.deletes.len(),
                "deletes_refused": p.deletes_refused.is_some(),
                "unmanaged": p.unmanaged.len(),
                "invalid_names": p.invalid_names.len(),
            }),
        );
    }
}

fn tally(report: &mut Report, task: &Task, done: &Done) {
    if let Some(e) = &done.error {
        match e {
            WriteError::TooLarge { .. } => report.actions.skipped_too_large += 1,
            other => report.fail(other.kind(), 1),
        }
        log::warn(
            "secret.write_failed",
            json!({"secret": task.target.keywhiz_name, "kind": e.kind(), "error": e.to_string()}),
        );
    }
    let a = &mut report.actions;
    a.restored += u64::from(done.restored);
    a.created += u64::from(done.created);
    a.updated += u64::from(done.updated);
    a.restaged += u64::from(done.restaged);
    a.retagged += u64::from(done.retagged && !done.created && !done.updated);
    a.policies_repaired += u64::from(done.policy_repaired);
    let changed = done.restored
        || done.created
        || done.updated
        || done.restaged
        || done.retagged
        || done.policy_repaired;
    if done.error.is_none() && !changed {
        a.unchanged += 1;
    }
}
