//! What a run did, as one JSON object (the CLI prints it, the Lambda returns
//! it, the log gets it): counts per action, never a secret value.

use serde::Serialize;

use crate::metrics::Counts;

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
    pub expiring: Vec<Expiring>,
    pub duration_ms: u64,
}

impl Report {
    pub fn failed(error: String) -> Self {
        Self {
            status: Status::Failed,
            error: Some(error),
            ..Self::default()
        }
    }
}
