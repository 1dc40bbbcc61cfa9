//! Condition operators and their exact semantics, including missing keys.

use crate::context::Context;
use crate::{arn, pattern, vars};

/// The operator families without qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASES: &[(&str, Base)] = &[
    ("StringEquals", Base::StringEquals),
    ("StringNotEquals", Base::StringNotEquals),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
    ("StringLike", Base::StringLike),
    ("StringNotLike", Base::StringNotLike),
    ("NumericEquals", Base::NumericEquals),
    ("NumericNotEquals", Base::NumericNotEquals),
    ("NumericLessThan", Base::NumericLessThan),
    ("NumericLessThanEquals", Base::NumericLessThanEquals),
    ("NumericGreaterThan", Base::NumericGreaterThan),
    ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
    ("DateEquals", Base::DateEquals),
    ("DateNotEquals", Base::DateNotEquals),
    ("DateLessThan", Base::DateLessThan),
    ("DateLessThanEquals", Base::DateLessThanEquals),
    ("DateGreaterThan", Base::DateGreaterThan),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
    ("Bool", Base::Bool),
    ("BinaryEquals", Base::BinaryEquals),
    ("IpAddress", Base::IpAddress),
    ("NotIpAddress", Base::NotIpAddress),
    ("ArnEquals", Base::ArnEquals),
    ("ArnLike", Base::ArnLike),
    ("ArnNotEquals", Base::ArnNotEquals),
    ("ArnNotLike", Base::ArnNotLike),
    ("Null", Base::Null),
];

impl Base {
    /// Negated operators are true when none of the values match (and when the key is absent).
    pub fn negated(self) -> bool {
        use Base::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// String and ARN operators accept policy variables; the others take values literally.
    pub fn takes_variables(self) -> bool {
        use Base::*;
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Is this a String* or Arn* operator?
    pub fn is_string_like(self) -> bool {
        self.takes_variables()
    }
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// At least one request value must satisfy the operator; false when the key is absent.
    ForAnyValue,
    /// Every request value must satisfy the operator; true when the key is absent or empty.
    ForAllValues,
}

/// A full operator such as `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The family.
    pub base: Base,
    /// `...IfExists`.
    pub if_exists: bool,
    /// `ForAnyValue:`/`ForAllValues:`.
    pub qualifier: Option<SetQualifier>,
    /// As written.
    pub raw: String,
}

impl Operator {
    /// Parses an operator name; the error says why it is not one.
    pub fn parse(raw: &str) -> Result<Operator, String> {
        let (qualifier, rest) = if let Some(r) = raw.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = raw.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, raw)
        };
        let (if_exists, name) = match rest.strip_suffix("IfExists") {
            Some(n) => (true, n),
            None => (false, rest),
        };
        let base = BASES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)
            .ok_or_else(|| format!("unknown condition operator {raw:?}"))?;
        Ok(Operator {
            base,
            if_exists,
            qualifier,
            raw: raw.to_string(),
        })
    }
}

/// One `operator: { key: values }` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The operator.
    pub operator: Operator,
    /// The condition key as written.
    pub key: String,
    /// The policy values (OR-ed).
    pub values: Vec<String>,
}

impl Clause {
    /// Evaluates the clause against a context. `vars` says whether policy variables expand.
    pub fn eval(&self, ctx: &Context, vars: bool) -> bool {
        let op = &self.operator;
        if op.base == Base::Null {
            let present = ctx.contains(&self.key);
            return self
                .values
                .iter()
                .any(|v| match v.to_ascii_lowercase().as_str() {
                    "true" => !present,
                    "false" => present,
                    _ => false,
                });
        }
        let req = ctx.values(&self.key);
        let negated = op.base.negated();
        let single = |v: &str| positive_match(op.base, &self.values, v, ctx, vars) != negated;
        match (op.qualifier, req) {
            (None, None) => op.if_exists || negated,
            (None, Some(vals)) => {
                let any = vals
                    .iter()
                    .any(|v| positive_match(op.base, &self.values, v, ctx, vars));
                any != negated
            }
            (Some(SetQualifier::ForAnyValue), None) => op.if_exists,
            (Some(SetQualifier::ForAnyValue), Some(vals)) => vals.iter().any(|v| single(v)),
            (Some(SetQualifier::ForAllValues), None) => true,
            (Some(SetQualifier::ForAllValues), Some(vals)) => vals.iter().all(|v| single(v)),
        }
    }
}

/// Does request value `req` match any of the policy values under the positive form of `base`?
fn positive_match(base: Base, values: &[String], req: &str, ctx: &Context, vars: bool) -> bool {
    use Base::*;
    values.iter().any(|pv| match base {
        _ if base.takes_variables() && (!vars || !pv.contains("${")) => {
            literal_match(base, pv, req)
        }
        StringEquals | StringNotEquals => {
            vars::resolve_text(pv, ctx, vars).is_some_and(|p| p == req)
        }
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => vars::resolve_text(pv, ctx, vars)
            .is_some_and(|p| p.to_lowercase() == req.to_lowercase()),
        StringLike | StringNotLike => vars::resolve_toks(pv, ctx, vars, true).is_some_and(|t| {
            let chars: Vec<char> = req.chars().collect();
            pattern::matches_toks(&t, &chars, false)
        }),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            vars::resolve_toks(pv, ctx, vars, true).is_some_and(|t| arn::matches(&t, req))
        }
        NumericEquals | NumericNotEquals => num2(pv, req).is_some_and(|(p, r)| r == p),
        NumericLessThan => num2(pv, req).is_some_and(|(p, r)| r < p),
        NumericLessThanEquals => num2(pv, req).is_some_and(|(p, r)| r <= p),
        NumericGreaterThan => num2(pv, req).is_some_and(|(p, r)| r > p),
        NumericGreaterThanEquals => num2(pv, req).is_some_and(|(p, r)| r >= p),
        DateEquals | DateNotEquals => date2(pv, req).is_some_and(|(p, r)| r == p),
        DateLessThan => date2(pv, req).is_some_and(|(p, r)| r < p),
        DateLessThanEquals => date2(pv, req).is_some_and(|(p, r)| r <= p),
        DateGreaterThan => date2(pv, req).is_some_and(|(p, r)| r > p),
        DateGreaterThanEquals => date2(pv, req).is_some_and(|(p, r)| r >= p),
        Bool => {
            let p = pv.to_ascii_lowercase();
            let r = req.to_ascii_lowercase();
            (p == "true" || p == "false") && p == r
        }
        BinaryEquals => pv == req,
        IpAddress | NotIpAddress => crate::ip::cidr_contains(pv, req),
        Null => false,
    })
}

/// String/ARN operators on a value without policy variables: no allocation on the hot path.
fn literal_match(base: Base, pv: &str, req: &str) -> bool {
    use Base::*;
    match base {
        StringEquals | StringNotEquals => pv == req,
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            pv.to_lowercase() == req.to_lowercase()
        }
        StringLike | StringNotLike => pattern::glob(pv, req, false),
        _ => arn::like(pv, req),
    }
}

fn num2(p: &str, r: &str) -> Option<(f64, f64)> {
    Some((p.trim().parse().ok()?, r.trim().parse().ok()?))
}

fn date2(p: &str, r: &str) -> Option<(i128, i128)> {
    Some((crate::date::parse_millis(p)?, crate::date::parse_millis(r)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Value;

    fn clause(op: &str, key: &str, vals: &[&str]) -> Clause {
        Clause {
            operator: Operator::parse(op).unwrap_or_else(|e| panic!("{e}")),
            key: key.into(),
            values: vals.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.set_one(k, v);
        }
        c
    }

    #[test]
    fn string_family() {
        let c = ctx(&[("aws:PrincipalTag/app", "payments")]);
        assert!(clause("StringEquals", "aws:principaltag/APP", &["x", "payments"]).eval(&c, true));
        assert!(!clause("StringEquals", "aws:PrincipalTag/app", &["Payments"]).eval(&c, true));
        assert!(clause(
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/app",
            &["PAYMENTS"]
        )
        .eval(&c, true));
        assert!(!clause(
            "StringNotEquals",
            "aws:PrincipalTag/app",
            &["x", "payments"]
        )
        .eval(&c, true));
        assert!(clause("StringNotEquals", "aws:PrincipalTag/app", &["x", "y"]).eval(&c, true));
        assert!(clause("StringLike", "aws:PrincipalTag/app", &["pay*"]).eval(&c, true));
        assert!(clause("StringNotLike", "aws:PrincipalTag/app", &["ord*"]).eval(&c, true));
        assert!(!clause(
            "StringNotEqualsIgnoreCase",
            "aws:PrincipalTag/app",
            &["PAYMENTS"]
        )
        .eval(&c, true));
    }

    #[test]
    fn missing_key_semantics() {
        let c = Context::new();
        assert!(!clause("StringEquals", "k:k", &["v"]).eval(&c, true));
        assert!(clause("StringNotEquals", "k:k", &["v"]).eval(&c, true));
        assert!(clause("StringEqualsIfExists", "k:k", &["v"]).eval(&c, true));
        assert!(clause("StringNotEqualsIfExists", "k:k", &["v"]).eval(&c, true));
        assert!(!clause("NumericLessThan", "k:k", &["3"]).eval(&c, true));
        assert!(clause("ArnNotLike", "k:k", &["arn:*"]).eval(&c, true));
        assert!(!clause("Bool", "k:k", &["false"]).eval(&c, true));
        assert!(clause("BoolIfExists", "k:k", &["false"]).eval(&c, true));
        assert!(clause("Null", "k:k", &["true"]).eval(&c, true));
        assert!(!clause("Null", "k:k", &["false"]).eval(&c, true));
        // IfExists on a present key is just the operator.
        let c = ctx(&[("k:k", "w")]);
        assert!(!clause("StringEqualsIfExists", "k:k", &["v"]).eval(&c, true));
        assert!(clause("Null", "k:k", &["false"]).eval(&c, true));
    }

    #[test]
    fn set_qualifiers() {
        let empty = Context::new();
        // ForAllValues is vacuously true on an absent key, even negated; ForAnyValue is false.
        assert!(clause("ForAllValues:StringEquals", "aws:TagKeys", &["app"]).eval(&empty, true));
        assert!(clause("ForAllValues:StringNotEquals", "aws:TagKeys", &["app"]).eval(&empty, true));
        assert!(!clause("ForAnyValue:StringEquals", "aws:TagKeys", &["app"]).eval(&empty, true));
        assert!(!clause("ForAnyValue:StringNotEquals", "aws:TagKeys", &["app"]).eval(&empty, true));
        assert!(
            clause("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", &["app"]).eval(&empty, true)
        );
        let mut c = Context::new();
        c.set("aws:TagKeys", Value::Many(vec![]));
        assert!(clause("ForAllValues:StringEquals", "aws:TagKeys", &["app"]).eval(&c, true));
        c.set(
            "aws:TagKeys",
            Value::Many(vec!["app".into(), "owner".into()]),
        );
        assert!(!clause("ForAllValues:StringEquals", "aws:TagKeys", &["app"]).eval(&c, true));
        assert!(clause(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["app", "owner"]
        )
        .eval(&c, true));
        assert!(clause("ForAnyValue:StringNotEquals", "aws:TagKeys", &["app"]).eval(&c, true));
        assert!(!clause(
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            &["app", "owner"]
        )
        .eval(&c, true));
        assert!(clause("ForAnyValue:StringLike", "aws:TagKeys", &["own*"]).eval(&c, true));
    }

    #[test]
    fn numeric_date_bool_ip_binary() {
        let c = ctx(&[
            ("n:n", "7"),
            ("aws:CurrentTime", "2026-05-15T12:00:00Z"),
            ("aws:SecureTransport", "true"),
            ("aws:SourceIp", "10.1.2.3"),
            ("aws:EpochTime", "1778846400"),
            ("b:b", "QmluYXJ5"),
        ]);
        assert!(clause("NumericEquals", "n:n", &["7.0"]).eval(&c, true));
        assert!(clause("NumericNotEquals", "n:n", &["8"]).eval(&c, true));
        assert!(clause("NumericLessThan", "n:n", &["8"]).eval(&c, true));
        assert!(clause("NumericLessThanEquals", "n:n", &["7"]).eval(&c, true));
        assert!(!clause("NumericGreaterThan", "n:n", &["7"]).eval(&c, true));
        assert!(clause("NumericGreaterThanEquals", "n:n", &["7"]).eval(&c, true));
        assert!(!clause("NumericEquals", "n:n", &["seven"]).eval(&c, true));
        assert!(clause("DateGreaterThan", "aws:CurrentTime", &["2026-05-15"]).eval(&c, true));
        assert!(
            clause("DateLessThan", "aws:CurrentTime", &["2026-05-15T12:00:01Z"]).eval(&c, true)
        );
        assert!(clause(
            "DateEquals",
            "aws:CurrentTime",
            &["2026-05-15T14:00:00+02:00"]
        )
        .eval(&c, true));
        assert!(clause("DateEquals", "aws:EpochTime", &["2026-05-15T12:00:00Z"]).eval(&c, true));
        assert!(clause("DateNotEquals", "aws:CurrentTime", &["2020-01-01"]).eval(&c, true));
        assert!(clause("DateLessThanEquals", "aws:CurrentTime", &["1778846400"]).eval(&c, true));
        assert!(clause("DateGreaterThanEquals", "aws:CurrentTime", &["1778846400"]).eval(&c, true));
        assert!(clause("Bool", "aws:SecureTransport", &["TRUE"]).eval(&c, true));
        assert!(!clause("Bool", "aws:SecureTransport", &["false"]).eval(&c, true));
        assert!(clause("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]).eval(&c, true));
        assert!(!clause("IpAddress", "aws:SourceIp", &["10.1.2.4"]).eval(&c, true));
        assert!(clause(
            "NotIpAddress",
            "aws:SourceIp",
            &["192.168.0.0/16", "2001:db8::/32"]
        )
        .eval(&c, true));
        assert!(clause("BinaryEquals", "b:b", &["QmluYXJ5"]).eval(&c, true));
    }

    #[test]
    fn arn_operators_and_variables() {
        let c = ctx(&[
            (
                "aws:PrincipalArn",
                "arn:aws:iam::111111111111:role/platform/keywhiz-syncer",
            ),
            ("aws:PrincipalAccount", "111111111111"),
        ]);
        let exact = "arn:aws:iam::${aws:PrincipalAccount}:role/platform/keywhiz-syncer";
        let across_colons = "arn:aws:*:role/platform/keywhiz-syncer";
        let no_tag = "${aws:PrincipalTag/app}";
        // (what, operator, key, values, Version 2012-10-17, matches)
        type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], bool, bool);
        let cases: [Case; 9] = [
            (
                "ArnEquals fills a variable",
                "ArnEquals",
                "aws:PrincipalArn",
                &[exact],
                true,
                true,
            ),
            (
                "ArnLike fills a variable",
                "ArnLike",
                "aws:PrincipalArn",
                &[exact],
                true,
                true,
            ),
            (
                "without Version 2012-10-17 the variable is literal text",
                "ArnEquals",
                "aws:PrincipalArn",
                &[exact],
                false,
                false,
            ),
            (
                "ArnEquals takes wildcards too, per segment",
                "ArnEquals",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/platform/*"],
                true,
                true,
            ),
            (
                "an ARN operator's `*` stays within its segment",
                "ArnLike",
                "aws:PrincipalArn",
                &[across_colons],
                true,
                false,
            ),
            (
                "StringLike's `*` spans colons",
                "StringLike",
                "aws:PrincipalArn",
                &[across_colons],
                true,
                true,
            ),
            (
                "a variable with no value is null: a positive operator fails",
                "StringEquals",
                "aws:PrincipalArn",
                &[no_tag],
                true,
                false,
            ),
            (
                "a variable with no value is null: a negated operator matches",
                "StringNotEquals",
                "aws:PrincipalArn",
                &[no_tag],
                true,
                true,
            ),
            (
                "a variable's default stands in for a missing value",
                "StringNotEquals",
                "aws:PrincipalAccount",
                &["${aws:PrincipalTag/app, '111111111111'}"],
                true,
                false,
            ),
        ];
        for (what, op, key, values, versioned, matches) in cases {
            assert_eq!(
                clause(op, key, values).eval(&c, versioned),
                matches,
                "{what}"
            );
        }
    }
}
