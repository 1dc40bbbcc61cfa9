//! `check`: schema + parse + limits + lints for one document.

use crate::kind::{Finding, PolicyType, Severity};
use crate::{limits, lint, model::Policy, schema};

/// Runs every check on a policy document of a type. Never fails: problems are findings.
pub fn check(doc: &str, t: PolicyType) -> Vec<Finding> {
    let mut out = Vec::new();
    let value: serde_json::Value = match serde_json::from_str(doc) {
        Ok(v) => v,
        Err(e) => {
            return vec![Finding::new(
                Severity::Error,
                "json",
                format!("line {} column {}", e.line(), e.column()),
                format!("not valid JSON: {e}"),
            )]
        }
    };
    let unfilled = crate::render::params(doc);
    if !unfilled.is_empty() {
        out.push(Finding::new(
            Severity::Error,
            "unrendered",
            "$",
            format!(
                "template parameters not filled: {}",
                unfilled.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    out.extend(schema::check(&value, t));
    out.extend(limits::check(doc, t));
    match Policy::from_value(&value) {
        Ok(p) => out.extend(lint::lint(&p, t)),
        Err(e) => out.push(Finding::new(Severity::Error, "parse", "$", e.to_string())),
    }
    out
}

/// Does any finding have error severity?
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
