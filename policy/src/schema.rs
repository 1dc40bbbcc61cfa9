//! Shape checks with one JSON Schema per policy type (policies/schema/*.schema.json).

use crate::kind::{Finding, PolicyType, Severity};
use std::sync::OnceLock;

const IDENTITY: &str = include_str!("../../policies/schema/identity.schema.json");
const RESOURCE: &str = include_str!("../../policies/schema/resource.schema.json");
const SCP: &str = include_str!("../../policies/schema/scp.schema.json");
const RCP: &str = include_str!("../../policies/schema/rcp.schema.json");
const TRUST: &str = include_str!("../../policies/schema/trust.schema.json");

/// The schema text for a type.
pub fn schema_text(t: PolicyType) -> &'static str {
    match t {
        PolicyType::Identity => IDENTITY,
        PolicyType::Resource => RESOURCE,
        PolicyType::Scp => SCP,
        PolicyType::Rcp => RCP,
        PolicyType::Trust => TRUST,
    }
}

type Compiled = Result<jsonschema::Validator, String>;

fn validator(t: PolicyType) -> &'static Compiled {
    static CELLS: [OnceLock<Compiled>; 5] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let i = PolicyType::ALL.iter().position(|x| *x == t).unwrap_or(0);
    CELLS[i].get_or_init(|| {
        let v: serde_json::Value =
            serde_json::from_str(schema_text(t)).map_err(|e| e.to_string())?;
        jsonschema::validator_for(&v).map_err(|e| e.to_string())
    })
}

/// Validates a decoded document against its type's schema.
pub fn check(doc: &serde_json::Value, t: PolicyType) -> Vec<Finding> {
    match validator(t) {
        Err(e) => vec![Finding::new(
            Severity::Error,
            "schema-invalid",
            "$",
            format!("the {t} schema itself does not compile: {e}"),
        )],
        Ok(v) => v
            .iter_errors(doc)
            .map(|e| {
                let ptr = e.instance_path().to_string();
                Finding::new(
                    Severity::Error,
                    "schema",
                    pointer_to_path(&ptr),
                    format!("does not match the {t} policy schema: {e}"),
                )
            })
            .collect(),
    }
}

/// `/Statement/0/Action` -> `$.Statement[0].Action`.
fn pointer_to_path(ptr: &str) -> String {
    let mut out = String::from("$");
    for seg in ptr.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            out.push('.');
            out.push_str(&seg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_compile_and_catch_shape_errors() {
        for t in PolicyType::ALL {
            assert!(validator(t).is_ok(), "{t}");
        }
        let doc = serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}]});
        assert!(!check(&doc, PolicyType::Identity).is_empty());
        let scp = serde_json::json!({"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}});
        let f = check(&scp, PolicyType::Scp);
        assert!(f.iter().any(|f| f.path.starts_with("$.Statement")), "{f:?}");
        assert!(!check(&scp, PolicyType::Rcp)
            .iter()
            .any(|f| f.code == "schema"));
    }
}
