//! Attribute validators, run on configuration during `Validate*Config`.
//!
//! The framework only calls a validator with a known, non-null value (unknown
//! values are skipped: they are checked again once known), and reports every
//! problem with the attribute's path.

use crate::diag::{AttributePath, Diagnostics};
use crate::value::Value;

/// Checks one configuration value.
pub trait Validator: Send + Sync {
    /// Appends problems with `value` (known and not null) at `path`.
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics);
}

/// Any closure `Fn(&Value) -> Result<(), String>` is a validator.
impl<F> Validator for F
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync,
{
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Err(msg) = self(value) {
            diags.add_attribute_error(path.clone(), "Invalid attribute value", msg);
        }
    }
}

/// A validator from a rule on strings, so that one rule serves an
/// attribute and whatever else must obey it (an import id's pieces, say).
/// A value that is not a string passes: its type is Terraform's to check.
pub fn string_rule(rule: impl Fn(&str) -> Result<(), String> + Send + Sync) -> impl Validator {
    move |value: &Value| value.as_str().map_or(Ok(()), &rule)
}

fn invalid(diags: &mut Diagnostics, path: &AttributePath, detail: String) {
    diags.add_attribute_error(path.clone(), "Invalid attribute value", detail);
}

/// String must match `pattern`; `message` explains the rule to the user.
/// Panics at construction if `pattern` is not a valid regex (a programming error).
pub fn string_regex(pattern: &str, message: impl Into<String>) -> StringRegex {
    #[allow(clippy::expect_used)]
    let re = regex::Regex::new(pattern).expect("invalid regular expression in schema");
    StringRegex {
        re,
        message: message.into(),
    }
}

/// See [`string_regex`].
pub struct StringRegex {
    re: regex::Regex,
    message: String,
}

impl Validator for StringRegex {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str() {
            if !self.re.is_match(s) {
                // The value itself is not repeated: the attribute may be sensitive.
                invalid(
                    diags,
                    path,
                    format!("The value is invalid: {}.", self.message),
                );
            }
        }
    }
}

/// String must be one of `options`.
pub fn string_one_of<I, S>(options: I) -> StringOneOf
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    StringOneOf(options.into_iter().map(Into::into).collect())
}

/// See [`string_one_of`].
pub struct StringOneOf(Vec<String>);

impl Validator for StringOneOf {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str() {
            if !self.0.iter().any(|o| o == s) {
                let opts = self
                    .0
                    .iter()
                    .map(|o| format!("{o:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                invalid(diags, path, format!("The value must be one of {opts}."));
            }
        }
    }
}

/// String length (in characters) must be within `min..=max`.
pub fn string_length(min: usize, max: usize) -> StringLength {
    StringLength { min, max }
}

/// See [`string_length`].
pub struct StringLength {
    min: usize,
    max: usize,
}

impl Validator for StringLength {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str() {
            let n = s.chars().count();
            if n < self.min || n > self.max {
                invalid(
                    diags,
                    path,
                    format!(
                        "length must be between {} and {} characters, got {n}",
                        self.min, self.max
                    ),
                );
            }
        }
    }
}

/// Number must be an integer within `min..=max`.
pub fn int_between(min: i64, max: i64) -> IntBetween {
    IntBetween { min, max }
}

/// See [`int_between`].
pub struct IntBetween {
    min: i64,
    max: i64,
}

impl Validator for IntBetween {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(n) = value.as_number() else { return };
        match n.as_i64() {
            Some(i) if i >= self.min && i <= self.max => {}
            _ => invalid(
                diags,
                path,
                format!(
                    "must be a whole number between {} and {}, got {n}",
                    self.min, self.max
                ),
            ),
        }
    }
}

/// A list, set or map must have `min..=max` elements.
pub fn size_between(min: usize, max: usize) -> SizeBetween {
    SizeBetween { min, max }
}

/// See [`size_between`].
pub struct SizeBetween {
    min: usize,
    max: usize,
}

impl Validator for SizeBetween {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let n = match value {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.len(),
            Value::Map(m) => m.len(),
            _ => return,
        };
        if n < self.min || n > self.max {
            invalid(
                diags,
                path,
                format!(
                    "must have between {} and {} elements, got {n}",
                    self.min, self.max
                ),
            );
        }
    }
}

/// Runs the validators of `block` over `config`, recursing into nested
/// attributes and blocks. Skips null and unknown values.
pub fn validate_block(
    block: &crate::schema::Block,
    config: &Value,
    path: &mut AttributePath,
    diags: &mut Diagnostics,
) {
    use crate::diag::PathStep;
    use crate::schema::AttributeKind;
    for a in &block.attributes {
        let v = config.attr(&a.name);
        path.push(PathStep::Attribute(a.name.clone()));
        if !v.is_null() && !v.is_unknown() {
            for val in &a.validators {
                val.validate(v, path, diags);
            }
            if let AttributeKind::Nested { attributes, .. } = &a.kind {
                let inner = crate::schema::Block {
                    attributes: attributes.clone(),
                    ..Default::default()
                };
                for_each_object(v, path, &mut |obj, p| validate_block(&inner, obj, p, diags));
            }
        }
        path.pop();
    }
    for b in &block.blocks {
        let v = config.attr(&b.name);
        path.push(PathStep::Attribute(b.name.clone()));
        for_each_object(v, path, &mut |obj, p| {
            validate_block(&b.block, obj, p, diags)
        });
        path.pop();
    }
}

/// Calls `f` for each object inside a nested value (single object, list,
/// set or map of objects), with its path.
pub(crate) fn for_each_object(
    v: &Value,
    path: &mut AttributePath,
    f: &mut dyn FnMut(&Value, &mut AttributePath),
) {
    use crate::diag::PathStep;
    match v {
        Value::Object(_) => f(v, path),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Value::Object(_)) {
                    path.within(PathStep::index(i), |path| f(item, path));
                }
            }
        }
        Value::Map(m) => {
            for (k, item) in m {
                if matches!(item, Value::Object(_)) {
                    path.within(PathStep::Key(k.clone()), |path| f(item, path));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, Block};

    fn run(v: &dyn Validator, value: Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        v.validate(&value, &AttributePath::attr("x"), &mut d);
        d
    }

    #[test]
    fn string_validators() {
        let re = string_regex("^[a-z][a-z0-9-]{0,62}$", "must be a DNS label");
        assert!(run(&re, "payments".into()).is_empty());
        let d = run(&re, "Bad_Name".into());
        assert!(d.has_errors());
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "x");
        assert!(d.0[0].detail.contains("DNS label"));
        let one = string_one_of(["staging", "production"]);
        assert!(run(&one, "staging".into()).is_empty());
        assert!(run(&one, "prod".into()).has_errors());
        let rule = string_rule(|s: &str| {
            if s.starts_with('a') {
                Ok(())
            } else {
                Err(format!("{s:?} does not start with a"))
            }
        });
        assert!(run(&rule, "abc".into()).is_empty());
        let d = run(&rule, "xyz".into());
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "x");
        assert!(d.0[0].detail.contains("\"xyz\" does not start with a"));
        assert!(
            run(&rule, 7i64.into()).is_empty(),
            "not a string: Terraform's to check"
        );
        let len = string_length(2, 3);
        assert!(run(&len, "ab".into()).is_empty());
        assert!(run(&len, "abcd".into()).has_errors());
    }

    #[test]
    fn number_and_size_validators() {
        let r = int_between(0, 10);
        assert!(run(&r, 5i64.into()).is_empty());
        assert!(run(&r, 11i64.into()).has_errors());
        assert!(run(&r, 1.5f64.into()).has_errors());
        let s = size_between(1, 2);
        assert!(run(&s, Value::List(vec![1i64.into()])).is_empty());
        assert!(run(&s, Value::Set(vec![])).has_errors());
    }

    #[test]
    fn block_validation_skips_unknown_and_reports_paths() {
        let b = Block::new()
            .attribute(
                Attribute::string("name")
                    .required()
                    .validator(string_length(1, 3)),
            )
            .attribute(
                Attribute::nested(
                    "rules",
                    crate::schema::Nesting::List,
                    vec![Attribute::number("port")
                        .optional()
                        .validator(int_between(1, 65535))],
                )
                .optional(),
            );
        let cfg = Value::object([
            ("name", Value::unknown()),
            (
                "rules",
                Value::List(vec![
                    Value::object([("port", 80i64.into())]),
                    Value::object([("port", 0i64.into())]),
                ]),
            ),
        ]);
        let mut d = Diagnostics::new();
        validate_block(&b, &cfg, &mut AttributePath::root(), &mut d);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "rules[1].port");
    }
}
