//! Template rendering.
//!
//! Convention: a template parameter is `${name}` where `name` matches `[a-z][a-z0-9_]*`
//! (lower case, no colon). IAM policy variables always contain a colon (`${aws:username}`,
//! `${aws:PrincipalTag/app, 'x'}`) or are one of `${*}`, `${?}`, `${$}`; they are left alone.
//! Values are inserted JSON-escaped, so a template must use parameters inside JSON strings.

use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};

/// Is `inner` (the text between `${` and `}`) a template parameter name?
pub fn is_param_name(inner: &str) -> bool {
    let mut chars = inner.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Finds `${...}` occurrences: (start, end-exclusive, inner).
fn placeholders_at(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("${") {
        let start = from + i;
        match text[start + 2..].find('}') {
            Some(j) => {
                let end = start + 2 + j + 1;
                out.push((start, end, &text[start + 2..end - 1]));
                from = end;
            }
            None => break,
        }
    }
    out
}

/// The template parameters a template uses.
pub fn params(template: &str) -> BTreeSet<String> {
    placeholders_at(template)
        .into_iter()
        .filter(|(_, _, n)| is_param_name(n))
        .map(|(_, _, n)| n.to_string())
        .collect()
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Fills every template parameter; refuses when one is not given. Extra values are ignored.
/// The result must be valid JSON.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    let mut missing = BTreeSet::new();
    for (start, end, inner) in placeholders_at(template) {
        if !is_param_name(inner) {
            continue;
        }
        out.push_str(&template[last..start]);
        match values.get(inner) {
            Some(v) => out.push_str(&json_escape(v)),
            None => {
                missing.insert(inner.to_string());
            }
        }
        last = end;
    }
    out.push_str(&template[last..]);
    if !missing.is_empty() {
        return Err(Error::Unfilled(missing.into_iter().collect()));
    }
    serde_json::from_str::<serde_json::Value>(&out).map_err(|source| Error::Json {
        origin: "rendered template".into(),
        source,
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_params_and_keeps_iam_variables() {
        let t = r#"{"a":"arn:aws:iam::${account_id}:role/${aws:PrincipalTag/app, 'x'}","b":"${aws:PrincipalAccount}${*}"}"#;
        let mut v = BTreeMap::new();
        assert!(
            matches!(render(t, &v), Err(Error::Unfilled(m)) if m == vec!["account_id".to_string()])
        );
        v.insert("account_id".into(), "1\"2".into());
        let out = render(t, &v).unwrap_or_default();
        assert!(
            out.contains(r#"arn:aws:iam::1\"2:role/${aws:PrincipalTag/app, 'x'}"#),
            "{out}"
        );
        assert!(out.contains("${aws:PrincipalAccount}${*}"));
        assert_eq!(
            params(t).into_iter().collect::<Vec<_>>(),
            vec!["account_id"]
        );
    }
}
