//! Typed access to values through serde.
//!
//! [`from_value`] decodes a [`Value`] into any `Deserialize` type; errors carry
//! the attribute path (`rules[1].port: ...`). Null and unknown decode into
//! `Option::None` (so a planned state with "known after apply" attributes
//! decodes into `Option` fields); an unknown value for a non-`Option` field is
//! an error. A field of type [`Value`] passes anything through untouched, so
//! use it where null and unknown must be told apart.
//!
//! [`to_value`] encodes any `Serialize` type into a loose [`Value`]; pass it
//! through [`Value::conform`] (or let the framework do it) to shape it to a
//! schema.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tfplugin::{from_value, to_value, Type, Value};
//!
//! #[derive(Deserialize, Serialize)]
//! struct Config { name: String, size: Option<i64> }
//!
//! let v = Value::object([("name", "a".into()), ("size", Value::Null)]);
//! let c: Config = from_value(&v).unwrap();
//! assert_eq!(c.size, None);
//! let ty = Type::object([("name", Type::String), ("size", Type::Number)]);
//! assert_eq!(to_value(&c).unwrap().conform(&ty).unwrap(), v);
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize};

use crate::diag::{AttributePath, PathStep};
use crate::value::{Number, Value, ValueError};

/// Name of the newtype through which `Value` passes itself unchanged.
const PASSTHROUGH: &str = "$tfplugin::Value";

thread_local! {
    pub(crate) static STASH: RefCell<Option<Value>> = const { RefCell::new(None) };
}

/// Decodes `v` into `T`.
pub fn from_value<T: de::DeserializeOwned>(v: &Value) -> Result<T, ValueError> {
    T::deserialize(Deser {
        v,
        path: AttributePath::root(),
    })
    .map_err(|e| e.0)
}

/// Encodes `t` as a loose [`Value`] (sequences become lists, maps and structs
/// become objects; `None` becomes null).
pub fn to_value<T: Serialize + ?Sized>(t: &T) -> Result<Value, ValueError> {
    t.serialize(Ser).map_err(|e| e.0)
}

/// Error type for the serde bridge.
#[derive(Debug)]
pub struct Error(ValueError);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for Error {}
impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(ValueError::new(&AttributePath::root(), msg.to_string()))
    }
}
impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(ValueError::new(&AttributePath::root(), msg.to_string()))
    }
}

/// Errors from nested deserializers that do not know their path (serde's
/// own "custom" errors) get the path of the value being decoded.
fn at(path: &AttributePath, e: Error) -> Error {
    if e.0.path.is_root() {
        Error(ValueError::new(path, e.0.message))
    } else {
        e
    }
}

struct Deser<'a> {
    v: &'a Value,
    path: AttributePath,
}

impl Deser<'_> {
    fn err(&self, m: impl Into<String>) -> Error {
        Error(ValueError::new(&self.path, m))
    }
    fn unexpected(&self, expected: &str) -> Error {
        match self.v {
            Value::Null => self.err(format!("a value is required ({expected})")),
            Value::Unknown(_) => self.err("the value is not known yet"),
            v => self.err(format!(
                "{expected} is required, got {}",
                v.infer_type().friendly_name()
            )),
        }
    }
    fn child<'b>(&self, v: &'b Value, step: PathStep) -> Deser<'b> {
        let mut path = self.path.clone();
        path.push(step);
        Deser { v, path }
    }
}

macro_rules! deser_int {
    ($name:ident, $visit:ident, $t:ty) => {
        fn $name<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let n = self
                .v
                .as_number()
                .and_then(|n| {
                    n.as_i64()
                        .and_then(|i| <$t>::try_from(i).ok())
                        .or_else(|| n.as_u64().and_then(|u| <$t>::try_from(u).ok()))
                })
                .ok_or_else(|| match self.v {
                    Value::Number(n) => self.err(format!(
                        "{n} is not a whole number in the range of {}",
                        stringify!($t)
                    )),
                    _ => self.unexpected("a number"),
                })?;
            visitor.$visit(n).map_err(|e| at(&self.path, e))
        }
    };
}

impl<'de> de::Deserializer<'de> for Deser<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.v {
            Value::Null => visitor.visit_unit(),
            Value::Unknown(_) => return Err(self.unexpected("a known value")),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(n.as_f64())
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::List(_) | Value::Set(_) | Value::Tuple(_) => {
                return self.deserialize_seq(visitor)
            }
            Value::Map(_) | Value::Object(_) => return self.deserialize_map(visitor),
        };
        r.map_err(|e| at(&self.path, e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::Bool(b) => visitor.visit_bool(*b).map_err(|e| at(&self.path, e)),
            _ => Err(self.unexpected("a bool")),
        }
    }

    deser_int!(deserialize_i8, visit_i8, i8);
    deser_int!(deserialize_i16, visit_i16, i16);
    deser_int!(deserialize_i32, visit_i32, i32);
    deser_int!(deserialize_i64, visit_i64, i64);
    deser_int!(deserialize_u8, visit_u8, u8);
    deser_int!(deserialize_u16, visit_u16, u16);
    deser_int!(deserialize_u32, visit_u32, u32);
    deser_int!(deserialize_u64, visit_u64, u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::Number(n) => visitor.visit_f64(n.as_f64()).map_err(|e| at(&self.path, e)),
            _ => Err(self.unexpected("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::String(s) => visitor.visit_str(s).map_err(|e| at(&self.path, e)),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::String(s) => visitor
                .visit_bytes(s.as_bytes())
                .map_err(|e| at(&self.path, e)),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::Null => visitor.visit_none(),
            // Unit, which `Option` also reads as `None`; a `Maybe` takes the
            // unknown value (with its refinements) from the stash instead.
            Value::Unknown(_) => {
                STASH.with(|s| *s.borrow_mut() = Some(self.v.clone()));
                let r = visitor.visit_unit();
                STASH.with(|s| s.borrow_mut().take());
                r.map_err(|e| at(&self.path, e))
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == PASSTHROUGH {
            STASH.with(|s| *s.borrow_mut() = Some(self.v.clone()));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                let r = visitor.visit_seq(Seq {
                    parent: &self,
                    items: items.iter().enumerate(),
                });
                r.map_err(|e| at(&self.path, e))
            }
            _ => Err(self.unexpected("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.v {
            Value::Map(m) | Value::Object(m) => {
                let object = matches!(self.v, Value::Object(_));
                let r = visitor.visit_map(Map {
                    parent: &self,
                    entries: m.iter(),
                    pending: None,
                    object,
                });
                r.map_err(|e| at(&self.path, e))
            }
            _ => Err(self.unexpected("an object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.v {
            Value::String(s) => visitor
                .visit_enum(s.as_str().into_deserializer())
                .map_err(|e: Error| at(&self.path, e)),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct Seq<'p, 'a, I> {
    parent: &'p Deser<'a>,
    items: I,
}

impl<'de, 'p, 'a, I> SeqAccess<'de> for Seq<'p, 'a, I>
where
    I: Iterator<Item = (usize, &'a Value)>,
{
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some((i, v)) => {
                let child = self.parent.child(v, PathStep::Index(i as i64));
                let path = child.path.clone();
                seed.deserialize(child).map(Some).map_err(|e| at(&path, e))
            }
            None => Ok(None),
        }
    }
}

struct Map<'p, 'a, I> {
    parent: &'p Deser<'a>,
    entries: I,
    pending: Option<(&'a String, &'a Value)>,
    object: bool,
}

impl<'de, 'p, 'a, I> MapAccess<'de> for Map<'p, 'a, I>
where
    I: Iterator<Item = (&'a String, &'a Value)>,
{
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((k, v)) => {
                self.pending = Some((k, v));
                seed.deserialize(k.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((k, v)) = self.pending.take() else {
            return Err(self.parent.err("value requested before key"));
        };
        let step = if self.object {
            PathStep::Attribute(k.clone())
        } else {
            PathStep::Key(k.clone())
        };
        let child = self.parent.child(v, step);
        let path = child.path.clone();
        // A type's own refusal (serde's "custom" error) is about this value.
        seed.deserialize(child).map_err(|e| at(&path, e))
    }
}

// ---------------------------------------------------------------------------
// Value's own serde impls
// ---------------------------------------------------------------------------

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_newtype_struct(PASSTHROUGH, ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if let Some(v) = STASH.with(|s| s.borrow_mut().take()) {
            return Ok(v);
        }
        d.deserialize_any(ValueVisitor)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = a.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = a.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        STASH.with(|st| *st.borrow_mut() = Some(self.clone()));
        let r = s.serialize_newtype_struct(PASSTHROUGH, &Loose(self));
        STASH.with(|st| st.borrow_mut().take());
        r
    }
}

/// How a value serializes into formats other than ours (unknown → null).
struct Loose<'a>(&'a Value);

impl Serialize for Loose<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Null | Value::Unknown(_) => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => s.serialize_i64(i),
                (_, Some(u)) => s.serialize_u64(u),
                _ => s.serialize_f64(n.as_f64()),
            },
            Value::String(x) => s.serialize_str(x),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                let mut q = s.serialize_seq(Some(v.len()))?;
                for x in v {
                    q.serialize_element(&Loose(x))?;
                }
                q.end()
            }
            Value::Map(m) | Value::Object(m) => {
                let mut q = s.serialize_map(Some(m.len()))?;
                for (k, x) in m {
                    q.serialize_entry(k, &Loose(x))?;
                }
                q.end()
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Serializer into Value
// ---------------------------------------------------------------------------

struct Ser;

fn ser_err(m: impl Into<String>) -> Error {
    Error(ValueError::new(&AttributePath::root(), m))
}

impl ser::Serializer for Ser {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqSer;
    type SerializeTuple = SeqSer;
    type SerializeTupleStruct = SeqSer;
    type SerializeTupleVariant = ser::Impossible<Value, Error>;
    type SerializeMap = MapSer;
    type SerializeStruct = MapSer;
    type SerializeStructVariant = ser::Impossible<Value, Error>;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        Ok(Value::Number(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        Ok(Value::Number(v.into()))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        Ok(Value::Number(i64::from(v).into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        Ok(Value::Number(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(Value::Number(v.into()))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        Ok(Value::Number(f64::from(v).into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        if v.is_finite() {
            Ok(Value::Number(v.into()))
        } else {
            Err(ser_err("NaN and infinite numbers cannot be stored"))
        }
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        String::from_utf8(v.to_vec())
            .map(Value::String)
            .map_err(|_| ser_err("bytes must be UTF-8 to be stored as a string"))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, Error> {
        Ok(Value::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value, Error> {
        if name == PASSTHROUGH {
            if let Some(v) = STASH.with(|s| s.borrow_mut().take()) {
                return Ok(v);
            }
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, Error> {
        Ok(Value::object([(variant, v.serialize(Ser)?)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer, Error> {
        Ok(SeqSer(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqSer, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser_err("tuple enum variants cannot be stored"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapSer, Error> {
        Ok(MapSer(BTreeMap::new(), None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapSer, Error> {
        Ok(MapSer(BTreeMap::new(), None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser_err("struct enum variants cannot be stored"))
    }
}

struct SeqSer(Vec<Value>);

impl ser::SerializeSeq for SeqSer {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.0.push(v.serialize(Ser)?);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::List(self.0))
    }
}
impl ser::SerializeTuple for SeqSer {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Tuple(self.0))
    }
}
impl ser::SerializeTupleStruct for SeqSer {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Tuple(self.0))
    }
}

struct MapSer(BTreeMap<String, Value>, Option<String>);

impl ser::SerializeMap for MapSer {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        match k.serialize(Ser)? {
            Value::String(s) => {
                self.1 = Some(s);
                Ok(())
            }
            Value::Number(n) => {
                self.1 = Some(n.to_decimal_string());
                Ok(())
            }
            _ => Err(ser_err("map keys must be strings")),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let k = self
            .1
            .take()
            .ok_or_else(|| ser_err("map value without key"))?;
        let v = v.serialize(Ser).map_err(|e| {
            let mut p = AttributePath::attr(k.clone());
            for s in e.0.path.steps() {
                p.push(s.clone());
            }
            Error(ValueError::new(&p, e.0.message))
        })?;
        self.0.insert(k, v);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.0))
    }
}
impl ser::SerializeStruct for MapSer {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        ser::SerializeMap::serialize_entry(self, k, v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.0))
    }
}

impl Number {
    /// Decodes into any numeric type through serde (convenience).
    pub fn to<T: de::DeserializeOwned>(&self) -> Result<T, ValueError> {
        from_value(&Value::Number(self.clone()))
    }
}

/// A number exactly as Terraform sent it (a model field that must see a
/// fraction or a huge value to refuse it in its own words).
impl<'de> de::Deserialize<'de> for Number {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => Ok(n),
            v => Err(de::Error::custom(format!(
                "a number is required, got {}",
                v.infer_type().friendly_name()
            ))),
        }
    }
}

impl Serialize for Number {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Value::Number(self.clone()).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Rule {
        port: u16,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Config {
        name: String,
        rules: Vec<Rule>,
        tags: BTreeMap<String, String>,
        extra: Value,
        mode: Mode,
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
        Slow,
    }

    fn sample() -> Value {
        Value::object([
            ("name", "a".into()),
            (
                "rules",
                Value::List(vec![
                    Value::object([("port", 80i64.into()), ("note", Value::Null)]),
                    Value::object([("port", 70000i64.into()), ("note", "x".into())]),
                ]),
            ),
            ("tags", Value::Map([("k".to_string(), "v".into())].into())),
            ("extra", Value::unknown()),
            ("mode", "slow".into()),
        ])
    }

    #[test]
    fn errors_carry_paths() {
        let e = from_value::<Config>(&sample()).unwrap_err();
        assert_eq!(e.path.to_string(), "rules[1].port");
        assert!(e.message.contains("70000"), "{e}");
        let mut v = sample();
        v.set_attr("name", Value::unknown());
        let e = from_value::<Config>(&v).unwrap_err();
        assert_eq!(e.path.to_string(), "name");
        assert!(e.message.contains("not known"));
        v.set_attr("name", Value::Null);
        assert!(from_value::<Config>(&v)
            .unwrap_err()
            .message
            .contains("required"));
    }

    #[test]
    fn round_trip_with_passthrough_value() {
        let mut v = sample();
        v.attr_mut("rules")
            .and_then(|r| match r {
                Value::List(items) => items.get_mut(1),
                _ => None,
            })
            .unwrap()
            .set_attr("port", 443i64.into());
        let c: Config = from_value(&v).unwrap();
        assert!(c.extra.is_unknown());
        assert_eq!(c.mode, Mode::Slow);
        assert_eq!(c.rules[1].port, 443);
        let back = to_value(&c).unwrap();
        assert!(back.attr("extra").is_unknown());
        assert_eq!(
            back.attr("tags"),
            &Value::Object([("k".to_string(), "v".into())].into())
        );
    }

    #[test]
    fn numbers_pass_exactly_and_refusals_name_their_attribute() {
        #[derive(Debug, Deserialize, Serialize)]
        struct Limits {
            days: Option<Number>,
            ports: Vec<Port>,
        }
        #[derive(Debug, Deserialize, Serialize)]
        struct Port {
            number: Number,
        }
        let exact = Number::parse("1.5").unwrap();
        let v = Value::object([
            ("days", Value::Number(exact.clone())),
            (
                "ports",
                Value::List(vec![Value::object([("number", 443i64.into())])]),
            ),
        ]);
        let limits: Limits = from_value(&v).unwrap();
        assert_eq!(limits.days, Some(exact));
        assert_eq!(to_value(&limits).unwrap(), v);
        let bad = Value::object([
            ("days", Value::Null),
            (
                "ports",
                Value::List(vec![Value::object([("number", "x".into())])]),
            ),
        ]);
        let e = from_value::<Limits>(&bad).unwrap_err();
        assert_eq!(e.path.to_string(), "ports[0].number");
        assert!(e.message.contains("a number is required"), "{e}");
    }

    #[test]
    fn value_serializes_into_json() {
        let v = Value::object([("a", Value::List(vec![1i64.into(), Value::unknown()]))]);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"a":[1,null]}"#);
        let back: Value = serde_json::from_str(r#"{"a":[1,"x"]}"#).unwrap();
        assert_eq!(back.attr("a").as_elements().unwrap().len(), 2);
    }
}
