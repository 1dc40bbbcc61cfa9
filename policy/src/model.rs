//! Typed model of the IAM policy language, parsed from JSON with paths in errors.

use crate::condition::{Clause, Operator};
use crate::error::{parse_err, Error, Result};
use serde_json::Value;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Forbids; wins over every Allow.
    Deny,
}

/// A list of patterns, either positive (`Action`) or negated (`NotAction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    /// True for `NotAction`/`NotResource`.
    pub negated: bool,
    /// The patterns as written.
    pub values: Vec<String>,
}

/// The `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// `"*"` written as a bare string.
    pub any: bool,
    /// `(kind, values)`, kind one of AWS, Service, Federated, CanonicalUser.
    pub entries: Vec<(String, Vec<String>)>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`, if any.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal`/`NotPrincipal`, if any.
    pub principal: Option<Principals>,
    /// `Action`/`NotAction`.
    pub action: Patterns,
    /// `Resource`/`NotResource`; absent in trust policies.
    pub resource: Option<Patterns>,
    /// Condition clauses (AND-ed).
    pub conditions: Vec<Clause>,
    /// Position in the policy.
    pub index: usize,
}

impl Statement {
    /// A short label: the Sid or `#<index>`.
    pub fn label(&self) -> String {
        self.sid
            .clone()
            .unwrap_or_else(|| format!("#{}", self.index))
    }
}

/// A policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `Version`; policy variables are only expanded for `2012-10-17`.
    pub version: Option<String>,
    /// `Id`, if any.
    pub id: Option<String>,
    /// The statements in order.
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Are policy variables expanded in this policy?
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }

    /// Parses policy JSON text.
    pub fn parse(text: &str) -> Result<Policy> {
        let v: Value = serde_json::from_str(text).map_err(|source| Error::Json {
            origin: "policy".into(),
            source,
        })?;
        Self::from_value(&v)
    }

    /// Parses an already decoded JSON value.
    pub fn from_value(v: &Value) -> Result<Policy> {
        let obj = v
            .as_object()
            .ok_or_else(|| parse_err("$", "a policy must be a JSON object"))?;
        for k in obj.keys() {
            if !matches!(k.as_str(), "Version" | "Id" | "Statement") {
                return Err(parse_err(format!("$.{k}"), "unknown top-level element"));
            }
        }
        let version = opt_string(obj.get("Version"), "$.Version")?;
        if let Some(ver) = &version {
            if ver != "2012-10-17" && ver != "2008-10-17" {
                return Err(parse_err("$.Version", format!("unknown version {ver:?}")));
            }
        }
        let id = opt_string(obj.get("Id"), "$.Id")?;
        let statements = match obj.get("Statement") {
            None => return Err(parse_err("$", "missing Statement")),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| parse_statement(s, &format!("$.Statement[{i}]"), i))
                .collect::<Result<Vec<_>>>()?,
            Some(s @ Value::Object(_)) => vec![parse_statement(s, "$.Statement", 0)?],
            Some(_) => {
                return Err(parse_err(
                    "$.Statement",
                    "must be an object or an array of objects",
                ))
            }
        };
        Ok(Policy {
            version,
            id,
            statements,
        })
    }
}

fn opt_string(v: Option<&Value>, path: &str) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(parse_err(path, "must be a string")),
    }
}

/// A string or an array of strings.
fn string_list(v: &Value, path: &str) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => Err(parse_err(format!("{path}[{i}]"), "must be a string")),
            })
            .collect(),
        _ => Err(parse_err(path, "must be a string or an array of strings")),
    }
}

/// Condition values may be strings, booleans or numbers; all compare as text.
fn value_list(v: &Value, path: &str) -> Result<Vec<String>> {
    let one = |x: &Value, p: &str| match x {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(parse_err(
            p,
            "condition values must be strings, numbers or booleans",
        )),
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| one(x, &format!("{path}[{i}]")))
            .collect(),
        x => Ok(vec![one(x, path)?]),
    }
}

fn either(
    obj: &serde_json::Map<String, Value>,
    pos: &str,
    neg: &str,
    path: &str,
) -> Result<Option<Patterns>> {
    match (obj.get(pos), obj.get(neg)) {
        (Some(_), Some(_)) => Err(parse_err(
            path,
            format!("{pos} and {neg} cannot both be present"),
        )),
        (Some(v), None) => Ok(Some(Patterns {
            negated: false,
            values: string_list(v, &format!("{path}.{pos}"))?,
        })),
        (None, Some(v)) => Ok(Some(Patterns {
            negated: true,
            values: string_list(v, &format!("{path}.{neg}"))?,
        })),
        (None, None) => Ok(None),
    }
}

fn parse_principal(v: &Value, path: &str, negated: bool) -> Result<Principals> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals {
            negated,
            any: true,
            entries: vec![],
        }),
        Value::Object(m) => {
            let mut entries = Vec::new();
            for (k, val) in m {
                if !matches!(
                    k.as_str(),
                    "AWS" | "Service" | "Federated" | "CanonicalUser"
                ) {
                    return Err(parse_err(format!("{path}.{k}"), "unknown principal type"));
                }
                entries.push((k.clone(), string_list(val, &format!("{path}.{k}"))?));
            }
            Ok(Principals {
                negated,
                any: false,
                entries,
            })
        }
        _ => Err(parse_err(path, "must be \"*\" or an object")),
    }
}

fn parse_statement(v: &Value, path: &str, index: usize) -> Result<Statement> {
    let obj = v
        .as_object()
        .ok_or_else(|| parse_err(path, "a statement must be an object"))?;
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(parse_err(
                format!("{path}.{k}"),
                "unknown statement element",
            ));
        }
    }
    let sid = opt_string(obj.get("Sid"), &format!("{path}.Sid"))?;
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(_) => {
            return Err(parse_err(
                format!("{path}.Effect"),
                "must be \"Allow\" or \"Deny\"",
            ))
        }
        None => return Err(parse_err(path, "missing Effect")),
    };
    let principal = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(parse_err(
                path,
                "Principal and NotPrincipal cannot both be present",
            ))
        }
        (Some(p), None) => Some(parse_principal(p, &format!("{path}.Principal"), false)?),
        (None, Some(p)) => Some(parse_principal(p, &format!("{path}.NotPrincipal"), true)?),
        (None, None) => None,
    };
    let action = either(obj, "Action", "NotAction", path)?
        .ok_or_else(|| parse_err(path, "missing Action or NotAction"))?;
    let resource = either(obj, "Resource", "NotResource", path)?;
    let conditions = match obj.get("Condition") {
        None => vec![],
        Some(Value::Object(ops)) => {
            let mut out = Vec::new();
            for (op, keys) in ops {
                let opath = format!("{path}.Condition.{op}");
                let operator = Operator::parse(op).map_err(|m| parse_err(&opath, m))?;
                let keys = keys
                    .as_object()
                    .ok_or_else(|| parse_err(&opath, "must map condition keys to values"))?;
                for (key, vals) in keys {
                    out.push(Clause {
                        operator: operator.clone(),
                        key: key.clone(),
                        values: value_list(vals, &format!("{opath}.{key}"))?,
                    });
                }
            }
            out
        }
        Some(_) => return Err(parse_err(format!("{path}.Condition"), "must be an object")),
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_path() {
        let e = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":3,"Resource":"*"}]}"#,
        );
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.starts_with("$.Statement[1].Action"), "{msg}");
        let e = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}}"#,
        );
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.starts_with("$.Statement.Condition.StringEqualz"),
            "{msg}"
        );
    }

    #[test]
    fn statement_object_or_list() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Deny","NotAction":["s3:Get*"],"NotResource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":false}}}}"#,
        );
        let p = p.ok().unwrap_or_else(|| panic!("parse"));
        assert_eq!(p.statements.len(), 1);
        let s = &p.statements[0];
        assert!(s.action.negated);
        assert!(s.resource.as_ref().is_some_and(|r| r.negated));
        assert_eq!(s.conditions[0].values, vec!["false".to_string()]);
    }
}
