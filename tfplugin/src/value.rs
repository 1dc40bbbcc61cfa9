//! The dynamic value model: Terraform's (cty's) types and values.
//!
//! [`Type`] mirrors cty's type system and its JSON encoding
//! (`"string"`, `["list","string"]`, `["object",{"a":"number"}]`, ...).
//! [`Value`] is a dynamically typed value that can also be null or unknown.
//! Values are shaped by a [`Type`]: [`Value::conform`] checks a value against a
//! type and converts the loose forms produced by hand or by serde (e.g. a list
//! for a set, a map for an object) into the exact shape, adding nulls for
//! object attributes that are absent.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::diag::{AttributePath, PathStep};
use crate::json::Json;

/// An error about a value, with the path of the offending element.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ValueError {
    /// Where in the value.
    pub path: AttributePath,
    /// What is wrong.
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(path: &AttributePath, message: impl Into<String>) -> Self {
        Self {
            path: path.clone(),
            message: message.into(),
        }
    }

    /// `v` is not of type `ty`.
    pub(crate) fn mismatch(path: &AttributePath, ty: &Type, v: &Value) -> Self {
        Self::new(
            path,
            format!(
                "{} required, got {}",
                ty.friendly_name(),
                v.infer_type().friendly_name()
            ),
        )
    }
}

// ---------------------------------------------------------------------------
// Number
// ---------------------------------------------------------------------------

/// An exact number: 64-bit integers and floats are stored as such, anything
/// else as a normalised decimal string, so values larger than `i64` or with
/// more precision than `f64` survive a round trip unchanged.
///
/// Equality is numeric: `Number::from(3) == Number::from(3.0)`.
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    Int(i64),
    Float(f64),
    /// Normalised decimal text: optional '-', no leading zeros in the integer
    /// part, no trailing zeros in the fraction, no exponent.
    Decimal(String),
}

/// Largest decimal exponent accepted when parsing (`1e4096`).
const MAX_EXPONENT: i64 = 4096;

impl Number {
    /// Parses decimal text such as `-12.5`, `1e30` or
    /// `12345678901234567890123` exactly.
    pub fn parse(text: &str) -> Result<Number, ValueError> {
        let bad = || ValueError::new(&AttributePath::root(), format!("{text:?} is not a number"));
        let (neg, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mant, exp) = match rest.find(['e', 'E']) {
            Some(p) => {
                let e: i64 = rest[p + 1..].parse().map_err(|_| bad())?;
                if e.abs() > MAX_EXPONENT {
                    return Err(bad());
                }
                (&rest[..p], e)
            }
            None => (rest, 0),
        };
        let (ip, fp) = match mant.find('.') {
            Some(p) => (&mant[..p], &mant[p + 1..]),
            None => (mant, ""),
        };
        if ip.is_empty() && fp.is_empty()
            || !ip.bytes().all(|b| b.is_ascii_digit())
            || !fp.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let digits: String = format!("{ip}{fp}");
        // Position of the decimal point within `digits`.
        let point = ip.len() as i64 + exp;
        let digits = digits.trim_start_matches('0');
        let lead_zeros_removed = (ip.len() + fp.len()) as i64 - digits.len() as i64;
        let point = point - lead_zeros_removed;
        let digits = digits.trim_end_matches('0');
        if digits.is_empty() {
            return Ok(Number(Repr::Int(0)));
        }
        let n = digits.len() as i64;
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        if point <= 0 {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', (-point) as usize));
            s.push_str(digits);
        } else if point >= n {
            s.push_str(digits);
            s.extend(std::iter::repeat_n('0', (point - n) as usize));
        } else {
            s.push_str(&digits[..point as usize]);
            s.push('.');
            s.push_str(&digits[point as usize..]);
        }
        Ok(match s.parse::<i64>() {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => Number(Repr::Decimal(s)),
        })
    }

    /// The value as `i64` if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int(i) => Some(*i),
            Repr::Float(f) => {
                if f.fract() == 0.0 && *f >= -(2f64.powi(63)) && *f < 2f64.powi(63) {
                    Some(*f as i64)
                } else {
                    None
                }
            }
            Repr::Decimal(_) => None,
        }
    }

    /// The value as `u64` if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Decimal(s) => s.parse().ok(),
            _ => self.as_i64().and_then(|i| u64::try_from(i).ok()),
        }
    }

    /// The nearest `f64` (may lose precision for big decimals).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(i) => *i as f64,
            Repr::Float(f) => *f,
            Repr::Decimal(s) => s.parse().unwrap_or(f64::NAN),
        }
    }

    /// Whether the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int(_) => true,
            Repr::Float(f) => f.fract() == 0.0,
            Repr::Decimal(s) => !s.contains('.'),
        }
    }

    /// Exact decimal text without exponent.
    pub fn to_decimal_string(&self) -> String {
        match &self.0 {
            Repr::Int(i) => i.to_string(),
            Repr::Float(f) if f.is_finite() => {
                // Integral floats digit for digit (`{f}` would print the
                // shortest text that reads back as the same f64, which for
                // 85826812512305152 is 85826812512305150: another number).
                let s = if f.fract() == 0.0 {
                    format!("{f:.0}")
                } else {
                    format!("{f}")
                };
                if s == "-0" {
                    "0".into()
                } else {
                    s
                }
            }
            Repr::Float(f) if *f > 0.0 => "Infinity".into(),
            Repr::Float(_) => "-Infinity".into(),
            Repr::Decimal(s) => s.clone(),
        }
    }

    pub(crate) fn encode_msgpack(&self, out: &mut Vec<u8>) {
        // Same choice as cty: exact int64, else exact float64, else text.
        match &self.0 {
            Repr::Int(i) => {
                let _ = rmp::encode::write_sint(out, *i);
            }
            Repr::Float(f) => match self.as_i64() {
                Some(i) => {
                    let _ = rmp::encode::write_sint(out, i);
                }
                None => {
                    let _ = rmp::encode::write_f64(out, *f);
                }
            },
            Repr::Decimal(s) => {
                if let Some(u) = self.as_u64() {
                    let _ = rmp::encode::write_uint(out, u);
                } else {
                    let _ = rmp::encode::write_str(out, s);
                }
            }
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Int(a), Repr::Int(b)) => a == b,
            (Repr::Float(a), Repr::Float(b)) => a == b,
            _ => self.to_decimal_string() == other.to_decimal_string(),
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number(Repr::Int(v))
    }
}
impl From<i32> for Number {
    fn from(v: i32) -> Self {
        Number(Repr::Int(v.into()))
    }
}
impl From<u32> for Number {
    fn from(v: u32) -> Self {
        Number(Repr::Int(v.into()))
    }
}
impl From<u64> for Number {
    fn from(v: u64) -> Self {
        match i64::try_from(v) {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => Number(Repr::Decimal(v.to_string())),
        }
    }
}
impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number(Repr::Float(v))
    }
}

// ---------------------------------------------------------------------------
// Type
// ---------------------------------------------------------------------------

/// A Terraform type (cty type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `bool`
    Bool,
    /// `number`
    Number,
    /// `string`
    String,
    /// `dynamic`: any type, decided by the value (sent with its type).
    Dynamic,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `object({...})`; `optional` names attributes that may be omitted in a
    /// type constraint (only meaningful for function parameters).
    Object {
        /// Attribute types.
        attributes: BTreeMap<String, Type>,
        /// Optional attributes (type constraints only).
        optional: BTreeSet<String>,
    },
    /// `tuple([...])`
    Tuple(Vec<Type>),
}

impl Type {
    /// `list(elem)`
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }
    /// `set(elem)`
    pub fn set(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }
    /// `map(elem)`
    pub fn map(elem: Type) -> Type {
        Type::Map(Box::new(elem))
    }
    /// `object({name = type, ...})`
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object {
            attributes: attrs.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// The JSON encoding Terraform expects in schemas, e.g. `["list","string"]`.
    pub fn to_json(&self) -> String {
        self.to_json_value().to_text()
    }

    fn to_json_value(&self) -> Json {
        let s = |x: &str| Json::String(x.to_string());
        match self {
            Type::Bool => s("bool"),
            Type::Number => s("number"),
            Type::String => s("string"),
            Type::Dynamic => s("dynamic"),
            Type::List(e) => Json::Array(vec![s("list"), e.to_json_value()]),
            Type::Set(e) => Json::Array(vec![s("set"), e.to_json_value()]),
            Type::Map(e) => Json::Array(vec![s("map"), e.to_json_value()]),
            Type::Object {
                attributes,
                optional,
            } => {
                let attrs = Json::Object(
                    attributes
                        .iter()
                        .map(|(k, t)| (k.clone(), t.to_json_value()))
                        .collect(),
                );
                let mut v = vec![s("object"), attrs];
                if !optional.is_empty() {
                    v.push(Json::Array(optional.iter().map(|o| s(o)).collect()));
                }
                Json::Array(v)
            }
            Type::Tuple(es) => Json::Array(vec![
                s("tuple"),
                Json::Array(es.iter().map(Type::to_json_value).collect()),
            ]),
        }
    }

    /// Parses the JSON type encoding.
    pub fn from_json(text: &[u8]) -> Result<Type, ValueError> {
        let root = AttributePath::root();
        let text =
            std::str::from_utf8(text).map_err(|_| ValueError::new(&root, "type is not UTF-8"))?;
        let j = Json::parse(text).map_err(|e| ValueError::new(&root, e.to_string()))?;
        Self::from_json_value(&j)
            .ok_or_else(|| ValueError::new(&root, format!("invalid type {text}")))
    }

    fn from_json_value(j: &Json) -> Option<Type> {
        match j {
            Json::String(s) => match s.as_str() {
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                "dynamic" => Some(Type::Dynamic),
                _ => None,
            },
            Json::Array(a) => {
                let kind = match a.first()? {
                    Json::String(k) => k.as_str(),
                    _ => return None,
                };
                match (kind, a.get(1)?) {
                    ("list", e) => Some(Type::list(Self::from_json_value(e)?)),
                    ("set", e) => Some(Type::set(Self::from_json_value(e)?)),
                    ("map", e) => Some(Type::map(Self::from_json_value(e)?)),
                    ("object", Json::Object(attrs)) => {
                        let mut attributes = BTreeMap::new();
                        for (k, v) in attrs {
                            attributes.insert(k.clone(), Self::from_json_value(v)?);
                        }
                        let mut optional = BTreeSet::new();
                        if let Some(Json::Array(o)) = a.get(2) {
                            for n in o {
                                if let Json::String(n) = n {
                                    optional.insert(n.clone());
                                }
                            }
                        }
                        Some(Type::Object {
                            attributes,
                            optional,
                        })
                    }
                    ("tuple", Json::Array(es)) => Some(Type::Tuple(
                        es.iter()
                            .map(Self::from_json_value)
                            .collect::<Option<_>>()?,
                    )),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A short human-readable name such as `list of string`.
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::Dynamic => "any value".into(),
            Type::List(e) => format!("list of {}", e.friendly_name()),
            Type::Set(e) => format!("set of {}", e.friendly_name()),
            Type::Map(e) => format!("map of {}", e.friendly_name()),
            Type::Object { .. } => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Value
// ---------------------------------------------------------------------------

/// What Terraform knows about an unknown value ("refinements"), kept so that
/// values can be passed back unchanged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unknown {
    /// The value is known not to be null.
    pub not_null: bool,
    /// A known prefix of an unknown string.
    pub string_prefix: Option<String>,
    /// The raw refinement payload (msgpack) as Terraform sent it, if any.
    pub(crate) raw: Option<Vec<u8>>,
}

/// A dynamically typed Terraform value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Null (absent).
    #[default]
    Null,
    /// Not known until apply.
    Unknown(Unknown),
    /// A bool.
    Bool(bool),
    /// A number, exact.
    Number(Number),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// A set (element order carries no meaning).
    Set(Vec<Value>),
    /// A tuple.
    Tuple(Vec<Value>),
    /// A map.
    Map(BTreeMap<String, Value>),
    /// An object.
    Object(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Unknown(a), Unknown(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => a == b,
            (Map(a), Map(b)) | (Object(a), Object(b)) => a == b,
            (Set(a), Set(b)) => {
                a.len() == b.len()
                    && a.iter().all(|x| b.contains(x))
                    && b.iter().all(|x| a.contains(x))
            }
            _ => false,
        }
    }
}

impl Value {
    /// A plain unknown value.
    pub fn unknown() -> Value {
        Value::Unknown(Unknown::default())
    }

    /// Builds an object from `(name, value)` pairs.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the value itself is unknown (not looking inside).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// Whether the value and everything inside it is known.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.iter().all(Value::is_fully_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_fully_known),
            _ => true,
        }
    }

    /// The attribute `name` of an object (null if absent or not an object).
    pub fn attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) | Value::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Mutable access to attribute `name` of an object.
    pub fn attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) | Value::Map(m) => m.get_mut(name),
            _ => None,
        }
    }

    /// Sets attribute `name` of an object (no-op on other values).
    pub fn set_attr(&mut self, name: &str, v: Value) {
        if let Value::Object(m) | Value::Map(m) = self {
            m.insert(name.to_string(), v);
        }
    }

    /// The value at `path`, if it exists.
    pub fn at(&self, path: &AttributePath) -> Option<&Value> {
        let mut cur = self;
        for step in path.steps() {
            cur = match (step, cur) {
                (PathStep::Attribute(n), Value::Object(m)) => m.get(n)?,
                (PathStep::Key(k), Value::Map(m)) => m.get(k)?,
                (PathStep::Index(i), Value::List(v) | Value::Tuple(v)) => {
                    v.get(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as `i64`, if this is a known integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// Elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The most specific type of a known value (used to send dynamic values).
    /// Nulls and unknowns are `dynamic`; an empty collection has element
    /// type `dynamic`.
    pub fn infer_type(&self) -> Type {
        fn elem(v: &[Value]) -> Type {
            v.iter()
                .map(Value::infer_type)
                .find(|t| *t != Type::Dynamic)
                .unwrap_or(Type::Dynamic)
        }
        match self {
            Value::Null | Value::Unknown(_) => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(v) => Type::list(elem(v)),
            Value::Set(v) => Type::set(elem(v)),
            Value::Tuple(v) => Type::Tuple(v.iter().map(Value::infer_type).collect()),
            Value::Map(m) => Type::map(elem(&m.values().cloned().collect::<Vec<_>>())),
            Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), v.infer_type()))),
        }
    }

    /// Checks this value against `ty` and converts it to exactly that shape:
    /// lists become sets or tuples, maps become objects (and back) as the
    /// type says, object attributes missing from the value become null, and
    /// attributes the type does not have are an error.
    pub fn conform(self, ty: &Type) -> Result<Value, ValueError> {
        let mut path = AttributePath::root();
        conform_at(self, ty, &mut path)
    }
}

fn conform_at(v: Value, ty: &Type, path: &mut AttributePath) -> Result<Value, ValueError> {
    let elems = |vs: Vec<Value>, e: &Type, path: &mut AttributePath| {
        vs.into_iter()
            .enumerate()
            .map(|(i, x)| path.within(PathStep::index(i), |path| conform_at(x, e, path)))
            .collect::<Result<Vec<_>, _>>()
    };
    match (v, ty) {
        (v @ (Value::Null | Value::Unknown(_)), _) => Ok(v),
        (v, Type::Dynamic) => Ok(v),
        (v @ Value::Bool(_), Type::Bool) => Ok(v),
        (v @ Value::Number(_), Type::Number) => Ok(v),
        (v @ Value::String(_), Type::String) => Ok(v),
        // The same safe conversions Terraform makes for primitives.
        (Value::Number(n), Type::String) => Ok(Value::String(n.to_decimal_string())),
        (Value::Bool(b), Type::String) => Ok(Value::String(b.to_string())),
        (Value::String(s), Type::Number) => Number::parse(&s)
            .map(Value::Number)
            .map_err(|_| ValueError::new(path, format!("a number is required, got {s:?}"))),
        (Value::String(s), Type::Bool) if s == "true" || s == "false" => {
            Ok(Value::Bool(s == "true"))
        }
        (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::List(e)) => {
            Ok(Value::List(elems(vs, e, path)?))
        }
        (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::Set(e)) => {
            let mut out: Vec<Value> = Vec::with_capacity(vs.len());
            for x in elems(vs, e, path)? {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            Ok(Value::Set(out))
        }
        (Value::List(vs) | Value::Tuple(vs), Type::Tuple(ts)) => {
            if vs.len() != ts.len() {
                return Err(ValueError::new(
                    path,
                    format!("tuple of {} elements required, got {}", ts.len(), vs.len()),
                ));
            }
            let mut out = Vec::with_capacity(vs.len());
            for (i, (x, t)) in vs.into_iter().zip(ts).enumerate() {
                out.push(path.within(PathStep::index(i), |path| conform_at(x, t, path))?);
            }
            Ok(Value::Tuple(out))
        }
        (Value::Map(m) | Value::Object(m), Type::Map(e)) => {
            let mut out = BTreeMap::new();
            for (k, x) in m {
                let x = path.within(PathStep::Key(k.clone()), |path| conform_at(x, e, path))?;
                out.insert(k, x);
            }
            Ok(Value::Map(out))
        }
        (Value::Map(mut m) | Value::Object(mut m), Type::Object { attributes, .. }) => {
            if let Some(extra) = m.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(ValueError::new(
                    path,
                    format!("unexpected attribute {extra:?}: it is not in the schema"),
                ));
            }
            let mut out = BTreeMap::new();
            for (name, t) in attributes {
                let x = m.remove(name).unwrap_or(Value::Null);
                let x = path.within(PathStep::Attribute(name.clone()), |path| {
                    conform_at(x, t, path)
                })?;
                out.insert(name.clone(), x);
            }
            Ok(Value::Object(out))
        }
        (v, _) => Err(ValueError::mismatch(path, ty, &v)),
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Number(v.into())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Number(v.into())
    }
}
impl From<Number> for Value {
    fn from(v: Number) -> Self {
        Value::Number(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_normalisation() {
        let n = |s: &str| Number::parse(s).unwrap().to_decimal_string();
        assert_eq!(n("0012.3400"), "12.34");
        assert_eq!(n("-1.5e3"), "-1500");
        assert_eq!(n("1e-3"), "0.001");
        assert_eq!(n("0.000"), "0");
        assert_eq!(n("12345678901234567890123"), "12345678901234567890123");
        assert_eq!(Number::parse("21").unwrap().as_i64(), Some(21));
        assert_eq!(Number::from(3), Number::from(3.0));
        assert_eq!(Number::from(0.1), Number::parse("0.1").unwrap());
        assert!(Number::parse("1e99999").is_err());
        assert!(Number::parse("abc").is_err());
        assert!(Number::parse(".").is_err());
    }

    #[test]
    fn type_json_round_trip() {
        for t in [
            r#""string""#,
            r#"["list","string"]"#,
            r#"["map",["set","number"]]"#,
            r#"["object",{"a":"bool","b":["tuple",["string","dynamic"]]}]"#,
            r#"["object",{"a":"bool"},["a"]]"#,
        ] {
            assert_eq!(Type::from_json(t.as_bytes()).unwrap().to_json(), t);
        }
        assert!(Type::from_json(b"string").is_err());
        assert!(Type::from_json(br#"["list"]"#).is_err());
    }

    #[test]
    fn conform_fills_and_rejects() {
        let ty = Type::object([("a", Type::String), ("b", Type::set(Type::Number))]);
        let v = Value::object([("b", Value::List(vec![1i64.into(), 1i64.into()]))]);
        let c = v.conform(&ty).unwrap();
        assert_eq!(c.attr("a"), &Value::Null);
        assert_eq!(c.attr("b"), &Value::Set(vec![1i64.into()]));
        let bad = Value::object([("c", Value::Null)])
            .conform(&ty)
            .unwrap_err();
        assert!(bad.message.contains("\"c\""));
        let bad = Value::object([("b", Value::List(vec!["x".into()]))])
            .conform(&ty)
            .unwrap_err();
        assert_eq!(bad.path.to_string(), "b[0]");
    }

    #[test]
    fn set_equality_ignores_order() {
        let a = Value::Set(vec!["x".into(), "y".into()]);
        let b = Value::Set(vec!["y".into(), "x".into()]);
        assert_eq!(a, b);
    }
}
