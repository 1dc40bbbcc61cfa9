//! What a run did, as one JSON object (the CLI prints it, the Lambda returns
//! it, the log gets it): counts per action, never a secret value.

use serde::Serialize;

use crate::error::{FailureKind, RunError};
use runtime_support::aws::Counts;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Secrets Manager matches Keywhiz.
    #[default]
    Ok,
    /// Some actions failed; they are retried by the next run.
    Partial,
    /// Writes done, but the delete guard refused the deletions: look at Keywhiz.
    DeletesRefused,
    /// Nothing was written or deleted (Keywhiz, identity or listing failure).
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Actions {
    pub created: u64,
    pub updated: u64,
    pub restored: u64,
    /// AWSCURRENT moved back to the syncer's version (no content needed).
    pub restaged: u64,
    pub retagged: u64,
    /// Existing secrets whose resource policy was missing or not the configured
    /// one, and was put back.
    pub policies_repaired: u64,
    pub deleted: u64,
    pub unchanged: u64,
    /// Listed, then gone from Keywhiz before its content was fetched.
    pub gone: u64,
    pub failed: u64,
    pub deletes_refused: u64,
    pub skipped_unmanaged: u64,
    pub skipped_invalid_name: u64,
    pub skipped_too_large: u64,
}

/// The failed actions by kind ([`FailureKind`]); they add up to `actions.failed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Failures {
    pub throttled: u64,
    pub permission: u64,
    pub not_found: u64,
    pub conflict: u64,
    pub unavailable: u64,
    pub keywhiz: u64,
    pub other: u64,
}

impl Failures {
    pub fn of(&self, kind: FailureKind) -> u64 {
        match kind {
            FailureKind::Throttled => self.throttled,
            FailureKind::Permission => self.permission,
            FailureKind::NotFound => self.not_found,
            FailureKind::Conflict => self.conflict,
            FailureKind::Unavailable => self.unavailable,
            FailureKind::Keywhiz => self.keywhiz,
            FailureKind::Other => self.other,
        }
    }

    fn slot(&mut self, kind: FailureKind) -> &mut u64 {
        match kind {
            FailureKind::Throttled => &mut self.throttled,
            FailureKind::Permission => &mut self.permission,
            FailureKind::NotFound => &mut self.not_found,
            FailureKind::Conflict => &mut self.conflict,
            FailureKind::Unavailable => &mut self.unavailable,
            FailureKind::Keywhiz => &mut self.keywhiz,
            FailureKind::Other => &mut self.other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiring {
    pub name: String,
    pub expiry: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Secrets Keywhiz lists for this app; secrets under `keywhiz/` before the run.
    pub keywhiz_listed: u64,
    pub secretsmanager_listed: u64,
    /// Keywhiz requests made (list, batches, single fetches; retries not counted).
    pub keywhiz_requests: u64,
    /// Secret contents fetched from Keywhiz.
    pub contents_fetched: u64,
    /// Secrets Manager calls by operation (retries counted in `attempts`).
    pub secretsmanager: Counts,
    pub actions: Actions,
    /// `actions.failed`, by kind.
    pub failures: Failures,
    pub expiring: Vec<Expiring>,
    pub duration_ms: u64,
}

impl Report {
    /// The report of a run that stopped before writing anything.
    pub fn failed(error: &RunError) -> Self {
        Self {
            status: Status::Failed,
            error: Some(error.to_string()),
            ..Self::default()
        }
    }

    /// `n` actions failed with `kind`.
    pub fn fail(&mut self, kind: FailureKind, n: u64) {
        self.actions.failed += n;
        *self.failures.slot(kind) += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_by_kind_and_add_up_to_failed() {
        let mut r = Report::default();
        r.fail(FailureKind::Throttled, 2);
        r.fail(FailureKind::Permission, 1);
        r.fail(FailureKind::Keywhiz, 3);
        r.fail(FailureKind::Throttled, 1);
        assert_eq!(r.actions.failed, 7);
        assert_eq!(r.failures.of(FailureKind::Throttled), 3);
        assert_eq!(r.failures.of(FailureKind::Permission), 1);
        assert_eq!(r.failures.of(FailureKind::Keywhiz), 3);
        assert_eq!(r.failures.of(FailureKind::Other), 0);
        let json = serde_json::to_value(&r).unwrap_or_default();
        assert_eq!(
            json["failures"],
            serde_json::json!({"throttled": 3, "permission": 1, "not_found": 0, "conflict": 0,
                               "unavailable": 0, "keywhiz": 3, "other": 0})
        );
    }
}
