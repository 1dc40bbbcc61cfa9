//! The Registry's data and its validation rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const ENVIRONMENTS: [&str; 4] = ["development", "staging", "production", "sandbox"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub account_id: String,
    pub environment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub account_id: String,
    pub environment: String,
    pub function_name: String,
    pub role_name: String,
    pub revision: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub name: String,
    pub accounts: Vec<Account>,
    pub certificate_generation: bool,
    pub revision: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
    /// Keyed by `<account_id>/<function_name>`.
    pub functions: BTreeMap<String, Function>,
}

/// Everything the mock knows; this is what `--state` persists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Server-wide revision counter (ETags).
    pub revision: u64,
    pub apps: BTreeMap<String, App>,
}

impl State {
    pub fn bump(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }
}

pub fn etag(revision: u64) -> String {
    format!("\"{revision}\"")
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `^[a-z][a-z0-9-]{0,62}$`, no trailing hyphen.
pub fn valid_app(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !name.ends_with('-')
}

pub fn valid_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|c| c.is_ascii_digit())
}

pub fn valid_function(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

pub fn valid_role(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+=,.@_-".contains(&c))
}

/// Validate and normalise an account set: sorted, one entry per account id.
pub fn normalise_accounts(accounts: &[Account]) -> Result<Vec<Account>, String> {
    let mut by_id: BTreeMap<&str, &Account> = BTreeMap::new();
    for a in accounts {
        if !valid_account(&a.account_id) {
            return Err(format!("account_id {:?} must be 12 digits", a.account_id));
        }
        if !ENVIRONMENTS.contains(&a.environment.as_str()) {
            return Err(format!(
                "environment {:?} must be one of {}",
                a.environment,
                ENVIRONMENTS.join(", ")
            ));
        }
        if let Some(prev) = by_id.insert(&a.account_id, a) {
            if prev.environment != a.environment {
                return Err(format!(
                    "account {} is listed twice with different environments",
                    a.account_id
                ));
            }
        }
    }
    Ok(by_id.into_values().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names() {
        for ok in ["a", "payments", "a-b-1", &"a".repeat(63)] {
            assert!(valid_app(ok), "{ok}");
        }
        for bad in ["", "A", "1a", "a-", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!valid_app(bad), "{bad}");
        }
    }

    #[test]
    fn accounts_are_a_set() {
        let a = |id: &str, env: &str| Account {
            account_id: id.into(),
            environment: env.into(),
        };
        let n = normalise_accounts(&[
            a("222222222222", "staging"),
            a("111111111111", "sandbox"),
            a("222222222222", "staging"),
        ])
        .expect("valid");
        assert_eq!(
            n,
            vec![a("111111111111", "sandbox"), a("222222222222", "staging")]
        );
        assert!(normalise_accounts(&[a("1", "staging")]).is_err());
        assert!(normalise_accounts(&[a("111111111111", "prod")]).is_err());
        assert!(normalise_accounts(&[
            a("111111111111", "staging"),
            a("111111111111", "production")
        ])
        .is_err());
    }
}
