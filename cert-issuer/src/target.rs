//! What Registry says must exist: one certificate per (app, account) of every
//! app with `certificate_generation` on, readable by the roles Registry lists
//! for that app's functions in that account. Two Registry calls per run,
//! whatever the number of apps.

use std::collections::{BTreeMap, BTreeSet};

use registry_client::{App, Function, RegistryClient};
use serde::{Deserialize, Serialize};

/// An (app, account) pair: what a certificate secret is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TargetKey {
    pub app: String,
    pub account_id: String,
}

impl TargetKey {
    /// `s2s/<app>/tls`, the only name the issuer ever writes.
    pub fn secret_name(&self) -> String {
        format!("s2s/{}/tls", self.app)
    }
}

impl std::fmt::Display for TargetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.app, self.account_id)
    }
}

/// One certificate that must exist, as Registry describes it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(flatten)]
    pub key: TargetKey,
    pub environment: String,
    pub spiffe_id: String,
    /// Role names (under `/app/<app>/`), sorted and unique.
    pub reader_roles: Vec<String>,
}

/// Registry's answer, with what could not be used and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub targets: Vec<Target>,
    /// Human-readable reasons (app or account names only).
    pub skipped: Vec<String>,
}

fn valid_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// IAM role name rules (what Registry enforces too).
fn valid_role(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The targets of `apps` (those with the flag on) and their functions.
/// Pure: anything malformed is skipped and reported, never issued for.
pub fn targets_from(apps: &[App], functions: &[Function], trust_domain: &str) -> Listing {
    let mut roles: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    let mut listing = Listing::default();
    for f in functions {
        if valid_role(&f.role_name) {
            roles
                .entry((f.app.as_str(), f.account_id.as_str()))
                .or_default()
                .insert(f.role_name.as_str());
        } else {
            listing.skipped.push(format!(
                "function {}: role name is not an IAM role name",
                f.id
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for app in apps.iter().filter(|a| a.certificate_generation) {
        if s2s_core::validate_app(&app.name).is_err() {
            listing
                .skipped
                .push(format!("app {:?}: not a valid app name", app.name));
            continue;
        }
        let Ok(expected) = s2s_core::spiffe_id(trust_domain, &app.name) else {
            listing
                .skipped
                .push(format!("app {}: no SPIFFE ID in {trust_domain}", app.name));
            continue;
        };
        if app.spiffe_id.as_deref().is_some_and(|id| id != expected) {
            listing.skipped.push(format!(
                "app {}: Registry names a SPIFFE ID outside spiffe://{trust_domain}/",
                app.name
            ));
            continue;
        }
        for account in &app.accounts {
            if !valid_account(&account.account_id) {
                listing.skipped.push(format!(
                    "app {}: account id {:?} is not 12 digits",
                    app.name, account.account_id
                ));
                continue;
            }
            let key = TargetKey {
                app: app.name.clone(),
                account_id: account.account_id.clone(),
            };
            if !seen.insert(key.clone()) {
                continue;
            }
            let reader_roles = roles
                .get(&(app.name.as_str(), account.account_id.as_str()))
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            listing.targets.push(Target {
                key,
                environment: account.environment.as_str().to_owned(),
                spiffe_id: expected.clone(),
                reader_roles,
            });
        }
    }
    listing.targets.sort_by(|a, b| a.key.cmp(&b.key));
    listing
}

/// The apps with the flag on and their functions: two calls.
pub async fn list(
    registry: &RegistryClient,
    trust_domain: &str,
) -> Result<Listing, registry_client::Error> {
    let apps = registry.list_certificate_apps().await?;
    let functions = registry.list_certificate_functions().await?;
    Ok(targets_from(&apps, &functions, trust_domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str, accounts: &[&str], on: bool) -> App {
        serde_json::from_value(serde_json::json!({
            "name": name,
            "accounts": accounts.iter().map(|a| serde_json::json!({"account_id": a, "environment": "staging"})).collect::<Vec<_>>(),
            "certificate_generation": on,
            "etag": "\"1\"",
        }))
        .expect("app")
    }

    fn function(app: &str, account: &str, role: &str) -> Function {
        serde_json::from_value(serde_json::json!({
            "id": format!("{app}/{account}/{role}-fn"), "app": app, "account_id": account,
            "environment": "staging", "function_name": format!("{role}-fn"), "role_name": role,
            "etag": "\"2\"",
        }))
        .expect("function")
    }

    #[test]
    fn one_target_per_flagged_app_and_account_with_its_roles() {
        let apps = vec![
            app("payments", &["111111111111", "222222222222"], true),
            app("ledger", &["111111111111"], false),
        ];
        let functions = vec![
            function("payments", "111111111111", "worker"),
            function("payments", "111111111111", "api"),
            function("payments", "111111111111", "api"),
            function("ledger", "111111111111", "ledger-api"),
        ];
        let l = targets_from(&apps, &functions, "example.internal");
        assert_eq!(l.targets.len(), 2);
        let first = &l.targets[0];
        assert_eq!(first.key.secret_name(), "s2s/payments/tls");
        assert_eq!(first.spiffe_id, "spiffe://example.internal/payments");
        assert_eq!(first.reader_roles, vec!["api", "worker"]);
        assert!(
            l.targets[1].reader_roles.is_empty(),
            "no functions there yet"
        );
        assert!(l.skipped.is_empty());
    }

    #[test]
    fn malformed_entries_are_skipped_not_issued() {
        let mut other_domain = app("orders", &["333333333333"], true);
        other_domain.spiffe_id = Some("spiffe://elsewhere/orders".into());
        let apps = vec![
            app("Bad_Name", &["111111111111"], true),
            app("payments", &["12345"], true),
            other_domain,
        ];
        let functions = vec![function("payments", "12345", "has space")];
        let l = targets_from(&apps, &functions, "example.internal");
        assert!(l.targets.is_empty(), "{:?}", l.targets);
        assert_eq!(l.skipped.len(), 4, "{:?}", l.skipped);
    }
}
