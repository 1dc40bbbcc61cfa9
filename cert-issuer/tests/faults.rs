//! Faults: with 30% of Registry, STS and Secrets Manager calls failing (5xx,
//! throttling, connection resets) and ACM-PCA-style throttling on a third of
//! the IssueCertificate calls, hourly runs over 26 simulated hours keep every
//! certificate above the alarm threshold, every certificate the CA signs ends
//! up in a secret (none issued twice), and a fault-free run then has nothing
//! to do.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use cert_issuer::ca::local::LocalCa;
use cert_issuer::ca::{CaError, CertificateAuthority, IssueRequest, Issued};
use cert_issuer::clock::Clock;
use common::{seed, spiffe, AppSeed, World, HOUR};
use mock_common::Faults;

/// The local CA behind a throttle that refuses a share of the requests
/// before they reach it (as ACM-PCA does past 25 TPS).
#[derive(Debug)]
struct Throttled {
    ca: Arc<LocalCa>,
    rate: f64,
    refused: std::sync::atomic::AtomicU64,
}

#[async_trait]
impl CertificateAuthority for Throttled {
    async fn issue(&self, request: &IssueRequest) -> Result<Issued, CaError> {
        if fastrand::f64() < self.rate {
            self.refused
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Err(CaError::Throttled(
                "ThrottlingException: Rate exceeded".into(),
            ));
        }
        self.ca.issue(request).await
    }

    async fn ca_chain(&self) -> Result<String, CaError> {
        self.ca.ca_chain().await
    }

    fn kind(&self) -> &'static str {
        "local (throttled)"
    }
}

const ACCOUNTS: [&str; 2] = ["111111111111", "222222222222"];
const APPS: [&str; 3] = ["payments", "orders", "ledger"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_faults_converge_without_lapse_or_double_issue() {
    let functions: Vec<Vec<(&str, String, String)>> = APPS
        .iter()
        .map(|a| vec![(ACCOUNTS[0], format!("{a}-api"), format!("{a}-api-role"))])
        .collect();
    let functions: Vec<Vec<(&str, &str, &str)>> = functions
        .iter()
        .map(|f| {
            f.iter()
                .map(|(x, y, z)| (*x, y.as_str(), z.as_str()))
                .collect()
        })
        .collect();
    let apps: Vec<AppSeed<'_>> = APPS
        .iter()
        .zip(&functions)
        .map(|(name, f)| AppSeed {
            name,
            accounts: &[(ACCOUNTS[0], "staging"), (ACCOUNTS[1], "production")],
            on: true,
            functions: f,
        })
        .collect();
    let w = World::start(seed(&apps)).await;
    let mut settings = w.settings();
    settings.concurrency = 4;
    settings.aws_attempts = 4;
    settings.registry_attempts = 2;
    let throttled = Arc::new(Throttled {
        ca: w.ca.clone(),
        rate: 0.3,
        refused: Default::default(),
    });
    let issuer = w.issuer_with(settings, throttled.clone());
    w.registry
        .server()
        .set_faults(Faults {
            error_rate: 0.1,
            throttle_rate: 0.1,
            reset_rate: 0.1,
            ..Faults::none()
        })
        .expect("registry faults");
    w.http.set_faults(0.3, &["sts", "secretsmanager"]);

    let t0 = w.clock.now();
    let mut serials = BTreeSet::new();
    let mut failed_runs = 0;
    for hour in 0..=26 {
        w.clock.set(t0 + hour * HOUR);
        let r = issuer.once().await;
        if r.status == cert_issuer::Status::Failed {
            failed_runs += 1;
        }
        for app in APPS {
            for account in ACCOUNTS {
                let Some(s) = w.stored(account, app).await else {
                    assert!(
                        hour < 3,
                        "{app}@{account} still has no certificate at hour {hour}"
                    );
                    continue;
                };
                let leaf = s.bundle.check(&spiffe(app)).expect("a whole bundle");
                let left = leaf.not_after - w.clock.now();
                assert!(
                    left > 6 * HOUR,
                    "{app}@{account} down to {left} s at hour {hour}"
                );
                serials.insert((app, account, s.bundle.serial.clone()));
            }
        }
    }
    // Every certificate the CA signed is one a secret held: none was wasted.
    assert_eq!(w.ca.issued(), serials.len() as u64, "issued vs written");
    assert!(
        serials.len() >= 6 * 3,
        "initial + two renewals each: {}",
        serials.len()
    );
    let injected: u64 = w.http.injected().values().sum();
    assert!(injected > 20, "{:?}", w.http.injected());
    assert!(throttled.refused.load(std::sync::atomic::Ordering::SeqCst) > 0);
    assert!(failed_runs < 27, "no run got through Registry");

    // Faults off: nothing left to do.
    w.http.set_faults(0.0, &[]);
    w.registry
        .server()
        .set_faults(Faults::none())
        .expect("faults off");
    let r = issuer.once().await;
    assert_eq!(
        (r.status, r.due, r.failed),
        (cert_issuer::Status::Ok, 0, 0),
        "{r:?}"
    );
}
