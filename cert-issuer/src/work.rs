//! Doing one job. Issue: check the secret's tags (an already-current
//! certificate issues nothing, so a message delivered twice issues once),
//! pace, make a key and CSR, issue, check the answer, then write in an order
//! that never exposes a value without its policy and never claims a lifetime
//! the value does not have: create without a value, attach the resource
//! policy, put the bundle, tag (`s2s-not-after` last of all), record in the
//! ledger. The writes are retried with the same bundle before giving up, so a
//! failing write does not cost a second certificate. Delete: only a secret
//! the issuer manages, at once, without a recovery window.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cert_bundle::{BundleTags, CertBundle};
use serde::Serialize;
use serde_json::json;

use crate::accounts::{Accounts, SecretMeta, StoreError};
use crate::ca::{CaError, CertificateAuthority, IssueRequest};
use crate::clock::Clock;
use crate::issue;
use crate::job::{Job, Reason};
use crate::ledger::{Ledger, Record};
use crate::log;
use crate::policy;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;
use crate::target::Target;

/// The tag that marks a secret as the issuer's (the only ones it writes or deletes).
pub const TAG_MANAGED_BY: &str = "managed-by";
pub const MANAGED_BY: &str = "s2s-cert-issuer";
/// SHA-256 of the resource policy attached.
pub const TAG_POLICY: &str = "s2s-policy-sha256";
/// Certificates start this long before they are issued (clock skew).
pub const BACKDATE_SECS: i64 = 60;
/// Rounds of the write steps with the same bundle.
const WRITE_ROUNDS: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new certificate is in the secret.
    Issued {
        serial: String,
        not_after: i64,
    },
    /// The secret already holds a current certificate: nothing issued.
    Current,
    Deleted,
    /// Asked to delete what is not there.
    Absent,
    /// The job waited longer than `max_job_age_secs`: the next plan decides again.
    Stale,
    Failed {
        error: String,
    },
}

/// Everything a job needs; shared by all jobs of a process.
#[derive(Clone)]
pub struct Worker {
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub ca: Arc<dyn CertificateAuthority>,
    pub accounts: Arc<dyn Accounts>,
    pub ledger: Arc<dyn Ledger>,
    pub limiter: Arc<RateLimiter>,
    pub mesh_roots: Arc<String>,
    pub template_sha256: Arc<String>,
    /// `IssueCertificate` requests made (whatever the backend).
    pub ca_requests: Arc<std::sync::atomic::AtomicU64>,
}

fn failed(e: impl std::fmt::Display) -> Outcome {
    Outcome::Failed {
        error: e.to_string(),
    }
}

fn ours(meta: &SecretMeta) -> bool {
    meta.tags.get(TAG_MANAGED_BY).map(String::as_str) == Some(MANAGED_BY)
}

impl Worker {
    pub async fn run(&self, job: &Job) -> Outcome {
        let now = self.clock.now();
        if now - job.planned_at()
            > i64::try_from(self.settings.max_job_age_secs).unwrap_or(i64::MAX)
        {
            return Outcome::Stale;
        }
        let outcome = match job {
            Job::Issue {
                target,
                reason,
                token,
                ..
            } => self.issue(target, *reason, token).await,
            Job::Delete { key, .. } => self.delete(key).await,
        };
        let key = job.key();
        match &outcome {
            Outcome::Failed { error } => log::warn(
                "job.failed",
                json!({"app": key.app, "account_id": key.account_id, "error": error}),
            ),
            Outcome::Issued { serial, not_after } => log::info(
                "certificate.issued",
                json!({"app": key.app, "account_id": key.account_id, "serial": serial,
                       "not_after": cert_bundle::format_rfc3339(*not_after)}),
            ),
            Outcome::Deleted => log::info(
                "certificate.deleted",
                json!({"app": key.app, "account_id": key.account_id}),
            ),
            _ => {}
        }
        outcome
    }

    fn current(&self, meta: &SecretMeta, target: &Target, digest: &str) -> Option<BundleTags> {
        let tags = BundleTags::from_tags(meta.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let fresh = tags.spiffe_id == target.spiffe_id
            && tags.not_after - self.clock.now() > self.settings.renew_margin_secs()
            && meta.tags.get(TAG_POLICY).map(String::as_str) == Some(digest);
        fresh.then_some(tags)
    }

    fn record(&self, target: &Target, tags: &BundleTags, not_before: i64, digest: &str) -> Record {
        Record {
            key: target.key.clone(),
            spiffe_id: tags.spiffe_id.clone(),
            serial: tags.serial.clone(),
            not_before,
            not_after: tags.not_after,
            reader_roles: target.reader_roles.clone(),
            policy_sha256: digest.to_owned(),
            template_sha256: self.template_sha256.as_str().to_owned(),
            written_at: self.clock.now(),
        }
    }

    async fn remember(&self, record: &Record) {
        if let Err(e) = self.ledger.put(record).await {
            // The secret's tags are the truth; the next plan re-checks them.
            log::warn(
                "ledger.write_failed",
                json!({"app": record.key.app, "account_id": record.key.account_id, "error": e.to_string()}),
            );
        }
    }

    async fn issue(&self, target: &Target, reason: Reason, token: &str) -> Outcome {
        let account = &target.key.account_id;
        let name = target.key.secret_name();
        let policy = match policy::resource_policy(target) {
            Ok(p) => p,
            Err(e) => return failed(e),
        };
        let digest = policy::digest(&policy);
        let meta = match self.accounts.describe(account, &name).await {
            Ok(m) => m,
            Err(e) => return failed(e),
        };
        if let Some(m) = &meta {
            if !ours(m) {
                return failed(format!(
                    "{name} in {account} exists without {TAG_MANAGED_BY}={MANAGED_BY}; left alone"
                ));
            }
            if m.pending_deletion {
                return failed(format!("{name} in {account} is scheduled for deletion"));
            }
            if let Some(tags) = self.current(m, target, &digest) {
                let not_before = tags.not_after - self.settings.lifetime_secs();
                self.remember(&self.record(target, &tags, not_before, &digest))
                    .await;
                return Outcome::Current;
            }
        }
        let (bundle, not_before) = match self.new_certificate(target, token).await {
            Ok(b) => b,
            Err(e) => return failed(e),
        };
        let tags = match bundle.tags() {
            Ok(t) => t,
            Err(e) => return failed(e),
        };
        let mut last = None;
        for round in 0..WRITE_ROUNDS {
            if round > 0 {
                tokio::time::sleep(Duration::from_millis(200u64 << round.min(4))).await;
            }
            // Re-read after a failed round: an earlier step may have landed.
            let meta = if round == 0 {
                meta.clone()
            } else {
                match self.accounts.describe(account, &name).await {
                    Ok(m) => m,
                    Err(e) => {
                        last = Some(e);
                        continue;
                    }
                }
            };
            match self
                .write(
                    target,
                    &name,
                    meta.as_ref(),
                    &policy,
                    &digest,
                    &bundle,
                    &tags,
                )
                .await
            {
                Ok(()) => {
                    self.remember(&self.record(target, &tags, not_before, &digest))
                        .await;
                    log::info(
                        "certificate.written",
                        json!({"app": target.key.app, "account_id": account, "reason": reason,
                               "serial": tags.serial, "readers": target.reader_roles.len()}),
                    );
                    return Outcome::Issued {
                        serial: tags.serial,
                        not_after: tags.not_after,
                    };
                }
                Err(e) => last = Some(e),
            }
        }
        failed(last.map(|e| e.to_string()).unwrap_or_default())
    }

    /// Pace, generate, issue (retrying throttling with the same key and
    /// token), check. Returns the bundle and its not-before.
    async fn new_certificate(
        &self,
        target: &Target,
        token: &str,
    ) -> Result<(CertBundle, i64), String> {
        let key = issue::fresh_key().map_err(|e| e.to_string())?;
        let csr = issue::csr(&target.key.app, &key).map_err(|e| e.to_string())?;
        let mut attempt = 0;
        loop {
            self.limiter.acquire().await;
            let not_before = self.clock.now() - BACKDATE_SECS;
            let request = IssueRequest {
                csr_pem: csr.clone(),
                spiffe_id: target.spiffe_id.clone(),
                not_before,
                not_after: not_before + self.settings.lifetime_secs(),
                idempotency_token: token.to_owned(),
            };
            self.ca_requests
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match self.ca.issue(&request).await {
                Ok(issued) => {
                    let b = issue::bundle(&issued, &key, &request, &self.mesh_roots)
                        .map_err(|e| e.to_string())?;
                    return Ok((b, not_before));
                }
                Err(CaError::Throttled(m) | CaError::Unavailable(m))
                    if attempt + 1 < self.settings.aws_attempts =>
                {
                    attempt += 1;
                    log::warn(
                        "ca.retry",
                        json!({"app": target.key.app, "account_id": target.key.account_id, "attempt": attempt, "error": m}),
                    );
                    tokio::time::sleep(Duration::from_millis(100u64 << attempt.min(5))).await;
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        target: &Target,
        name: &str,
        meta: Option<&SecretMeta>,
        policy: &str,
        digest: &str,
        bundle: &CertBundle,
        tags: &BundleTags,
    ) -> Result<(), StoreError> {
        let account = &target.key.account_id;
        let managed = vec![(TAG_MANAGED_BY.to_owned(), MANAGED_BY.to_owned())];
        if meta.is_none() {
            let description = format!(
                "s2s certificate bundle of {} ({}), written by the s2s cert-issuer",
                target.key.app, target.spiffe_id
            );
            self.accounts
                .create(account, name, &description, &managed)
                .await?;
        }
        if meta
            .and_then(|m| m.tags.get(TAG_POLICY))
            .map(String::as_str)
            != Some(digest)
        {
            self.accounts.put_policy(account, name, policy).await?;
        }
        let token = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!(
                "s2s-cert-issuer/{}/{account}/{}",
                target.key.app, tags.serial
            )
            .as_bytes(),
        )
        .to_string();
        self.accounts
            .put_value(account, name, &bundle.to_json(), &token)
            .await?;
        let mut all: BTreeMap<String, String> = managed.into_iter().collect();
        all.insert(TAG_POLICY.into(), digest.into());
        for (k, v) in tags.to_tags() {
            all.insert(k.into(), v);
        }
        let all: Vec<(String, String)> = all.into_iter().collect();
        self.accounts.tag(account, name, &all).await
    }

    async fn delete(&self, key: &crate::target::TargetKey) -> Outcome {
        let name = key.secret_name();
        let meta = match self.accounts.describe(&key.account_id, &name).await {
            Ok(m) => m,
            Err(e) => return failed(e),
        };
        let outcome = match meta {
            None => Outcome::Absent,
            Some(m) if !ours(&m) => {
                return failed(format!(
                    "{name} in {} is not managed by {MANAGED_BY}; not deleted",
                    key.account_id
                ))
            }
            Some(_) => match self.accounts.delete(&key.account_id, &name).await {
                Ok(true) => Outcome::Deleted,
                Ok(false) => Outcome::Absent,
                Err(e) => return failed(e),
            },
        };
        if let Err(e) = self.ledger.remove(key).await {
            return failed(e);
        }
        outcome
    }
}
