//! The Lambda front end, one binary for both functions: an SQS event
//! (`Records` from `aws:sqs`) is a batch of jobs for the worker, answered with
//! `batchItemFailures` so only failed messages come back; anything else (the
//! hourly EventBridge event) is a planning run. The issuer is built once per
//! execution environment, outside the handler.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::issuer::Issuer;
use crate::job::Job;
use crate::log;
use crate::report::Status;
use crate::work::Outcome;

pub async fn serve(issuer: Issuer) -> Result<(), Error> {
    let issuer = Arc::new(issuer);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let issuer = issuer.clone();
        async move { handle(&issuer, event.payload).await }
    }))
    .await
}

/// The SQS records of an event, if it is one: `(messageId, body)`.
fn sqs_records(event: &Value) -> Option<Vec<(String, String)>> {
    let records = event.get("Records")?.as_array()?;
    if records.is_empty() || records.iter().any(|r| r["eventSource"] != "aws:sqs") {
        return None;
    }
    Some(
        records
            .iter()
            .map(|r| {
                (
                    r["messageId"].as_str().unwrap_or_default().to_owned(),
                    r["body"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    )
}

pub async fn handle(issuer: &Issuer, event: Value) -> Result<Value, Error> {
    let Some(records) = sqs_records(&event) else {
        let report = issuer.plan().await;
        return match report.status {
            Status::Failed => Err(report.error.unwrap_or_else(|| "run failed".into()).into()),
            Status::Ok | Status::Partial => Ok(serde_json::to_value(&report)?),
        };
    };
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    let mut ids = Vec::new();
    for (id, body) in records {
        match Job::from_message(&body) {
            Ok(job) => {
                jobs.push(job);
                ids.push(id);
            }
            Err(e) => {
                // Failed until it lands in the dead-letter queue.
                log::error("job.unreadable", json!({"message_id": id, "error": e}));
                failures.push(id);
            }
        }
    }
    let (_, outcomes) = issuer.work(&jobs).await;
    for (id, outcome) in ids.into_iter().zip(&outcomes) {
        if matches!(outcome, Outcome::Failed { .. }) {
            failures.push(id);
        }
    }
    Ok(json!({
        "batchItemFailures": failures.iter().map(|id| json!({"itemIdentifier": id})).collect::<Vec<_>>()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqs_events_are_told_from_schedules() {
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m1", "body": "{}"}]});
        assert_eq!(sqs_records(&sqs), Some(vec![("m1".into(), "{}".into())]));
        let schedule = json!({"source": "aws.events", "detail-type": "Scheduled Event"});
        assert_eq!(sqs_records(&schedule), None);
        assert_eq!(sqs_records(&json!({"Records": []})), None);
    }
}
