//! One unit of work: issue (or renew) the certificate of one target, or
//! delete one that Registry no longer lists. A planning run makes them; a
//! worker (in-process, or an SQS-triggered Lambda) does them. Messages carry
//! what the plan saw and when, and the idempotency token derived from the
//! (app, account) and the renewal window, so a message delivered twice
//! issues once.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::target::{Target, TargetKey};

/// Why a target is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No certificate written yet (or the ledger lost it).
    Missing,
    /// Less than the renewal margin left.
    Renew,
    /// Registry's SPIFFE ID changed.
    Identity,
    /// The roles allowed to read it (or the policy template) changed.
    Readers,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    Issue {
        target: Target,
        reason: Reason,
        planned_at: i64,
        token: String,
    },
    Delete {
        key: TargetKey,
        planned_at: i64,
    },
}

impl Job {
    pub fn key(&self) -> &TargetKey {
        match self {
            Job::Issue { target, .. } => &target.key,
            Job::Delete { key, .. } => key,
        }
    }

    pub fn planned_at(&self) -> i64 {
        match self {
            Job::Issue { planned_at, .. } | Job::Delete { planned_at, .. } => *planned_at,
        }
    }

    pub fn to_message(&self) -> String {
        serde_json::to_string(self).expect("a job serializes")
    }

    pub fn from_message(text: &str) -> Result<Job, String> {
        serde_json::from_str(text).map_err(|e| format!("not a cert-issuer job: {e}"))
    }
}

/// The idempotency token of a renewal: the (app, account) and the window
/// `floor(planned_at / window_secs)` (32 hex digits; ACM-PCA takes up to 36).
pub fn idempotency_token(key: &TargetKey, planned_at: i64, window_secs: i64) -> String {
    let window = planned_at.div_euclid(window_secs.max(1));
    let digest = Sha256::digest(format!(
        "s2s-cert-issuer|{}|{}|{window}",
        key.app, key.account_id
    ));
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(app: &str) -> TargetKey {
        TargetKey {
            app: app.into(),
            account_id: "111111111111".into(),
        }
    }

    #[test]
    fn tokens_follow_the_window_and_the_target() {
        let t = idempotency_token(&key("payments"), 7_200, 3_600);
        assert_eq!(t.len(), 32);
        assert_eq!(t, idempotency_token(&key("payments"), 10_799, 3_600));
        assert_ne!(t, idempotency_token(&key("payments"), 10_800, 3_600));
        assert_ne!(t, idempotency_token(&key("orders"), 7_200, 3_600));
    }

    #[test]
    fn jobs_round_trip_as_messages() {
        let job = Job::Delete {
            key: key("payments"),
            planned_at: 5,
        };
        assert_eq!(Job::from_message(&job.to_message()), Ok(job));
        assert!(Job::from_message("{}").is_err());
    }
}
