//! The Lambda front end: the handler runs the same `Syncer::run_once` (or
//! `Syncer::decommission`) as the CLI. The Syncer (SDK config, clients) is built once per execution
//! environment, outside the handler.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

use crate::report::Status;
use crate::sync::Syncer;

/// Serve invocations until the runtime stops us. The scheduled event's
/// payload is ignored, except `{"decommission": true}` (sent by hand with
/// `aws lambda invoke`), which runs [`Syncer::decommission`] instead.
/// Failures and refused deletes are returned as errors so that the
/// function's Errors metric alarms; partial runs are not (the next run, 15
/// minutes later, retries them).
pub async fn serve(syncer: Syncer) -> Result<(), Error> {
    let syncer = Arc::new(syncer);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let syncer = syncer.clone();
        async move { handle(&syncer, &event.payload).await }
    }))
    .await
}

/// Whether an invocation asks for the decommissioning run.
pub fn asks_to_decommission(payload: &Value) -> bool {
    payload.get("decommission").and_then(Value::as_bool) == Some(true)
}

pub async fn handle(syncer: &Syncer, payload: &Value) -> Result<Value, Error> {
    let report = if asks_to_decommission(payload) {
        syncer.decommission().await
    } else {
        syncer.run_once().await
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_true_decommissions() {
        assert!(asks_to_decommission(
            &serde_json::json!({"decommission": true})
        ));
        assert!(!asks_to_decommission(
            &serde_json::json!({"decommission": "true"})
        ));
        assert!(!asks_to_decommission(&serde_json::json!({
            "source": "aws.events", "detail-type": "Scheduled Event"
        })));
        assert!(!asks_to_decommission(&Value::Null));
    }
}
