//! What a run did, as one JSON object: the CLI prints it, the Lambda returns
//! it, and the run's last log line carries it together with CloudWatch
//! embedded-metric-format metadata, so the counts become metrics (and the
//! alarm on the nearest expiry) without an API call.

use serde::Serialize;
use serde_json::{json, Value};

use crate::aws::Counts;
use crate::work::Outcome;

pub const NAMESPACE: &str = "s2s/cert-issuer";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Ok,
    /// Some jobs failed; the next run retries them.
    Partial,
    /// Nothing was done (Registry, ledger or setup failure).
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub status: Status,
    /// `once`, `plan` or `work`.
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Targets Registry lists (flag on × accounts), and entries it could not use.
    pub listed: u64,
    pub registry_skipped: u64,
    /// Certificates in the ledger before the run.
    pub ledger: u64,
    /// Jobs planned (issue + delete) or received.
    pub due: u64,
    pub enqueued: u64,
    pub issued: u64,
    pub deleted: u64,
    pub failed: u64,
    /// Not due, already current at the secret, stale jobs, deletes of nothing.
    pub skipped: u64,
    /// Listed targets without a certificate before the run.
    pub missing: u64,
    /// Least time left among listed certificates before the run (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_remaining_secs: Option<i64>,
    /// Listed certificates below the alarm threshold before the run.
    pub expiring: u64,
    /// `IssueCertificate` requests (whatever the backend).
    pub ca_requests: u64,
    /// AWS calls by `<service>.<Operation>`.
    pub aws: Counts,
    pub duration_ms: u64,
}

impl Report {
    pub fn failed(mode: &str, error: String) -> Self {
        Self {
            status: Status::Failed,
            mode: mode.into(),
            error: Some(error),
            ..Self::default()
        }
    }

    pub fn tally(&mut self, outcomes: &[Outcome]) {
        for o in outcomes {
            match o {
                Outcome::Issued { .. } => self.issued += 1,
                Outcome::Deleted => self.deleted += 1,
                Outcome::Failed { .. } => self.failed += 1,
                Outcome::Current | Outcome::Stale | Outcome::Absent => self.skipped += 1,
            }
        }
        if self.failed > 0 && self.status == Status::Ok {
            self.status = Status::Partial;
        }
    }

    /// The report plus EMF metadata: one CloudWatch metric per count.
    pub fn emf(&self, timestamp_ms: i64) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| json!({}));
        let mut metrics = vec![
            ("Due", self.due, "Count"),
            ("Issued", self.issued, "Count"),
            ("Deleted", self.deleted, "Count"),
            ("Failed", self.failed, "Count"),
            ("Skipped", self.skipped, "Count"),
            ("Missing", self.missing, "Count"),
            ("Expiring", self.expiring, "Count"),
        ]
        .into_iter()
        .map(|(name, value, unit)| {
            v[name] = json!(value);
            json!({"Name": name, "Unit": unit})
        })
        .collect::<Vec<_>>();
        if let Some(left) = self.min_remaining_secs {
            v["MinRemainingSeconds"] = json!(left);
            metrics.push(json!({"Name": "MinRemainingSeconds", "Unit": "Seconds"}));
        }
        v["Mode"] = json!(self.mode);
        v["_aws"] = json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Mode"]],
                "Metrics": metrics,
            }],
        });
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_and_emf_names_every_metric() {
        let mut r = Report {
            mode: "plan".into(),
            min_remaining_secs: Some(42),
            ..Report::default()
        };
        r.tally(&[
            Outcome::Issued {
                serial: "1".into(),
                not_after: 2,
            },
            Outcome::Current,
            Outcome::Failed { error: "x".into() },
        ]);
        assert_eq!((r.issued, r.skipped, r.failed), (1, 1, 1));
        assert_eq!(r.status, Status::Partial);
        let v = r.emf(1_000);
        let names: Vec<&str> = v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .filter_map(|m| m["Name"].as_str())
            .collect();
        for n in &names {
            assert!(v.get(*n).is_some(), "{n} has no value");
        }
        assert!(names.contains(&"MinRemainingSeconds"));
        assert_eq!(v["MinRemainingSeconds"], 42);
        assert_eq!(v["Mode"], "plan");
    }
}
