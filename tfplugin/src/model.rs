//! Typed models: the attributes of a resource or data source as one struct.
//!
//! A model is a struct deriving serde's `Serialize` and `Deserialize` whose
//! fields are the schema's attributes, by the same names (no
//! `#[serde(rename)]`). Decode a request's value into it with
//! [`from_value`](crate::from_value), read and change the fields, and encode
//! it back with [`to_value`](crate::to_value); the framework shapes what a
//! callback returns to the schema. An attribute Terraform may not know yet —
//! anything in a configuration or a plan — is a [`Maybe`], which keeps null
//! and unknown apart (with the unknown's refinements), so a plan that is
//! decoded and encoded again still says "known after apply" where it did.
//!
//! Each attribute name is spelled once, as the model's field. Elsewhere the
//! field is named through [`attr_name!`](crate::attr_name) and
//! [`attr_path!`](crate::attr_path), which the compiler checks, so a typo does
//! not build; and [`check_model`], meant for a unit test beside the model,
//! checks that the model and the schema have the same attributes, of the same
//! types, nested ones included.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tfplugin::{attr_path, from_value, model::check_model, to_value, Attribute, Block};
//! use tfplugin::{Maybe, Schema, Value};
//!
//! #[derive(Deserialize, Serialize)]
//! struct Thing { name: Maybe<String>, id: Maybe<String> }
//!
//! let schema = Schema::new(
//!     Block::new()
//!         .attribute(Attribute::string("name").required())
//!         .attribute(Attribute::string("id").computed()),
//! );
//! check_model::<Thing>(&schema).unwrap();
//!
//! let planned = Value::object([("name", "a".into()), ("id", Value::unknown())]);
//! let mut thing: Thing = from_value(&planned).unwrap();
//! assert!(thing.id.is_unknown());
//! thing.id = Maybe::Known(format!("thing-{}", thing.name.as_str().unwrap_or_default()));
//! assert_eq!(to_value(&thing).unwrap().attr("id"), &Value::from("thing-a"));
//! assert_eq!(attr_path!(Thing.name).to_string(), "name");
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::diag::{AttributePath, Diagnostics, PathStep};
use crate::schema::Schema;
use crate::typed::{from_value, to_value, STASH};
use crate::value::{Number, Type, Unknown, Value};

/// An attribute's value as Terraform has it: null, not known yet, or known.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Maybe<T> {
    /// Null: not set (or set to null).
    #[default]
    Null,
    /// Known only after apply; what Terraform knows about it is kept.
    Unknown(Unknown),
    /// A known value.
    Known(T),
}

impl<T> Maybe<T> {
    /// An unknown value about which nothing is known.
    pub fn unknown() -> Self {
        Maybe::Unknown(Unknown::default())
    }

    /// The value if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Maybe::Known(v) => Some(v),
            _ => None,
        }
    }

    /// The value if known, by value.
    pub fn into_known(self) -> Option<T> {
        match self {
            Maybe::Known(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Maybe::Null)
    }

    /// Whether the value is not known yet.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Maybe::Unknown(_))
    }

    /// The known value, or an error on `path` saying it must be known here:
    /// for attributes the framework guarantees to be known (a required
    /// attribute at apply), so the error means a bug, and says so.
    pub fn required(&self, path: AttributePath) -> Result<&T, Diagnostics> {
        self.known().ok_or_else(|| {
            Diagnostics::attribute_error(
                path.clone(),
                "Missing value",
                format!("`{path}` must be known at this point. This is a provider bug."),
            )
        })
    }

    /// Maps a known value, keeping null and unknown.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Maybe<U> {
        match self {
            Maybe::Null => Maybe::Null,
            Maybe::Unknown(u) => Maybe::Unknown(u),
            Maybe::Known(v) => Maybe::Known(f(v)),
        }
    }
}

impl Maybe<String> {
    /// The string if known.
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

/// `None` is null.
impl<T> From<Option<T>> for Maybe<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Maybe::Null, Maybe::Known)
    }
}

impl<T: Serialize> Serialize for Maybe<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Maybe::Null => s.serialize_none(),
            // Into our values as the unknown it is; other formats see null.
            Maybe::Unknown(u) => Value::Unknown(u.clone()).serialize(s),
            Maybe::Known(v) => s.serialize_some(v),
        }
    }
}

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(MaybeVisitor(PhantomData))
    }
}

struct MaybeVisitor<T>(PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for MaybeVisitor<T> {
    type Value = Maybe<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, null or unknown")
    }

    fn visit_none<E>(self) -> Result<Maybe<T>, E> {
        Ok(Maybe::Null)
    }

    /// Our decoder says "unknown" with unit and stashes the unknown value.
    fn visit_unit<E>(self) -> Result<Maybe<T>, E> {
        match STASH.with(|s| s.borrow_mut().take()) {
            Some(Value::Unknown(u)) => Ok(Maybe::Unknown(u)),
            _ => Ok(Maybe::Null),
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Maybe<T>, D::Error> {
        T::deserialize(d).map(Maybe::Known)
    }
}

/// Checks that model `M` and `schema` have the same attributes, with types
/// that carry each other's values: a value with every attribute set (nested
/// ones included) must decode into `M` and encode back unchanged. The error
/// names each attribute the model lacks, each field the schema lacks, or the
/// attribute whose value the field cannot hold.
pub fn check_model<M: Serialize + DeserializeOwned>(schema: &Schema) -> Result<(), String> {
    let ty = schema.value_type();
    let sample = sample(&ty);
    let model: M = from_value(&sample).map_err(|e| {
        format!(
            "the field for `{}` cannot hold its value: {}",
            e.path, e.message
        )
    })?;
    let back = to_value(&model).map_err(|e| format!("the model does not encode: {e}"))?;
    let back = back.conform(&ty).map_err(|e| {
        format!(
            "the model has a field the schema lacks, at `{}`: {}",
            e.path, e.message
        )
    })?;
    let mut problems = Vec::new();
    differences(&sample, &back, &mut AttributePath::root(), &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// A value of `ty` with everything set: one element in each collection.
fn sample(ty: &Type) -> Value {
    match ty {
        Type::Bool => Value::Bool(true),
        Type::Number => Value::Number(Number::from(1i64)),
        Type::String | Type::Dynamic => Value::from("sample"),
        Type::List(e) => Value::List(vec![sample(e)]),
        Type::Set(e) => Value::Set(vec![sample(e)]),
        Type::Map(e) => Value::Map([("key".to_owned(), sample(e))].into()),
        Type::Tuple(ts) => Value::Tuple(ts.iter().map(sample).collect()),
        Type::Object { attributes, .. } => Value::Object(
            attributes
                .iter()
                .map(|(name, t)| (name.clone(), sample(t)))
                .collect(),
        ),
    }
}

/// Where `back` lost or changed what `sample` had.
fn differences(sample: &Value, back: &Value, path: &mut AttributePath, out: &mut Vec<String>) {
    match (sample, back) {
        (Value::Object(want), Value::Object(got)) => {
            for (name, w) in want {
                path.within(PathStep::Attribute(name.clone()), |path| {
                    differences(w, got.get(name).unwrap_or(&Value::Null), path, out)
                });
            }
        }
        (
            Value::List(want) | Value::Set(want) | Value::Tuple(want),
            Value::List(got) | Value::Set(got) | Value::Tuple(got),
        ) if want.len() == got.len() => {
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                path.within(PathStep::index(i), |path| differences(w, g, path, out));
            }
        }
        (Value::Map(want), Value::Map(got)) => {
            for (key, w) in want {
                path.within(PathStep::Key(key.clone()), |path| {
                    differences(w, got.get(key).unwrap_or(&Value::Null), path, out)
                });
            }
        }
        (w, Value::Null) if !w.is_null() => {
            out.push(format!("the model has no field for attribute `{path}`"));
        }
        (w, g) if w != g => out.push(format!(
            "attribute `{path}` comes back from the model as {g:?} instead of {w:?}"
        )),
        _ => {}
    }
}

/// The name of attribute `field` of model `Model`, as a `&'static str`; the
/// compiler checks that the model has that field, so a misspelt name does not
/// build.
///
/// ```
/// # #[derive(serde::Deserialize)] struct Thing { name: tfplugin::Maybe<String> }
/// assert_eq!(tfplugin::attr_name!(Thing.name), "name");
/// ```
#[macro_export]
macro_rules! attr_name {
    ($model:ident . $field:ident) => {{
        let _field_of_the_model = |model: &$model| {
            let _ = &model.$field;
        };
        stringify!($field)
    }};
}

/// The [`AttributePath`] of top-level attribute `field` of model `Model`
/// (checked by the compiler, as [`attr_name!`](crate::attr_name)).
#[macro_export]
macro_rules! attr_path {
    ($model:ident . $field:ident) => {
        $crate::AttributePath::attr($crate::attr_name!($model.$field))
    };
}

/// The known value of field `field` of the model value `model`, or the
/// "must be known here" error on its path (see [`Maybe::required`]).
#[macro_export]
macro_rules! required {
    ($model:ident . $field:ident) => {
        $model
            .$field
            .required($crate::AttributePath::attr(stringify!($field)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, Block, Nesting};
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Account {
        id: Maybe<String>,
        port: Maybe<u16>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Thing {
        name: Maybe<String>,
        accounts: Maybe<Vec<Maybe<Account>>>,
        tags: Maybe<BTreeMap<String, String>>,
        enabled: Maybe<bool>,
    }

    fn schema() -> Schema {
        Schema::new(
            Block::new()
                .attribute(Attribute::string("name").required())
                .attribute(Attribute::nested(
                    "accounts",
                    Nesting::Set,
                    vec![
                        Attribute::string("id").required(),
                        Attribute::number("port").optional(),
                    ],
                ))
                .attribute(Attribute::new("tags", Type::map(Type::String)).optional())
                .attribute(Attribute::bool("enabled").computed()),
        )
    }

    #[test]
    fn null_unknown_and_known_survive_a_round_trip() {
        let refined = Unknown {
            not_null: true,
            string_prefix: Some("acc-".into()),
            raw: None,
        };
        let v = Value::object([
            ("name", Value::Null),
            (
                "accounts",
                Value::Set(vec![
                    Value::object([
                        ("id", Value::Unknown(refined.clone())),
                        ("port", Value::Null),
                    ]),
                    Value::unknown(),
                ]),
            ),
            ("tags", Value::Map([("k".to_owned(), "v".into())].into())),
            ("enabled", Value::unknown()),
        ]);
        let thing: Thing = from_value(&v).unwrap();
        assert!(thing.name.is_null());
        assert!(thing.enabled.is_unknown());
        let accounts = thing.accounts.known().unwrap();
        assert_eq!(accounts[0].known().unwrap().id, Maybe::Unknown(refined));
        assert!(accounts[1].is_unknown());
        let back = to_value(&thing)
            .unwrap()
            .conform(&schema().value_type())
            .unwrap();
        assert_eq!(back, v);
        assert!(back.attr("enabled").is_unknown() && !back.attr("name").is_unknown());
    }

    #[test]
    fn a_missing_attribute_is_null_and_errors_keep_their_path() {
        let thing: Thing = from_value(&Value::object([("enabled", true.into())])).unwrap();
        assert_eq!(thing.enabled, Maybe::Known(true));
        assert!(thing.accounts.is_null());
        let bad = Value::object([(
            "accounts",
            Value::List(vec![Value::object([
                ("id", "a".into()),
                ("port", 70000i64.into()),
            ])]),
        )]);
        let e = from_value::<Thing>(&bad).unwrap_err();
        assert_eq!(e.path.to_string(), "accounts[0].port");
    }

    #[test]
    fn option_still_reads_unknown_as_none() {
        #[derive(Deserialize)]
        struct Loose {
            a: Option<String>,
            b: Value,
        }
        let v = Value::object([("a", Value::unknown()), ("b", "x".into())]);
        let loose: Loose = from_value(&v).unwrap();
        assert_eq!(loose.a, None);
        // The unknown did not linger for the next value to pick up.
        assert_eq!(loose.b, Value::from("x"));
    }

    #[test]
    fn the_model_check_finds_each_mismatch() {
        assert_eq!(check_model::<Thing>(&schema()), Ok(()));

        #[derive(Deserialize, Serialize)]
        struct Lacks {
            name: Maybe<String>,
            accounts: Maybe<Vec<Maybe<Account>>>,
            enabled: Maybe<bool>,
        }
        let e = check_model::<Lacks>(&schema()).unwrap_err();
        assert!(e.contains("no field for attribute `tags`"), "{e}");

        #[derive(Deserialize, Serialize)]
        struct Extra {
            name: Maybe<String>,
            accounts: Maybe<Vec<Maybe<Account>>>,
            tags: Maybe<BTreeMap<String, String>>,
            enabled: Maybe<bool>,
            colour: Maybe<String>,
        }
        let e = check_model::<Extra>(&schema()).unwrap_err();
        assert!(e.contains("colour"), "{e}");

        #[derive(Deserialize, Serialize)]
        struct ShortAccount {
            id: Maybe<String>,
        }
        #[derive(Deserialize, Serialize)]
        struct NestedLacks {
            name: Maybe<String>,
            accounts: Maybe<Vec<ShortAccount>>,
            tags: Maybe<BTreeMap<String, String>>,
            enabled: Maybe<bool>,
        }
        let e = check_model::<NestedLacks>(&schema()).unwrap_err();
        assert!(e.contains("`accounts[0].port`"), "{e}");

        #[derive(Deserialize, Serialize)]
        struct WrongType {
            name: Maybe<i64>,
            accounts: Maybe<Vec<Maybe<Account>>>,
            tags: Maybe<BTreeMap<String, String>>,
            enabled: Maybe<bool>,
        }
        let e = check_model::<WrongType>(&schema()).unwrap_err();
        assert!(e.contains("`name` cannot hold"), "{e}");
    }

    #[test]
    fn names_and_paths_come_from_the_fields() {
        assert_eq!(attr_name!(Thing.accounts), "accounts");
        assert_eq!(attr_path!(Account.port).to_string(), "port");
        let thing = Thing {
            name: Maybe::Known("a".into()),
            accounts: Maybe::Null,
            tags: Maybe::unknown(),
            enabled: Maybe::Null,
        };
        assert_eq!(required!(thing.name).map(String::as_str).ok(), Some("a"));
        let e = required!(thing.tags).unwrap_err();
        let d = e.iter().next().unwrap();
        assert_eq!(d.path.as_ref().unwrap().to_string(), "tags");
    }
}
