//! The Lambda front end: the handler runs the same `Syncer::run_once` as the
//! CLI. The Syncer (SDK config, clients) is built once per execution
//! environment, outside the handler.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

use crate::report::Status;
use crate::sync::Syncer;

/// Serve invocations until the runtime stops us. The scheduled event's
/// payload is ignored. Failures and refused deletes are returned as errors
/// so that the function's Errors metric alarms; partial runs are not
/// (the next run, 15 minutes later, retries them).
pub async fn serve(syncer: Syncer) -> Result<(), Error> {
    let syncer = Arc::new(syncer);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let syncer = syncer.clone();
        async move { handle(&syncer).await }
    }))
    .await
}

pub async fn handle(syncer: &Syncer) -> Result<Value, Error> {
    let report = syncer.run_once().await;
    match report.status {
        Status::Ok | Status::Partial => Ok(serde_json::to_value(&report)?),
        Status::DeletesRefused => Err(format!(
            "deletes refused by the guard ({} secrets); see the sync.deletes_refused log line",
            report.actions.deletes_refused
        )
        .into()),
        Status::Failed => Err(report
            .error
            .unwrap_or_else(|| "sync failed".to_owned())
            .into()),
    }
}
