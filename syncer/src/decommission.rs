//! Decommissioning an app's mirror. Once the app's assignments are destroyed
//! (its grants revoked), every run sees an empty listing, and the delete
//! guard — rightly — refuses to delete everything on an empty answer. The
//! deliberate removal is this separate, explicit run (`syncer decommission`,
//! or the Lambda event `{"decommission": true}`): it deletes every secret the
//! syncer manages, with the recovery window, without asking Keywhiz (whose
//! certificate for the app stops being renewed once the app has left
//! Registry). Secrets without the syncer's tag are never touched, and a name
//! Keywhiz lists again within the window is restored by the next run.

use aws_sdk_secretsmanager::Client;

use crate::apply::Writer;
use crate::error::RunError;
use crate::inventory;
use crate::log;
use crate::ratelimit::RateLimiter;
use crate::report::{Report, Status};

/// Deletes every managed `keywhiz/` secret that is not already pending deletion.
pub async fn run(sm: &Client, limiter: &RateLimiter, recovery_window_days: i64) -> Report {
    let existing = match inventory::list(sm).await {
        Ok(e) => e,
        Err(e) => return Report::failed(&RunError::Inventory(e)),
    };
    let mut report = Report {
        secretsmanager_listed: existing.len() as u64,
        ..Report::default()
    };
    let writer = Writer {
        sm,
        limiter,
        recovery_window_days,
        // Deletes only: no policy is put.
        resource_policy: None,
    };
    for e in existing.iter().filter(|e| e.managed() && !e.deleted) {
        match writer.delete(&e.sm_name).await {
            Ok(()) => report.actions.deleted += 1,
            Err(err) => {
                report.fail(err.kind, 1);
                log::warn(
                    "secret.delete_failed",
                    serde_json::json!({"secret": e.sm_name, "kind": err.kind,
                                       "error": err.to_string()}),
                );
            }
        }
    }
    report.actions.skipped_unmanaged = existing.iter().filter(|e| !e.managed()).count() as u64;
    report.status = if report.actions.failed > 0 {
        Status::Partial
    } else {
        Status::Ok
    };
    log::info(
        "sync.decommissioned",
        serde_json::json!({"deleted": report.actions.deleted, "failed": report.actions.failed,
                           "recovery_window_days": recovery_window_days}),
    );
    report
}
