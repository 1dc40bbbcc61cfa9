//! `bench/cert-issuer.sh`: the issuer at scale, in three measurements.
//!
//! 1. **Calls per certificate, every AWS call real** (moto: STS, Secrets
//!    Manager, DynamoDB, SQS; mock Registry; the local CA): a first cycle, a
//!    no-op run and a renewal cycle of `SMALL_APPS` apps × 4 accounts, counted
//!    where the requests leave the SDK.
//! 2. **A 10,000-app, 40,000-certificate cycle through moto's SQS**: the
//!    planning run over mock Registry's 10,000 apps (its Registry calls and
//!    time), then every one of the cycle's 40,000 jobs sent with
//!    `SendMessageBatch` into moto's SQS, received, worked by `workers`
//!    issuers (local CA) and deleted, in rounds of `ROUND` messages: moto's
//!    SQS spends O(queue depth) on every message sent or received, so a queue
//!    40,000 deep would measure moto for hours. Every SQS call is counted;
//!    the CA must have signed each certificate exactly once. Secrets Manager
//!    is in memory here (its per-certificate calls are part 1's).
//! 3. **Pacing, in virtual time** (tokio's paused clock, deterministic): the
//!    same workers and rate limiter over the same 40,000 jobs, each worker
//!    keeping `issue_tps / workers`: the cycle's length, the mean rate and the
//!    most `IssueCertificate` calls in any one second against the quota (25).
//!
//! Then the monthly cost per 1,000 apps from these counts and AWS's prices.

#[path = "../tests/cert-issuer/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName;
use cert_issuer::accounts::MemoryAccounts;
use cert_issuer::aws::{CallCounter, Counts};
use cert_issuer::ca::local::LocalCa;
use cert_issuer::ca::{CaError, CertificateAuthority, IssueRequest, Issued};
use cert_issuer::clock::Clock;
use cert_issuer::job::Job;
use cert_issuer::ledger::FileLedger;
use cert_issuer::queue::Queue;
use cert_issuer::{Issuer, Parts, RegistrySource, Report, Status};
use common::{World, HOUR};
use registry_client::{ClientConfig, RegistryClient, RetryPolicy};

const ACCOUNTS_PER_APP: usize = 4;
const SMALL_APPS: usize = 100;
/// 30 days × 24 h ÷ the 12 h renewal period.
const CERTS_PER_TARGET_MONTH: f64 = 60.0;
/// Hourly planning runs in a 30-day month.
const PLANS_PER_MONTH: f64 = 720.0;
const QUOTA_TPS: f64 = 25.0;
const MEMORY_GB: f64 = 0.25;
/// An assumed SQS request latency, for the planner's billed time only.
const SQS_CALL_S: f64 = 0.02;

// Prices, us-east-1, USD (AWS price list; see cert-issuer/README.md "Cost").
const PCA_SHORT_LIVED_CA_MONTH: f64 = 50.0;
const PCA_SHORT_LIVED_CERT: f64 = 0.058;
const PCA_GENERAL_CA_MONTH: f64 = 400.0;
/// (certificates per month up to, price each) for general-purpose mode.
const PCA_GENERAL_TIERS: [(f64, f64); 3] = [(1_000.0, 0.75), (10_000.0, 0.35), (f64::MAX, 0.001)];
const SM_SECRET_MONTH: f64 = 0.40;
const SM_PER_CALL: f64 = 0.05 / 10_000.0;
const LAMBDA_ARM_GB_S: f64 = 0.000_013_333_4;
const LAMBDA_PER_REQUEST: f64 = 0.20 / 1_000_000.0;
const DDB_PER_WRITE: f64 = 0.625 / 1_000_000.0;
const DDB_PER_READ: f64 = 0.125 / 1_000_000.0;
const SQS_PER_REQUEST: f64 = 0.40 / 1_000_000.0;

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// `apps` generated apps, each with 4 accounts of its own and one function.
fn big_seed(apps: usize) -> mock_registry::Seed {
    let envs = ["development", "staging", "production", "sandbox"];
    let apps: Vec<serde_json::Value> = acceptance_tests::generated_app_names(apps, 11)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let accounts: Vec<serde_json::Value> = (0..ACCOUNTS_PER_APP)
                .map(|k| {
                    serde_json::json!({"account_id": format!("{:012}", 100_000_000_000u64 + (i * ACCOUNTS_PER_APP + k) as u64),
                                       "environment": envs[k % envs.len()]})
                })
                .collect();
            let first = accounts[0]["account_id"].clone();
            serde_json::json!({"name": name, "accounts": accounts, "certificate_generation": true,
                "functions": [{"account_id": first, "function_name": format!("{name}-api"), "role_name": format!("{name}-api")}]})
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "apps": apps })).expect("seed")
}

fn merge(a: &Counts, b: &Counts) -> Counts {
    let mut out = a.clone();
    for (k, v) in &b.calls {
        *out.calls.entry(k.clone()).or_default() += v;
    }
    out.attempts += b.attempts;
    out
}

fn per_cert(c: &Counts, n: u64) -> BTreeMap<String, f64> {
    c.calls
        .iter()
        .map(|(k, v)| (k.clone(), *v as f64 / n.max(1) as f64))
        .collect()
}

fn registry_client(w: &World) -> RegistryClient {
    RegistryClient::new(
        &ClientConfig::from_files(
            w.registry.base_url(),
            &w.identity.cert_path,
            &w.identity.key_path,
            &w.identity.ca_path,
        )
        .expect("config")
        .with_retry(RetryPolicy::default()),
    )
    .expect("client")
}

// ---- 1. every call real, small ----

struct Shape {
    certs: u64,
    first: Counts,
    noop: Counts,
    renewal: Counts,
    renewal_ca: u64,
}

async fn shape() -> Shape {
    let names = acceptance_tests::generated_app_names(SMALL_APPS, 5);
    let accounts: Vec<Vec<(String, &str)>> = (0..SMALL_APPS)
        .map(|i| {
            (0..ACCOUNTS_PER_APP)
                .map(|k| {
                    (
                        format!(
                            "{:012}",
                            200_000_000_000u64 + (i * ACCOUNTS_PER_APP + k) as u64
                        ),
                        ["development", "staging", "production", "sandbox"][k],
                    )
                })
                .collect()
        })
        .collect();
    let accounts_ref: Vec<Vec<(&str, &str)>> = accounts
        .iter()
        .map(|a| a.iter().map(|(id, e)| (id.as_str(), *e)).collect())
        .collect();
    let roles: Vec<String> = names.iter().map(|n| format!("{n}-api")).collect();
    let functions: Vec<Vec<(&str, &str, &str)>> = (0..SMALL_APPS)
        .map(|i| vec![(accounts_ref[i][0].0, roles[i].as_str(), roles[i].as_str())])
        .collect();
    let apps: Vec<common::AppSeed<'_>> = (0..SMALL_APPS)
        .map(|i| common::AppSeed {
            name: &names[i],
            accounts: &accounts_ref[i],
            on: true,
            functions: &functions[i],
        })
        .collect();
    let w = World::start(common::seed(&apps)).await;
    let mut settings = w.settings();
    settings.concurrency = 8;
    settings.issue_tps = 1000.0;
    let issuer = w.issuer(settings);
    let certs = (SMALL_APPS * ACCOUNTS_PER_APP) as u64;
    let plan = issuer.plan().await;
    let work = issuer.drain(0).await;
    assert_eq!(
        (plan.enqueued, work.issued),
        (certs, certs),
        "{plan:?} {work:?}"
    );
    let noop = issuer.plan().await;
    assert_eq!(noop.due, 0, "{noop:?}");
    w.clock.advance(12 * HOUR);
    let plan2 = issuer.plan().await;
    let work2 = issuer.drain(0).await;
    assert_eq!(work2.issued, certs, "{work2:?}");
    Shape {
        certs,
        first: merge(&plan.aws, &work.aws),
        noop: noop.aws,
        renewal: merge(&plan2.aws, &work2.aws),
        renewal_ca: work2.ca_requests,
    }
}

// ---- 2. 40,000 certificates through moto's SQS ----

struct Cycle {
    certs: u64,
    registry_requests: u64,
    plan_s: f64,
    rounds: u64,
    sent: Counts,
    drained: Counts,
    /// Worker drains; each ends on one empty ReceiveMessage.
    drains: u64,
    cycle_s: f64,
    issued: u64,
    /// Deliveries that found their certificate already current.
    duplicates: u64,
    /// Concurrent duplicate deliveries whose CA answer was the other
    /// worker's certificate (not written; redelivered, then found current).
    lost_races: u64,
    signed: u64,
}

/// The planning run over every app (dry run: what it lists and plans, its
/// Registry calls), then the whole cycle's jobs through moto's SQS in rounds
/// of `round` messages: `SendMessageBatch` as the planner sends them, then
/// `workers` drain the queue as the event source does (receive 10, work,
/// delete). moto's SQS costs O(queue depth) per message sent or received
/// (it recomputes the queue's attributes each time), so one queue 40,000 deep
/// would measure moto for hours; rounds keep it shallow and every message
/// still goes through it.
async fn cycle(w: &World, workers: usize, jobs: &[Job], round: usize) -> Cycle {
    let counter = CallCounter::default();
    let accounts = Arc::new(MemoryAccounts::new(&counter));
    let dir = tempfile::tempdir().expect("tmp");
    let ledger = Arc::new(FileLedger::open(&dir.path().join("ledger.jsonl")).expect("ledger"));
    let make = |counter: &CallCounter, dry_run: bool| {
        let mut settings = w.settings();
        settings.concurrency = 10;
        settings.issue_tps = 1000.0;
        settings.dry_run = dry_run;
        Issuer::new(
            settings,
            Parts {
                clock: Arc::new(w.clock.clone()),
                ca: w.ca.clone(),
                accounts: accounts.clone(),
                ledger: ledger.clone(),
                registry: RegistrySource::Client(registry_client(w)),
                queue: Some(Queue::new(&w.sdk, &w.queue_url, 6, counter)),
                counter: counter.clone(),
                mesh_roots: w.pki.ca_pem().to_owned(),
            },
        )
        .expect("issuer")
    };
    let planner = make(&counter, true);
    w.registry.server().clear_log();
    let t = Instant::now();
    let plan: Report = planner.plan().await;
    let plan_s = t.elapsed().as_secs_f64();
    assert_eq!(
        (plan.status, plan.due),
        (Status::Ok, jobs.len() as u64),
        "{plan:?}"
    );
    let registry_requests = w.registry.server().counters().total;

    let send_counter = CallCounter::default();
    let feeder = Queue::new(&w.sdk, &w.queue_url, 6, &send_counter);
    let drain_counter = CallCounter::default();
    let issuers: Vec<Issuer> = (0..workers).map(|_| make(&drain_counter, false)).collect();
    let signed_before = w.ca.issued();
    let mut t = Tally::default();
    let started = Instant::now();
    for chunk in jobs.chunks(round.max(1)) {
        assert_eq!(feeder.send_all(chunk, 10).await, Ok(0), "enqueued");
        t.add(futures_util::future::join_all(issuers.iter().map(|i| i.drain(0))).await);
        t.rounds += 1;
    }
    // A job that lost a race to a duplicate delivery failed and was not
    // deleted: it comes back after the visibility timeout and is found current.
    let sqs = aws_sdk_sqs::Client::new(&w.plain);
    loop {
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&w.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let left: u64 = attrs
            .attributes()
            .map(|a| a.values().filter_map(|v| v.parse::<u64>().ok()).sum())
            .unwrap_or(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        t.add(futures_util::future::join_all(issuers.iter().map(|i| i.drain(0))).await);
    }
    let cycle_s = started.elapsed().as_secs_f64();
    Cycle {
        certs: jobs.len() as u64,
        registry_requests,
        plan_s,
        rounds: t.rounds,
        sent: send_counter.snapshot(),
        drained: drain_counter.snapshot(),
        drains: t.drains,
        cycle_s,
        issued: t.issued,
        duplicates: t.duplicates,
        lost_races: t.failed,
        signed: w.ca.issued() - signed_before,
    }
}

#[derive(Default)]
struct Tally {
    rounds: u64,
    drains: u64,
    issued: u64,
    duplicates: u64,
    failed: u64,
}

impl Tally {
    fn add(&mut self, reports: Vec<Report>) {
        for r in &reports {
            assert_ne!(r.status, Status::Failed, "{r:?}");
            self.issued += r.issued;
            self.duplicates += r.skipped;
            self.failed += r.failed;
        }
        self.drains += reports.len() as u64;
    }
}

// ---- 3. pacing in virtual time ----

/// The local CA, noting when (virtual time) each request arrives.
#[derive(Debug)]
struct Timed {
    ca: Arc<LocalCa>,
    at: Mutex<Vec<tokio::time::Instant>>,
}

#[async_trait]
impl CertificateAuthority for Timed {
    async fn issue(&self, request: &IssueRequest) -> Result<Issued, CaError> {
        if let Ok(mut at) = self.at.lock() {
            at.push(tokio::time::Instant::now());
        }
        self.ca.issue(request).await
    }
    async fn ca_chain(&self) -> Result<String, CaError> {
        self.ca.ca_chain().await
    }
    fn kind(&self) -> &'static str {
        "local (timed)"
    }
}

struct Pacing {
    certs: usize,
    span_s: f64,
    max_in_a_second: usize,
    invocations: u64,
    billed_s: f64,
}

fn pacing(w: &World, jobs: Vec<Job>, workers: usize, issue_tps: f64) -> Pacing {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("paused runtime");
    let timed = Arc::new(Timed {
        ca: w.ca.clone(),
        at: Mutex::new(Vec::with_capacity(jobs.len())),
    });
    let certs = jobs.len();
    let queue = Arc::new(Mutex::new(jobs.into_iter().collect::<VecDeque<Job>>()));
    let counter = CallCounter::default();
    let accounts = Arc::new(MemoryAccounts::new(&counter));
    let dir = tempfile::tempdir().expect("tmp");
    let ledger = Arc::new(FileLedger::open(&dir.path().join("ledger.jsonl")).expect("ledger"));
    let (invocations, billed) = rt.block_on(async {
        let start = tokio::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..workers {
            let mut settings = w.settings();
            settings.concurrency = 10;
            settings.issue_tps = issue_tps / workers as f64;
            let issuer = Issuer::new(
                settings,
                Parts {
                    clock: Arc::new(w.clock.clone()),
                    ca: timed.clone(),
                    accounts: accounts.clone(),
                    ledger: ledger.clone(),
                    registry: RegistrySource::Client(registry_client(w)),
                    queue: None,
                    counter: counter.clone(),
                    mesh_roots: w.pki.ca_pem().to_owned(),
                },
            )
            .expect("issuer");
            let queue = queue.clone();
            tasks.push(async move {
                let (mut n, mut billed) = (0u64, 0f64);
                loop {
                    // One Lambda invocation: a batch of up to 10 messages.
                    let batch: Vec<Job> = {
                        let mut q = queue.lock().expect("lock");
                        let k = q.len().min(10);
                        q.drain(..k).collect()
                    };
                    if batch.is_empty() {
                        return (n, billed);
                    }
                    let t = tokio::time::Instant::now();
                    let (r, _) = issuer.work(&batch).await;
                    assert_eq!(r.issued as usize, batch.len(), "{r:?}");
                    billed += t.elapsed().as_secs_f64();
                    n += 1;
                }
            });
        }
        let done = futures_util::future::join_all(tasks).await;
        let _ = start;
        done.iter()
            .fold((0, 0.0), |(n, b), (dn, db)| (n + dn, b + db))
    });
    let mut at = timed.at.lock().expect("lock").clone();
    at.sort();
    let first = at[0];
    let secs: Vec<f64> = at
        .iter()
        .map(|t| t.duration_since(first).as_secs_f64())
        .collect();
    let span_s = secs.last().copied().unwrap_or(0.0);
    // The most calls in any window of one second, starting at a call.
    let mut max_in_a_second = 0;
    let mut j = 0;
    for i in 0..secs.len() {
        while j < secs.len() && secs[j] < secs[i] + 1.0 {
            j += 1;
        }
        max_in_a_second = max_in_a_second.max(j - i);
    }
    Pacing {
        certs,
        span_s,
        max_in_a_second,
        invocations,
        billed_s: billed,
    }
}

fn general_purpose_certs(n: f64) -> f64 {
    let (mut left, mut from, mut usd) = (n, 0.0, 0.0);
    for (upto, price) in PCA_GENERAL_TIERS {
        let here = left.min(upto - from);
        usd += here * price;
        left -= here;
        from = upto;
        if left <= 0.0 {
            break;
        }
    }
    usd
}

/// `ROUND` jobs at a time through moto's SQS (see `cycle`).
const ROUND: usize = 100;

fn main() {
    let apps = arg(1, 10_000);
    let workers = arg(2, 5);
    let issue_tps = arg(3, 20) as f64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    eprintln!("1/3: every call real, {SMALL_APPS} apps x {ACCOUNTS_PER_APP} accounts");
    let s = rt.block_on(shape());
    eprintln!("2/3: {apps} apps x {ACCOUNTS_PER_APP} accounts through moto's SQS");
    let w = rt.block_on(World::start(big_seed(apps)));
    let targets = rt
        .block_on(cert_issuer::target::list(
            &registry_client(&w),
            common::TRUST_DOMAIN,
        ))
        .expect("registry")
        .targets;
    let plan_at = |now: i64| {
        cert_issuer::plan::plan(
            &targets,
            &BTreeMap::new(),
            now,
            12 * HOUR,
            6 * HOUR,
            HOUR,
            "t",
        )
        .jobs
    };
    let jobs = plan_at(w.clock.now());
    let c = rt.block_on(cycle(&w, workers, &jobs, ROUND));
    assert_eq!(c.issued, c.certs, "every certificate of the cycle issued");
    assert_eq!(c.signed, c.certs, "none signed twice");
    eprintln!("3/3: pacing {} jobs in virtual time", jobs.len());
    // The same cycle in virtual time, planned 12 h later (new tokens).
    w.clock.advance(12 * HOUR);
    let p = pacing(&w, plan_at(w.clock.now()), workers, issue_tps);

    println!("cert-issuer: {apps} apps x {ACCOUNTS_PER_APP} accounts = {} certificates per cycle; {workers} workers; issue_tps {issue_tps}", c.certs);
    println!();
    println!("AWS calls per certificate, {} certificates, all calls real (moto, mock Registry, local CA):", s.certs);
    println!();
    println!("| operation | first cycle | no-op run | renewal cycle |");
    println!("|---|---:|---:|---:|");
    let mut ops: Vec<&String> = s
        .first
        .calls
        .keys()
        .chain(s.noop.calls.keys())
        .chain(s.renewal.calls.keys())
        .collect();
    ops.sort();
    ops.dedup();
    let (f, n, r) = (
        per_cert(&s.first, s.certs),
        per_cert(&s.noop, s.certs),
        per_cert(&s.renewal, s.certs),
    );
    for op in &ops {
        let g = |m: &BTreeMap<String, f64>| m.get(*op).copied().unwrap_or(0.0);
        println!("| {op} | {:.3} | {:.3} | {:.3} |", g(&f), g(&n), g(&r));
    }
    let total = |c: &Counts| c.total_calls() as f64 / s.certs as f64;
    println!(
        "| **all AWS calls** | **{:.3}** | **{:.3}** | **{:.3}** |",
        total(&s.first),
        total(&s.noop),
        total(&s.renewal)
    );
    println!(
        "| IssueCertificate (local CA) | 1.000 | 0.000 | {:.3} |",
        s.renewal_ca as f64 / s.certs as f64
    );
    println!();
    println!(
        "The {apps}-app cycle: every one of its {} certificates through moto's SQS, in {} rounds of {ROUND} (Secrets Manager in memory):",
        c.certs, c.rounds
    );
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| Registry requests of the planning run (mock) | {} |",
        c.registry_requests
    );
    println!(
        "| planning run: list {apps} apps, scan the ledger, plan {} jobs (no enqueue) | {:.0} ms |",
        c.certs,
        c.plan_s * 1000.0
    );
    let per = |n: u64| n as f64 / c.certs as f64;
    let sends = c.sent.get("sqs.SendMessageBatch");
    let receives = c.drained.get("sqs.ReceiveMessage");
    let deletes = c.drained.get("sqs.DeleteMessageBatch");
    println!(
        "| SendMessageBatch (planner) | {sends} ({:.3} per certificate) |",
        per(sends)
    );
    println!(
        "| ReceiveMessage (workers) | {receives} ({:.3} per certificate; {} of them the empty answer that ends a worker's round) |",
        per(receives),
        c.drains
    );
    println!(
        "| DeleteMessageBatch (workers) | {deletes} ({:.3} per certificate) |",
        per(deletes)
    );
    println!(
        "| certificates issued / signed by the CA | {} / {} |",
        c.issued, c.signed
    );
    println!(
        "| duplicate deliveries | {} found current; {} at the same time as the first (the CA answered with the first's certificate, not written, redelivered) |",
        c.duplicates, c.lost_races
    );
    println!(
        "| wall time of the cycle, unpaced, {workers} workers | {:.0} s ({:.0} certificates/s, bound by moto) |",
        c.cycle_s,
        c.certs as f64 / c.cycle_s
    );
    println!();
    println!(
        "Pacing in virtual time ({} jobs, {workers} workers x {:.1}/s):",
        p.certs,
        issue_tps / workers as f64
    );
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| cycle length | {:.0} s ({:.1} min; the renewal margin is 720 min) |",
        p.span_s,
        p.span_s / 60.0
    );
    println!(
        "| mean issue rate | {:.2} /s |",
        p.certs as f64 / p.span_s.max(1e-9)
    );
    println!(
        "| most IssueCertificate calls in any 1 s | {} (quota {QUOTA_TPS}) |",
        p.max_in_a_second
    );
    println!("| worker invocations (batches of 10) | {} |", p.invocations);
    println!(
        "| worker billed time | {:.0} s ({:.3} s per certificate) |",
        p.billed_s,
        p.billed_s / p.certs as f64
    );
    assert!(
        p.max_in_a_second as f64 <= QUOTA_TPS,
        "the pacing exceeded the quota"
    );

    // ---- the monthly cost per 1,000 apps ----
    // Per certificate: what the renewal cycle of part 1 and the queue of part
    // 2 counted. Per deployment (shared by the fleet): the CA's monthly fee
    // and the event source's idle long polls.
    let per_k_targets = 1_000.0 * ACCOUNTS_PER_APP as f64;
    let certs_month = per_k_targets * CERTS_PER_TARGET_MONTH;
    let sm_calls_per_cert = s
        .renewal
        .calls
        .iter()
        .filter(|(k, _)| k.starts_with("secretsmanager."))
        .map(|(_, v)| *v)
        .sum::<u64>() as f64
        / s.certs as f64;
    let ddb_writes_per_cert = s.renewal.get("dynamodb.PutItem") as f64 / s.certs as f64;
    let sqs_per_cert = per(sends) + per(receives.saturating_sub(c.drains)) + per(deletes);
    let billed_per_cert = p.billed_s / p.certs as f64;
    // The planner's time per 1,000 apps: listing and planning as measured,
    // plus its SendMessageBatch calls one after another at an assumed
    // SQS_CALL_S each (moto's time says nothing of SQS's).
    let planner_s =
        c.plan_s * 1_000.0 / apps as f64 + certs_month * per(sends) * SQS_CALL_S / PLANS_PER_MONTH;
    let lambda = certs_month * billed_per_cert * MEMORY_GB * LAMBDA_ARM_GB_S
        + (certs_month / 10.0) * LAMBDA_PER_REQUEST
        + PLANS_PER_MONTH * planner_s * MEMORY_GB * LAMBDA_ARM_GB_S;
    // The ledger scan: 0.5 read units per 4 KB, items of about 400 bytes.
    let ddb = certs_month * ddb_writes_per_cert * DDB_PER_WRITE
        + PLANS_PER_MONTH * per_k_targets * 400.0 / 4096.0 * 0.5 * DDB_PER_READ;
    let sqs = certs_month * sqs_per_cert * SQS_PER_REQUEST;
    // Lambda's SQS pollers: 5 long polls of 20 s, always on.
    let polls_month = 5.0 * 3.0 * 60.0 * 24.0 * 30.0 * SQS_PER_REQUEST;
    let sm_storage = per_k_targets * SM_SECRET_MONTH;
    let sm_api = certs_month * sm_calls_per_cert * SM_PER_CALL;
    let per_app = sm_storage + sm_api + lambda + ddb + sqs;
    println!();
    println!(
        "Monthly cost per 1,000 apps ({} certificates, renewed every 12 h: {:.0} certificates a month), USD:",
        per_k_targets, certs_month
    );
    println!();
    println!("| item | fleet of 1,000 apps, short-lived CA | fleet of 1,000 apps, general-purpose CA | fleet of 10,000 apps, short-lived CA | fleet of 10,000 apps, general-purpose CA |");
    println!("|---|---:|---:|---:|---:|");
    let gp = |fleet_k: f64| {
        (PCA_GENERAL_CA_MONTH + general_purpose_certs(certs_month * fleet_k)) / fleet_k
    };
    let sl = |fleet_k: f64| PCA_SHORT_LIVED_CA_MONTH / fleet_k + certs_month * PCA_SHORT_LIVED_CERT;
    let row = |item: String, v: [f64; 4]| {
        println!(
            "| {item} | {:.2} | {:.2} | {:.2} | {:.2} |",
            v[0], v[1], v[2], v[3]
        );
    };
    row(
        "Private CA: operation + certificates".into(),
        [sl(1.0), gp(1.0), sl(10.0), gp(10.0)],
    );
    row(
        format!("Secrets Manager: {per_k_targets} secrets"),
        [sm_storage; 4],
    );
    row(
        format!("Secrets Manager API ({sm_calls_per_cert:.2} calls per certificate)"),
        [sm_api; 4],
    );
    row(
        format!(
            "Lambda (arm64, {:.0} MB, paced workers + hourly planner)",
            MEMORY_GB * 1024.0
        ),
        [lambda; 4],
    );
    row("DynamoDB ledger".into(), [ddb; 4]);
    row(
        format!("SQS ({sqs_per_cert:.3} calls per certificate + the idle pollers)"),
        [
            sqs + polls_month,
            sqs + polls_month,
            sqs + polls_month / 10.0,
            sqs + polls_month / 10.0,
        ],
    );
    let bold = |v: [f64; 4]| {
        println!(
            "| **total** | **{:.2}** | **{:.2}** | **{:.2}** | **{:.2}** |",
            v[0], v[1], v[2], v[3]
        );
    };
    bold([
        sl(1.0) + per_app + polls_month,
        gp(1.0) + per_app + polls_month,
        sl(10.0) + per_app + polls_month / 10.0,
        gp(10.0) + per_app + polls_month / 10.0,
    ]);
}
