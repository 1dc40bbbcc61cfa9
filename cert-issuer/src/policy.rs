//! The resource policy on each `s2s/<app>/tls`: the bundle's
//! `iam/secret-cert-resource`, rendered by the policy engine (the same
//! renderer as the provider's `s2s_policy` data source) for the roles Registry
//! lists, and its digest, which the secret's tags carry so a changed reader
//! list is seen without reading the policy back.

use std::collections::BTreeMap;

use policy::{Bundle, PolicyType, Severity};
use sha2::{Digest, Sha256};

use crate::target::Target;

pub const TEMPLATE: &str = "iam/secret-cert-resource";

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy bundle: {0}")]
    Bundle(String),
    #[error("rendering {TEMPLATE} for {target}: {detail}")]
    Render { target: String, detail: String },
}

/// The policy engine's one parsed copy of the embedded bundle.
fn bundle() -> Result<&'static Bundle, PolicyError> {
    Bundle::embedded_shared().map_err(|e| PolicyError::Bundle(e.to_string()))
}

/// The minified resource policy for `target`, checked by the engine.
pub fn resource_policy(target: &Target) -> Result<String, PolicyError> {
    let fail = |detail: String| PolicyError::Render {
        target: target.key.to_string(),
        detail,
    };
    let roles = serde_json::to_string(&target.reader_roles).map_err(|e| fail(e.to_string()))?;
    let params = BTreeMap::from([
        ("account_id".to_owned(), target.key.account_id.clone()),
        ("app".to_owned(), target.key.app.clone()),
        ("reader_roles".to_owned(), roles),
    ]);
    let doc = bundle()?
        .render(TEMPLATE, &params)
        .map_err(|e| fail(e.to_string()))?;
    if let Some(f) = policy::check(&doc, PolicyType::Resource)
        .into_iter()
        .find(|f| f.severity == Severity::Error)
    {
        return Err(fail(format!("{}: {}", f.code, f.message)));
    }
    Ok(policy::minify(&doc))
}

/// SHA-256 of the template itself: a new bundle re-attaches every policy.
pub fn template_digest() -> Result<String, PolicyError> {
    let t = bundle()?
        .template(TEMPLATE)
        .map_err(|e| PolicyError::Bundle(e.to_string()))?;
    Ok(digest(&t.text))
}

/// Lowercase hex SHA-256 of the policy text (the `s2s-policy-sha256` tag).
pub fn digest(policy: &str) -> String {
    Sha256::digest(policy.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::TargetKey;

    fn target(roles: &[&str]) -> Target {
        Target {
            key: TargetKey {
                app: "payments".into(),
                account_id: "111111111111".into(),
            },
            environment: "staging".into(),
            spiffe_id: "spiffe://example.internal/payments".into(),
            reader_roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn readers_are_exactly_the_registered_roles_and_the_syncer() {
        let p = resource_policy(&target(&["api", "worker"])).expect("render");
        let v: serde_json::Value = serde_json::from_str(&p).expect("json");
        let readers = &v["Statement"][1]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"];
        assert_eq!(
            readers,
            &serde_json::json!([
                "arn:aws:iam::111111111111:role/app/payments/api",
                "arn:aws:iam::111111111111:role/app/payments/worker",
                "arn:aws:iam::111111111111:role/platform/keywhiz-syncer"
            ])
        );
        let none = resource_policy(&target(&[])).expect("render without functions");
        assert!(none.contains("keywhiz-syncer") && !none.contains("role/app/"));
        assert_ne!(digest(&p), digest(&none));
        assert_eq!(digest(&p).len(), 64);
    }

    #[test]
    fn a_widening_role_name_is_refused() {
        assert!(resource_policy(&target(&["*"])).is_err());
    }
}
