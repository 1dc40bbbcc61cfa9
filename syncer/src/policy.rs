//! The resource policy every synced secret carries (`iam/secret-keywhiz-resource`,
//! rendered by the module and passed as a setting) and its digest, recorded in the
//! `keywhiz-policy` tag so that a no-op run knows every policy is in place from
//! `ListSecrets` alone, without a read per secret.
//!
//! Policies are compared semantically: key order, whitespace, a single string vs
//! a one-element list and the order of statements and of values do not matter.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Objects with their keys in order (inserted sorted, whether or not serde_json
/// keeps insertion order in this build); every list is a set, and a one-element
/// list is its element, except the list of statements.
fn canonical(v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(m) => {
            let sorted: std::collections::BTreeMap<&String, Value> =
                m.iter().map(|(k, x)| (k, canonical(x, Some(k)))).collect();
            let mut out = serde_json::Map::new();
            for (k, x) in sorted {
                out.insert(k.clone(), x);
            }
            Value::Object(out)
        }
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(|x| canonical(x, key)).collect();
            items.sort_by_key(|x| x.to_string());
            items.dedup();
            if items.len() == 1 && key != Some("Statement") {
                return items.remove(0);
            }
            Value::Array(items)
        }
        other => other.clone(),
    }
}

/// The canonical text of a policy (sorted keys and values, singletons unwrapped).
pub fn canonical_text(policy: &str) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(policy)?;
    let mut c = canonical(&v, None);
    // A single statement object means the same as a list holding it.
    if let Some(st) = c.get_mut("Statement") {
        if st.is_object() {
            *st = Value::Array(vec![st.clone()]);
        }
    }
    Ok(c.to_string())
}

/// 16 hex characters of the SHA-256 of the canonical text: the tag value.
pub fn digest(policy: &str) -> Result<String, serde_json::Error> {
    let d = Sha256::digest(canonical_text(policy)?.as_bytes());
    Ok(d.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// Do two policies mean the same? (Unparsable text never equals anything.)
pub fn same(a: &str, b: &str) -> bool {
    matches!((canonical_text(a), canonical_text(b)), (Ok(x), Ok(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"A","Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*",
         "Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}},
        {"Sid":"B","Effect":"Deny","Principal":"*","Action":["secretsmanager:GetSecretValue"],"Resource":"*",
         "Condition":{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::111111111111:role/app/p/*","x"]}}}]}"#;

    #[test]
    fn equal_policies_in_other_shapes_have_one_digest() {
        let reshaped = r#"{"Statement":[
            {"Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":["x","arn:aws:iam::111111111111:role/app/p/*"]}},
             "Action":"secretsmanager:GetSecretValue","Principal":"*","Effect":"Deny","Sid":"B"},
            {"Sid":"A","Effect":"Deny","Principal":"*","Action":["secretsmanager:*"],"Resource":["*"],
             "Condition":{"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]}}}],
            "Version":"2012-10-17"}"#;
        assert!(same(P, reshaped));
        assert_eq!(digest(P).ok(), digest(reshaped).ok());
        assert_eq!(digest(P).map(|d| d.len()).ok(), Some(16));
    }

    #[test]
    fn a_changed_policy_has_another_digest() {
        let wider = P.replace("role/app/p/*", "role/*");
        assert!(!same(P, &wider));
        assert_ne!(digest(P).ok(), digest(&wider).ok());
        assert!(!same(P, "not json"));
        assert!(digest("{").is_err());
    }
}
