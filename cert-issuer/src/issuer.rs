//! The issuer: built once per process (SDK clients, the CA, the ledger, the
//! rate limiter), then any number of runs. `once` plans and does the jobs in
//! this process; `plan` enqueues them when a queue is configured (the
//! scheduled Lambda); `work` does jobs handed to it (the SQS-triggered Lambda,
//! or `cert-issuer work` draining the queue). All of them end with one
//! `run.done` line: the report with its EMF metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use aws_config::SdkConfig;
use futures_util::{stream, StreamExt};
use registry_client::{ClientConfig, RegistryClient, RetryPolicy};
use serde_json::json;

use crate::accounts::{Accounts, SecretsManagerAccounts};
use crate::aws::{describe, retry_config, CallCounter};
use crate::ca::acmpca::AcmPca;
use crate::ca::local::LocalCa;
use crate::ca::CertificateAuthority;
use crate::clock::{Clock, SystemClock};
use crate::job::{Job, Reason};
use crate::ledger::{DynamoLedger, FileLedger, Ledger};
use crate::queue::Queue;
use crate::ratelimit::RateLimiter;
use crate::report::{Report, Status};
use crate::settings::{CaBackend, RegistryIdentity, Settings};
use crate::work::{Outcome, Worker};
use crate::{log, plan, policy, target};

/// Tokens are derived from the hour: the schedule's period.
pub const WINDOW_SECS: i64 = 3600;

#[derive(Debug, thiserror::Error)]
#[error("setting up the issuer: {0}")]
pub struct SetupError(pub String);

/// Where the Registry client comes from.
pub enum RegistrySource {
    /// A ready client (files, tests).
    Client(RegistryClient),
    /// A cert-bundle JSON in a secret of the central account, read per planning run.
    Secret {
        sm: aws_sdk_secretsmanager::Client,
        name: String,
        url: String,
        retry: RetryPolicy,
    },
}

/// The parts an issuer is made of (tests and the simulation bring their own).
pub struct Parts {
    pub clock: Arc<dyn Clock>,
    pub ca: Arc<dyn CertificateAuthority>,
    pub accounts: Arc<dyn Accounts>,
    pub ledger: Arc<dyn Ledger>,
    pub registry: RegistrySource,
    pub queue: Option<Queue>,
    pub counter: CallCounter,
    pub mesh_roots: String,
}

pub struct Issuer {
    settings: Arc<Settings>,
    worker: Worker,
    registry: RegistrySource,
    queue: Option<Queue>,
    counter: CallCounter,
}

/// A planning run that stopped, and what the ledger alone still tells of the
/// nearest expiries (so the alarm sees them while Registry is down).
struct PlanFailure {
    error: String,
    ledger: u64,
    min_remaining_secs: Option<i64>,
    expiring: u64,
}

fn setup(e: impl std::fmt::Display) -> SetupError {
    SetupError(e.to_string())
}

fn registry_retry(s: &Settings) -> RetryPolicy {
    RetryPolicy {
        max_attempts: s.registry_attempts,
        total_timeout: s.registry_timeout(),
        ..RetryPolicy::default()
    }
}

impl Issuer {
    /// Everything from the settings (which must be valid) and the SDK configuration.
    pub async fn from_settings(settings: Settings, sdk: &SdkConfig) -> Result<Issuer, SetupError> {
        let counter = CallCounter::default();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mesh_roots = match (&settings.mesh_ca_bundle_pem, &settings.mesh_ca_bundle_file) {
            (Some(pem), _) => pem.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| setup(format!("mesh_ca_bundle_file {}: {e}", path.display())))?,
            (None, None) => return Err(setup("no mesh roots")),
        };
        cert_bundle::pem::certificates("mesh_ca_bundle", &mesh_roots).map_err(setup)?;
        let ca: Arc<dyn CertificateAuthority> = match settings.ca_backend {
            CaBackend::AcmPca => Arc::new(AcmPca::new(
                sdk,
                settings.ca_arn.as_deref().unwrap_or_default(),
                &settings.signing_algorithm,
                std::time::Duration::from_secs(settings.pca_wait_secs),
                settings.aws_attempts,
                &counter,
            )),
            CaBackend::Local => {
                let dir = settings.local_ca_dir.clone().unwrap_or_default();
                Arc::new(LocalCa::open(&dir, clock.clone()).map_err(setup)?)
            }
        };
        let accounts = Arc::new(SecretsManagerAccounts::new(
            sdk,
            &settings.writer_role,
            settings.region.clone(),
            settings.aws_attempts,
            &counter,
        ));
        let ledger: Arc<dyn Ledger> = match (&settings.ledger_table, &settings.ledger_file) {
            (Some(table), _) => Arc::new(DynamoLedger::new(
                sdk,
                table,
                settings.aws_attempts,
                &counter,
            )),
            (None, Some(path)) => Arc::new(FileLedger::open(path).map_err(setup)?),
            (None, None) => return Err(setup("no ledger")),
        };
        let queue = settings
            .queue_url
            .as_deref()
            .map(|url| Queue::new(sdk, url, settings.aws_attempts, &counter));
        let registry = match settings.registry_identity().map_err(setup)? {
            RegistryIdentity::Files { cert, key, ca } => {
                let config =
                    ClientConfig::from_files(settings.registry_url.clone(), &cert, &key, &ca)
                        .map_err(setup)?
                        .with_retry(registry_retry(&settings));
                RegistrySource::Client(RegistryClient::new(&config).map_err(setup)?)
            }
            RegistryIdentity::Secret(name) => {
                let conf = aws_sdk_secretsmanager::config::Builder::from(sdk)
                    .retry_config(retry_config(settings.aws_attempts))
                    .interceptor(counter.labelled("secretsmanager"))
                    .build();
                RegistrySource::Secret {
                    sm: aws_sdk_secretsmanager::Client::from_conf(conf),
                    name,
                    url: settings.registry_url.clone(),
                    retry: registry_retry(&settings),
                }
            }
        };
        Self::new(
            settings,
            Parts {
                clock,
                ca,
                accounts,
                ledger,
                registry,
                queue,
                counter,
                mesh_roots,
            },
        )
    }

    pub fn new(settings: Settings, parts: Parts) -> Result<Issuer, SetupError> {
        let template_sha256 = policy::template_digest().map_err(setup)?;
        let settings = Arc::new(settings);
        let worker = Worker {
            limiter: Arc::new(RateLimiter::new(settings.issue_tps)),
            settings: settings.clone(),
            clock: parts.clock,
            ca: parts.ca,
            accounts: parts.accounts,
            ledger: parts.ledger,
            mesh_roots: Arc::new(parts.mesh_roots),
            template_sha256: Arc::new(template_sha256),
            ca_requests: Arc::new(AtomicU64::new(0)),
        };
        Ok(Issuer {
            settings,
            worker,
            registry: parts.registry,
            queue: parts.queue,
            counter: parts.counter,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The CA's chain: what the mesh must trust to accept the certificates.
    pub async fn ca_chain(&self) -> Result<String, String> {
        self.worker.ca.ca_chain().await.map_err(|e| e.to_string())
    }

    async fn registry(&self) -> Result<RegistryClient, String> {
        match &self.registry {
            RegistrySource::Client(c) => Ok(c.clone()),
            RegistrySource::Secret {
                sm,
                name,
                url,
                retry,
            } => {
                let out = sm
                    .get_secret_value()
                    .secret_id(name)
                    .send()
                    .await
                    .map_err(|e| {
                        format!("reading the Registry identity {name}: {}", describe(&e))
                    })?;
                let b = cert_bundle::CertBundle::from_json(out.secret_string().unwrap_or_default())
                    .map_err(|e| format!("the Registry identity {name}: {e}"))?;
                let chain = b.certificate_chain().map_err(|e| e.to_string())?;
                cert_bundle::svid::leaf_facts(&chain[0])
                    .map_err(|e| format!("the Registry identity {name}: {e}"))?;
                let config = ClientConfig::new(
                    url.clone(),
                    b.certificate.into_bytes(),
                    b.private_key.into_bytes(),
                    b.ca_bundle.into_bytes(),
                )
                .with_retry(*retry);
                RegistryClient::new(&config).map_err(|e| e.to_string())
            }
        }
    }

    /// Plan and do every job in this process (`cert-issuer once`).
    pub async fn once(&self) -> Report {
        self.plan_and(false).await
    }

    /// The scheduled run: enqueue the jobs when a queue is configured, else do them.
    pub async fn plan(&self) -> Report {
        self.plan_and(self.queue.is_some()).await
    }

    async fn plan_and(&self, enqueue: bool) -> Report {
        let started = Instant::now();
        let before = self.counter.snapshot();
        let ca_before = self.worker.ca_requests.load(Ordering::SeqCst);
        let mode = if enqueue { "plan" } else { "once" };
        log::info(
            "run.start",
            json!({"mode": mode, "trust_domain": self.settings.trust_domain,
                   "ca": self.worker.ca.kind(), "dry_run": self.settings.dry_run}),
        );
        let mut report = match self.plan_inner(mode, enqueue).await {
            Ok(r) => r,
            Err(f) => Report {
                // Registry may be down for hours: the nearest expiry still
                // reaches the alarm, from the ledger alone.
                ledger: f.ledger,
                min_remaining_secs: f.min_remaining_secs,
                expiring: f.expiring,
                ..Report::failed(mode, f.error)
            },
        };
        self.finish(&mut report, started, &before, ca_before);
        report
    }

    async fn plan_inner(&self, mode: &str, enqueue: bool) -> Result<Report, PlanFailure> {
        let ledger = self.worker.ledger.all().await.map_err(|e| PlanFailure {
            error: e.to_string(),
            ledger: 0,
            min_remaining_secs: None,
            expiring: 0,
        })?;
        let now = self.worker.clock.now();
        let left: Vec<i64> = ledger.values().map(|r| r.not_after - now).collect();
        let fail = |error: String| PlanFailure {
            error,
            ledger: ledger.len() as u64,
            min_remaining_secs: left.iter().copied().min(),
            expiring: left
                .iter()
                .filter(|l| **l < self.settings.alarm_secs())
                .count() as u64,
        };
        // If Registry cannot be read, nothing is issued or deleted.
        let registry = self.registry().await.map_err(fail)?;
        let listing = target::list(&registry, &self.settings.trust_domain)
            .await
            .map_err(|e| fail(format!("listing Registry: {e}")))?;
        for reason in &listing.skipped {
            log::warn("registry.skipped", json!({"reason": reason}));
        }
        let p = plan::plan(
            &listing.targets,
            &ledger,
            now,
            self.settings.renew_margin_secs(),
            self.settings.alarm_secs(),
            WINDOW_SECS,
            &self.worker.template_sha256,
        );
        for (key, left) in &p.expiring {
            log::error(
                "certificate.expiring",
                json!({"app": key.app, "account_id": key.account_id, "remaining_secs": left,
                       "alarm_hours": self.settings.alarm_remaining_hours}),
            );
        }
        let count = |r: Reason| {
            p.jobs
                .iter()
                .filter(|j| matches!(j, Job::Issue { reason, .. } if *reason == r))
                .count()
        };
        log::info(
            "run.plan",
            json!({"listed": listing.targets.len(), "ledger": ledger.len(), "fresh": p.fresh,
                   "missing": count(Reason::Missing), "renew": count(Reason::Renew),
                   "identity": count(Reason::Identity), "readers": count(Reason::Readers),
                   "delete": p.deletes()}),
        );
        let mut report = Report {
            mode: mode.into(),
            listed: listing.targets.len() as u64,
            registry_skipped: listing.skipped.len() as u64,
            ledger: ledger.len() as u64,
            due: p.jobs.len() as u64,
            skipped: p.fresh,
            missing: p.missing,
            min_remaining_secs: p.min_remaining,
            expiring: p.expiring.len() as u64,
            ..Report::default()
        };
        if self.settings.dry_run || p.jobs.is_empty() {
            return Ok(report);
        }
        match (&self.queue, enqueue) {
            (Some(queue), true) => {
                let failed = queue
                    .send_all(&p.jobs, self.settings.concurrency)
                    .await
                    .map_err(fail)?;
                report.enqueued = (p.jobs.len() - failed) as u64;
                report.failed = failed as u64;
                if failed > 0 {
                    report.status = Status::Partial;
                }
            }
            _ => {
                let outcomes = self.run_jobs(&p.jobs).await;
                report.tally(&outcomes);
            }
        }
        Ok(report)
    }

    async fn run_jobs(&self, jobs: &[Job]) -> Vec<Outcome> {
        stream::iter(jobs)
            .map(|job| self.worker.run(job))
            .buffered(self.settings.concurrency)
            .collect()
            .await
    }

    /// Do jobs handed over (an SQS batch): outcomes in the jobs' order.
    pub async fn work(&self, jobs: &[Job]) -> (Report, Vec<Outcome>) {
        let started = Instant::now();
        let before = self.counter.snapshot();
        let ca_before = self.worker.ca_requests.load(Ordering::SeqCst);
        let outcomes = self.run_jobs(jobs).await;
        let mut report = Report {
            mode: "work".into(),
            due: jobs.len() as u64,
            ..Report::default()
        };
        report.tally(&outcomes);
        self.finish(&mut report, started, &before, ca_before);
        (report, outcomes)
    }

    /// Receive, do and delete queued jobs until the queue answers empty
    /// (`cert-issuer work`; the Lambda gets its batches from the event source).
    pub async fn drain(&self, wait_secs: i32) -> Report {
        let started = Instant::now();
        let before = self.counter.snapshot();
        let ca_before = self.worker.ca_requests.load(Ordering::SeqCst);
        let mut report = Report {
            mode: "work".into(),
            ..Report::default()
        };
        let Some(queue) = &self.queue else {
            return Report::failed("work", "no queue_url is set".into());
        };
        loop {
            let batch = match queue.receive(wait_secs).await {
                Ok(b) => b,
                Err(e) => {
                    report.status = Status::Failed;
                    report.error = Some(e);
                    break;
                }
            };
            if batch.is_empty() {
                break;
            }
            report.due += batch.len() as u64;
            let (jobs, receipts): (Vec<Job>, Vec<String>) = batch
                .into_iter()
                .filter_map(|m| match m.job {
                    Ok(j) => Some((j, m.receipt)),
                    Err(e) => {
                        log::error("job.unreadable", json!({"error": e}));
                        report.failed += 1;
                        None
                    }
                })
                .unzip();
            let outcomes = self.run_jobs(&jobs).await;
            report.tally(&outcomes);
            let done: Vec<String> = receipts
                .into_iter()
                .zip(&outcomes)
                .filter(|(_, o)| !matches!(o, Outcome::Failed { .. }))
                .map(|(r, _)| r)
                .collect();
            if let Err(e) = queue.delete(&done).await {
                log::warn("queue.delete_failed", json!({"error": e}));
            }
        }
        if report.failed > 0 && report.status == Status::Ok {
            report.status = Status::Partial;
        }
        self.finish(&mut report, started, &before, ca_before);
        report
    }

    fn finish(
        &self,
        report: &mut Report,
        started: Instant,
        before: &crate::aws::Counts,
        ca_before: u64,
    ) {
        report.aws = self.counter.snapshot().since(before);
        report.ca_requests = self.worker.ca_requests.load(Ordering::SeqCst) - ca_before;
        report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let fields = report.emf(self.worker.clock.now().saturating_mul(1000));
        match report.status {
            Status::Ok => log::info("run.done", fields),
            Status::Partial => log::warn("run.done", fields),
            Status::Failed => log::error("run.done", fields),
        }
    }
}
