//! Policy types and the findings that checks report.

use std::fmt;

/// What a policy document is for; grammar, schema and limits depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    /// Identity-based policy (managed or inline; also permissions boundaries).
    Identity,
    /// Resource-based policy (here: Secrets Manager secret policies).
    Resource,
    /// Service control policy.
    Scp,
    /// Resource control policy.
    Rcp,
    /// Role trust policy.
    Trust,
}

impl PolicyType {
    /// All types.
    pub const ALL: [PolicyType; 5] = [
        PolicyType::Identity,
        PolicyType::Resource,
        PolicyType::Scp,
        PolicyType::Rcp,
        PolicyType::Trust,
    ];

    /// Lower-case name as used in manifests and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::Trust => "trust",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<PolicyType> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How bad a finding is. Only errors make `check` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Probably a mistake or a trap.
    Warning,
    /// AWS would reject it, or it breaks a rule of the design.
    Error,
}

/// One result of a check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable short code, e.g. `scp-principal`.
    pub code: String,
    /// JSON path of the element concerned (`$` for the whole document).
    pub path: String,
    /// Human explanation.
    pub message: String,
}

impl Finding {
    /// Builds a finding.
    pub fn new(
        severity: Severity,
        code: &str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            code: code.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{sev}[{}] {}: {}", self.code, self.path, self.message)
    }
}
