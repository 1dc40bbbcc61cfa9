//! `bench/syncer.sh`: what a no-op sync and a 10%-rotation sync cost for
//! M = 10, 100, 1000 secrets, measured against moto + mock-keywhiz with the
//! real SDK client (requests counted where they arrive), and the monthly
//! Secrets Manager API cost per secret next to reading every secret on every run.
//!
//! The no-op is measured twice side by side: before the secrets carry their
//! resource policy and after (`no-op+policy`); the count must not grow.
//!
//! Each measured run uses a fresh `Syncer`, as a Lambda cold start would
//! (at a 15-minute cadence nearly every run is one): it includes the one
//! GetSecretValue of the app's certificate bundle.

#[path = "../tests/syncer/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::{name, World};
use syncer::{Settings, Status};

/// 4 runs an hour × 24 × 30: a 30-day month (2,976 for 31 days).
const RUNS_PER_MONTH: f64 = 2_880.0;
const USD_PER_CALL: f64 = 0.05 / 10_000.0;

struct Measured {
    keywhiz_requests: u64,
    contents: u64,
    sm_calls: u64,
    sm_by_op: BTreeMap<String, u64>,
    ms: f64,
}

/// The resource policy as the module renders it (iam/secret-keywhiz-resource
/// for moto's account), minified.
fn resource_policy() -> String {
    let params = [("account_id", "123456789012"), ("app", common::APP)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let b = policy::Bundle::embedded().expect("bundle");
    policy::minify(
        &b.render("iam/secret-keywhiz-resource", &params)
            .expect("render"),
    )
}

async fn measure(w: &World, settings: Settings) -> Measured {
    let syncer = w.syncer(settings).await;
    w.clear_counters();
    let t = Instant::now();
    let r = syncer.run_once().await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(r.status, Status::Ok, "{r:?}");
    Measured {
        keywhiz_requests: w.keywhiz_counters().total,
        contents: r.contents_fetched,
        sm_calls: w.sm_http.total(),
        sm_by_op: w.sm_http.by_operation(),
        ms,
    }
}

fn per_secret_month(calls: u64, m: usize) -> (f64, f64) {
    let calls_month = calls as f64 * RUNS_PER_MONTH / m as f64;
    (calls_month, calls_month * USD_PER_CALL)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 1000]
    } else {
        sizes
    };
    let read_all_calls = RUNS_PER_MONTH; // one GetSecretValue per secret per run
    println!(
        "syncer: cost of one sync, counted at moto and mock-keywhiz (fresh process state per run)"
    );
    println!(
        "{:>5} {:<12} {:>9} {:>8} {:>8} {:>9} {:>13} {:>12} {:>9}",
        "M",
        "sync",
        "keywhiz",
        "fetched",
        "sm_calls",
        "wall_ms",
        "calls/sec/mo",
        "$/secret/mo",
        "vs_read_all"
    );
    let mut details = Vec::new();
    for &m in &sizes {
        let w = World::start(m).await;
        let first = w.syncer(w.settings()).await.run_once().await;
        assert_eq!(first.actions.created, m as u64, "{first:?}");

        let noop = measure(&w, w.settings()).await;
        let with_policy = Settings {
            resource_policy: Some(resource_policy()),
            ..w.settings()
        };
        let attach = w.syncer(with_policy.clone()).await.run_once().await;
        assert_eq!(attach.actions.policies_repaired, m as u64, "{attach:?}");
        let noop_policy = measure(&w, with_policy.clone()).await;
        assert_eq!(
            noop_policy.sm_calls, noop.sm_calls,
            "a no-op run must cost the same with resource policies"
        );
        let k = (m / 10).max(1);
        for i in 0..k {
            w.set_secret(&name(i * (m / k)), &format!("rotated-{i}"), BTreeMap::new())
                .await;
        }
        let rot = measure(&w, with_policy).await;
        assert_eq!(rot.contents, k as u64);
        for (label, x) in [
            ("no-op", &noop),
            ("no-op+policy", &noop_policy),
            ("rotate-10%", &rot),
        ] {
            let (cpm, usd) = per_secret_month(x.sm_calls, m);
            println!(
                "{:>5} {:<12} {:>9} {:>8} {:>8} {:>9.1} {:>13.1} {:>12.6} {:>8.3}x",
                m,
                label,
                x.keywhiz_requests,
                x.contents,
                x.sm_calls,
                x.ms,
                cpm,
                usd,
                cpm / read_all_calls
            );
            details.push(format!("M={m} {label}: {:?}", x.sm_by_op));
        }
    }
    println!(
        "reading every secret every run (GetSecretValue per secret per run): {read_all_calls:.0} calls/secret/month = ${:.6}/secret/month \
         (30-day month; a 31-day month is 2,976 calls: ${:.6})",
        read_all_calls * USD_PER_CALL,
        2_976.0 * USD_PER_CALL
    );
    println!("Secrets Manager calls by operation:");
    for d in details {
        println!("  {d}");
    }
}
