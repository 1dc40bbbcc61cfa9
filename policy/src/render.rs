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
    let mut missing = BTreeSet::new();
    let out = fill(template, values, &mut missing);
    rendered(out, missing)
}

/// The result of a rendering: refused when a parameter was not given, and it
/// must be valid JSON.
fn rendered(out: String, missing: BTreeSet<String>) -> Result<String> {
    if !missing.is_empty() {
        return Err(Error::Unfilled(missing.into_iter().collect()));
    }
    serde_json::from_str::<serde_json::Value>(&out).map_err(|source| Error::Json {
        origin: "rendered template".into(),
        source,
    })?;
    Ok(out)
}

/// `(start, end)` of every JSON string literal, quotes included (`end` is past the
/// closing quote).
fn string_literals(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match start {
            None if c == '"' => start = Some(i),
            None => {}
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(s) if c == '"' => {
                out.push((s, i + 1));
                start = None;
            }
            Some(_) => {}
        }
    }
    out
}

/// Fills the scalar parameters of `text` in one pass; names not in `values` are
/// recorded in `missing` (and left out of the result).
fn fill(text: &str, values: &BTreeMap<String, String>, missing: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, inner) in placeholders_at(text) {
        if !is_param_name(inner) {
            continue;
        }
        out.push_str(&text[last..start]);
        match values.get(inner) {
            Some(v) => out.push_str(&json_escape(v)),
            None => {
                missing.insert(inner.to_string());
            }
        }
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

fn list_error(name: &str, message: &str) -> Error {
    Error::Param {
        name: name.into(),
        message: message.into(),
    }
}

/// Parses a list parameter's value: a JSON array of strings.
pub fn list_values(name: &str, value: &str) -> Result<Vec<String>> {
    serde_json::from_str(value)
        .map_err(|_| list_error(name, "a list parameter takes a JSON array of strings"))
}

/// Like [`render`], where the parameters named in `lists` take a JSON array of strings
/// (`["payments-api","payments-worker"]`). A string using a list parameter must be an
/// element of a JSON array; it becomes one element per value, in order, and disappears
/// for an empty list. One list parameter per string.
pub fn render_lists(
    template: &str,
    values: &BTreeMap<String, String>,
    lists: &BTreeSet<String>,
) -> Result<String> {
    if !params(template).iter().any(|p| lists.contains(p)) {
        return render(template, values);
    }
    let mut out = String::with_capacity(template.len() * 2);
    let mut last = 0;
    let mut missing = BTreeSet::new();
    for (start, end) in string_literals(template) {
        let inner = &template[start + 1..end - 1];
        let used: BTreeSet<&str> = placeholders_at(inner)
            .into_iter()
            .map(|(_, _, n)| n)
            .filter(|n| lists.contains(*n))
            .collect();
        let Some(&name) = used.iter().next() else {
            continue;
        };
        if used.len() > 1 {
            return Err(list_error(name, "only one list parameter per string"));
        }
        let before = template[..start].trim_end();
        let after = template[end..].trim_start();
        if !(before.ends_with(['[', ',']) && after.starts_with([']', ','])) {
            return Err(list_error(
                name,
                "a list parameter is only allowed in a string that is an array element",
            ));
        }
        let Some(raw) = values.get(name) else {
            missing.insert(name.to_string());
            continue;
        };
        let items = list_values(name, raw)?;
        out.push_str(&fill(&template[last..start], values, &mut missing));
        last = end;
        if items.is_empty() {
            // Drop the element and one separating comma.
            if after.starts_with(',') {
                last = template.len() - after.len() + 1;
            } else if out.trim_end().ends_with(',') {
                let kept = out.trim_end().len() - 1;
                out.truncate(kept);
            }
            continue;
        }
        let mut one = values.clone();
        let expanded: Vec<String> = items
            .into_iter()
            .map(|item| {
                one.insert(name.to_string(), item);
                format!("\"{}\"", fill(inner, &one, &mut missing))
            })
            .collect();
        out.push_str(&expanded.join(", "));
    }
    out.push_str(&fill(&template[last..], values, &mut missing));
    rendered(out, missing)
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

    fn lists(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn list_parameters_expand_array_elements() {
        let t = r#"{"a": ["arn:${acct}:role/${roles}", "arn:${acct}:role/fixed"], "b": "${acct}"}"#;
        let mut v = BTreeMap::new();
        v.insert("acct".to_string(), "1".to_string());
        v.insert("roles".to_string(), r#"["x","y\"z"]"#.to_string());
        let out = render_lists(t, &v, &lists(&["roles"])).unwrap_or_default();
        let got: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(
            got,
            serde_json::json!({"a": ["arn:1:role/x", "arn:1:role/y\"z", "arn:1:role/fixed"], "b": "1"})
        );
        // An empty list removes the element and its comma, wherever it stands.
        v.insert("roles".to_string(), "[]".to_string());
        for (t, want) in [
            (
                r#"{"a": ["${roles}", "k"]}"#,
                serde_json::json!({"a": ["k"]}),
            ),
            (
                r#"{"a": ["k", "r/${roles}"]}"#,
                serde_json::json!({"a": ["k"]}),
            ),
            (r#"{"a": ["${roles}"]}"#, serde_json::json!({"a": []})),
        ] {
            let out = render_lists(t, &v, &lists(&["roles"])).unwrap_or_default();
            let got: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
            assert_eq!(got, want, "{t}");
        }
    }

    #[test]
    fn list_parameters_are_refused_outside_arrays_and_must_be_arrays() {
        let mut v = BTreeMap::new();
        v.insert("roles".to_string(), r#"["x"]"#.to_string());
        let l = lists(&["roles"]);
        for t in [r#"{"a": "${roles}"}"#, r#"{"${roles}": ["x"]}"#] {
            assert!(
                matches!(render_lists(t, &v, &l), Err(Error::Param { .. })),
                "{t}"
            );
        }
        v.insert("roles".to_string(), "x".to_string());
        assert!(matches!(
            render_lists(r#"{"a": ["${roles}"]}"#, &v, &l),
            Err(Error::Param { .. })
        ));
        // Without list parameters the output is exactly render's.
        let t = r#"{"a": "${roles}"}"#;
        assert_eq!(
            render_lists(t, &v, &BTreeSet::new()).ok(),
            render(t, &v).ok()
        );
        assert!(matches!(
            render_lists(r#"{"a": ["${roles}"]}"#, &BTreeMap::new(), &l),
            Err(Error::Unfilled(m)) if m == vec!["roles".to_string()]
        ));
    }
}
