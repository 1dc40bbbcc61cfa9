//! Encoding of [`Value`]s as Terraform sends them: msgpack (the normal
//! `DynamicValue` form) and JSON (the `DynamicValue.json` form and raw state).
//!
//! Both directions are type-directed, as in cty: the type tells lists from
//! sets, objects from maps, and when a `dynamic` value is wrapped as
//! `[type_json, value]`.
//!
//! msgpack details:
//! - unknown is any msgpack extension (Terraform uses fixext1 type 0 for a
//!   plain unknown and ext8 type 12 with a map of refinements for a refined
//!   one; every ext form is accepted);
//! - numbers arrive as the smallest integer, a float64, or a decimal string
//!   when they fit neither.

use std::collections::BTreeMap;

use crate::diag::{AttributePath, PathStep};
use crate::json::{self, Json};
use crate::value::{Number, Type, Unknown, Value, ValueError};

/// msgpack extension type Terraform uses for a refined unknown.
const REFINED_UNKNOWN_EXT: i8 = 0x0c;
/// Nesting limit for decoding.
const MAX_DEPTH: usize = 256;

// ---------------------------------------------------------------------------
// msgpack decoding
// ---------------------------------------------------------------------------

/// Decodes a msgpack value of type `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut r = Reader {
        b: bytes,
        i: 0,
        path: AttributePath::root(),
    };
    let v = r.value(ty, 0)?;
    if r.i != bytes.len() {
        return Err(r.err("trailing bytes after the value"));
    }
    Ok(v)
}

/// One msgpack item header.
enum Item {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(i8, usize),
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    path: AttributePath,
}

impl Reader<'_> {
    /// Runs `f` with `step` on the reader's path (see [`AttributePath::within`]).
    fn within<R>(&mut self, step: PathStep, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(step);
        let result = f(self);
        self.path.pop();
        result
    }

    fn err(&self, m: impl Into<String>) -> ValueError {
        ValueError::new(&self.path, m)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], ValueError> {
        let end = self
            .i
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| self.err("truncated msgpack"))?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }

    fn be(&mut self, n: usize) -> Result<u64, ValueError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |a, b| (a << 8) | u64::from(*b)))
    }

    fn item(&mut self) -> Result<Item, ValueError> {
        let m = self.be(1)? as u8;
        Ok(match m {
            0x00..=0x7f => Item::Int(i64::from(m)),
            0x80..=0x8f => Item::Map(usize::from(m & 0x0f)),
            0x90..=0x9f => Item::Array(usize::from(m & 0x0f)),
            0xa0..=0xbf => Item::Str(usize::from(m & 0x1f)),
            0xc0 => Item::Nil,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4 => Item::Bin(self.be(1)? as usize),
            0xc5 => Item::Bin(self.be(2)? as usize),
            0xc6 => Item::Bin(self.be(4)? as usize),
            0xc7 => {
                let n = self.be(1)? as usize;
                Item::Ext(self.be(1)? as u8 as i8, n)
            }
            0xc8 => {
                let n = self.be(2)? as usize;
                Item::Ext(self.be(1)? as u8 as i8, n)
            }
            0xc9 => {
                let n = self.be(4)? as usize;
                Item::Ext(self.be(1)? as u8 as i8, n)
            }
            0xca => Item::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => Item::Float(f64::from_bits(self.be(8)?)),
            0xcc => Item::UInt(self.be(1)?),
            0xcd => Item::UInt(self.be(2)?),
            0xce => Item::UInt(self.be(4)?),
            0xcf => Item::UInt(self.be(8)?),
            0xd0 => Item::Int(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => Item::Int(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => Item::Int(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => Item::Int(self.be(8)? as i64),
            0xd4 => Item::Ext(self.be(1)? as u8 as i8, 1),
            0xd5 => Item::Ext(self.be(1)? as u8 as i8, 2),
            0xd6 => Item::Ext(self.be(1)? as u8 as i8, 4),
            0xd7 => Item::Ext(self.be(1)? as u8 as i8, 8),
            0xd8 => Item::Ext(self.be(1)? as u8 as i8, 16),
            0xd9 => Item::Str(self.be(1)? as usize),
            0xda => Item::Str(self.be(2)? as usize),
            0xdb => Item::Str(self.be(4)? as usize),
            0xdc => Item::Array(self.be(2)? as usize),
            0xdd => Item::Array(self.be(4)? as usize),
            0xde => Item::Map(self.be(2)? as usize),
            0xdf => Item::Map(self.be(4)? as usize),
            0xe0..=0xff => Item::Int(i64::from(m as i8)),
            0xc1 => return Err(self.err("invalid msgpack marker 0xc1")),
        })
    }

    fn string(&mut self, item: Item) -> Result<String, ValueError> {
        match item {
            Item::Str(n) | Item::Bin(n) => {
                let b = self.take(n)?.to_vec();
                String::from_utf8(b).map_err(|_| self.err("string is not valid UTF-8"))
            }
            _ => Err(self.err("a string is required")),
        }
    }

    /// Skips one complete item (used for the contents of refinements).
    fn skip(&mut self, depth: usize) -> Result<(), ValueError> {
        if depth > MAX_DEPTH {
            return Err(self.err("value nested too deeply"));
        }
        match self.item()? {
            Item::Str(n) | Item::Bin(n) | Item::Ext(_, n) => {
                self.take(n)?;
            }
            Item::Array(n) => {
                for _ in 0..n {
                    self.skip(depth + 1)?;
                }
            }
            Item::Map(n) => {
                for _ in 0..n.saturating_mul(2) {
                    self.skip(depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, ValueError> {
        if depth > MAX_DEPTH {
            return Err(self.err("value nested too deeply"));
        }
        let item = self.item()?;
        if let Item::Ext(code, n) = item {
            let payload = self.take(n)?.to_vec();
            return Ok(Value::Unknown(parse_refinements(code, payload)));
        }
        if let Item::Nil = item {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => {
                let Item::Array(2) = item else {
                    return Err(self.err("a dynamic value must be a [type, value] pair"));
                };
                let t = self.item()?;
                let t = self.string(t)?;
                let t = Type::from_json(t.as_bytes()).map_err(|e| self.err(e.message))?;
                self.value(&t, depth + 1)
            }
            Type::Bool => match item {
                Item::Bool(b) => Ok(Value::Bool(b)),
                _ => Err(self.err("a bool is required")),
            },
            Type::Number => match item {
                Item::Int(i) => Ok(Value::Number(i.into())),
                Item::UInt(u) => Ok(Value::Number(u.into())),
                // cty numbers are big floats: infinities exist, NaN does not
                // (Terraform never sends one, and it equals nothing, itself
                // included, so no plan could ever be consistent).
                Item::Float(f) if f.is_nan() => Err(self.err("NaN is not a number")),
                Item::Float(f) => Ok(Value::Number(f.into())),
                Item::Str(_) | Item::Bin(_) => {
                    let s = self.string(item)?;
                    Number::parse(&s)
                        .map(Value::Number)
                        .map_err(|_| self.err(format!("{s:?} is not a number")))
                }
                _ => Err(self.err("a number is required")),
            },
            Type::String => Ok(Value::String(self.string(item)?)),
            Type::List(e) | Type::Set(e) => {
                let Item::Array(n) = item else {
                    return Err(self.err(format!("a {} is required", ty.friendly_name())));
                };
                let mut out = Vec::with_capacity(n.min(4096));
                for i in 0..n {
                    out.push(self.within(PathStep::index(i), |d| d.value(e, depth + 1))?);
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            Type::Tuple(ts) => {
                let Item::Array(n) = item else {
                    return Err(self.err("a tuple is required"));
                };
                if n != ts.len() {
                    return Err(self.err(format!("tuple of {} elements required", ts.len())));
                }
                let mut out = Vec::with_capacity(n);
                for (i, t) in ts.iter().enumerate() {
                    out.push(self.within(PathStep::index(i), |d| d.value(t, depth + 1))?);
                }
                Ok(Value::Tuple(out))
            }
            Type::Map(e) => {
                let Item::Map(n) = item else {
                    return Err(self.err("a map is required"));
                };
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let k = self.item()?;
                    let k = self.string(k)?;
                    let v = self.within(PathStep::Key(k.clone()), |d| d.value(e, depth + 1))?;
                    out.insert(k, v);
                }
                Ok(Value::Map(out))
            }
            Type::Object { attributes, .. } => {
                let Item::Map(n) = item else {
                    return Err(self.err("an object is required"));
                };
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let k = self.item()?;
                    let k = self.string(k)?;
                    let Some(t) = attributes.get(&k) else {
                        return Err(self.err(format!("unexpected attribute {k:?}")));
                    };
                    let v =
                        self.within(PathStep::Attribute(k.clone()), |d| d.value(t, depth + 1))?;
                    out.insert(k, v);
                }
                for name in attributes.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
        }
    }
}

/// Reads what we understand of a refinement payload; keeps it raw as well.
fn parse_refinements(code: i8, payload: Vec<u8>) -> Unknown {
    let mut u = Unknown::default();
    if code != REFINED_UNKNOWN_EXT || payload.is_empty() {
        return u;
    }
    let mut r = Reader {
        b: &payload,
        i: 0,
        path: AttributePath::root(),
    };
    if let Ok(Item::Map(n)) = r.item() {
        for _ in 0..n {
            let key = match r.item() {
                Ok(Item::Int(k)) => k,
                Ok(Item::UInt(k)) => k as i64,
                _ => break,
            };
            match key {
                1 => match r.item() {
                    Ok(Item::Bool(is_null)) => u.not_null = !is_null,
                    _ => break,
                },
                2 => match r.item().and_then(|it| r.string(it)) {
                    Ok(p) => u.string_prefix = Some(p),
                    Err(_) => break,
                },
                _ => {
                    if r.skip(0).is_err() {
                        break;
                    }
                }
            }
        }
    }
    u.raw = Some(payload);
    u
}

// ---------------------------------------------------------------------------
// msgpack encoding
// ---------------------------------------------------------------------------

/// Encodes `v` as msgpack of type `ty`. Objects are written with exactly the
/// type's attributes (null for absent ones); attributes outside the type are
/// an error.
pub fn encode_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    let mut path = AttributePath::root();
    write_value(&mut out, v, ty, &mut path)?;
    Ok(out)
}

fn write_unknown(out: &mut Vec<u8>, u: &Unknown) {
    match &u.raw {
        Some(raw) if !raw.is_empty() => {
            let _ = rmp::encode::write_ext_meta(out, raw.len() as u32, REFINED_UNKNOWN_EXT);
            out.extend_from_slice(raw);
        }
        _ => out.extend_from_slice(&[0xd4, 0x00, 0x00]),
    }
}

fn write_value(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    match (v, ty) {
        (Value::Unknown(u), _) => write_unknown(out, u),
        (Value::Null, _) => out.push(0xc0),
        (v, Type::Dynamic) => {
            let t = v.infer_type();
            let tj = t.to_json();
            let _ = rmp::encode::write_array_len(out, 2);
            let _ = rmp::encode::write_bin(out, tj.as_bytes());
            write_value(out, v, &t, path)?;
        }
        (Value::Bool(b), Type::Bool) => {
            let _ = rmp::encode::write_bool(out, *b);
        }
        (Value::Number(n), Type::Number) => n.encode_msgpack(out),
        (Value::String(s), Type::String) => {
            let _ = rmp::encode::write_str(out, s);
        }
        (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::List(e) | Type::Set(e)) => {
            let _ = rmp::encode::write_array_len(out, vs.len() as u32);
            for (i, x) in vs.iter().enumerate() {
                path.within(PathStep::index(i), |path| write_value(out, x, e, path))?;
            }
        }
        (Value::List(vs) | Value::Tuple(vs), Type::Tuple(ts)) if vs.len() == ts.len() => {
            let _ = rmp::encode::write_array_len(out, vs.len() as u32);
            for (i, (x, t)) in vs.iter().zip(ts).enumerate() {
                path.within(PathStep::index(i), |path| write_value(out, x, t, path))?;
            }
        }
        (Value::Map(m) | Value::Object(m), Type::Map(e)) => {
            let _ = rmp::encode::write_map_len(out, m.len() as u32);
            for (k, x) in m {
                let _ = rmp::encode::write_str(out, k);
                path.within(PathStep::Key(k.clone()), |path| {
                    write_value(out, x, e, path)
                })?;
            }
        }
        (Value::Object(m) | Value::Map(m), Type::Object { attributes, .. }) => {
            if let Some(extra) = m.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(ValueError::new(
                    path,
                    format!("unexpected attribute {extra:?}: it is not in the schema"),
                ));
            }
            let _ = rmp::encode::write_map_len(out, attributes.len() as u32);
            for (name, t) in attributes {
                let _ = rmp::encode::write_str(out, name);
                path.within(PathStep::Attribute(name.clone()), |path| {
                    write_value(out, m.get(name).unwrap_or(&Value::Null), t, path)
                })?;
            }
        }
        _ => return Err(ValueError::mismatch(path, ty, v)),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

/// Decodes a JSON value of type `ty` (as in `DynamicValue.json` or state).
/// JSON cannot express unknowns.
pub fn decode_json(text: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let root = AttributePath::root();
    let text =
        std::str::from_utf8(text).map_err(|_| ValueError::new(&root, "JSON is not UTF-8"))?;
    let j = Json::parse(text).map_err(|e| ValueError::new(&root, e.to_string()))?;
    let mut path = root;
    from_json(j, ty, &mut path)
}

fn from_json(j: Json, ty: &Type, path: &mut AttributePath) -> Result<Value, ValueError> {
    let req =
        |what: &str, path: &AttributePath| ValueError::new(path, format!("{what} is required"));
    match (j, ty) {
        (Json::Null, _) => Ok(Value::Null),
        (Json::Object(mut o), Type::Dynamic) => {
            let (Some(t @ (Json::Array(_) | Json::String(_))), Some(value)) =
                (o.remove("type"), o.remove("value"))
            else {
                return Err(req(
                    "a {\"value\",\"type\"} object for a dynamic value",
                    path,
                ));
            };
            let t = t.to_text();
            let t = Type::from_json(t.as_bytes()).map_err(|e| ValueError::new(path, e.message))?;
            from_json(value, &t, path)
        }
        (_, Type::Dynamic) => Err(req(
            "a {\"value\",\"type\"} object for a dynamic value",
            path,
        )),
        (Json::Bool(b), Type::Bool) => Ok(Value::Bool(b)),
        (Json::Number(n), Type::Number) => Ok(Value::Number(n)),
        (Json::String(s), Type::Number) => Number::parse(&s)
            .map(Value::Number)
            .map_err(|_| req("a number", path)),
        (Json::String(s), Type::String) => Ok(Value::String(s)),
        (Json::Array(a), Type::List(e) | Type::Set(e)) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, x) in a.into_iter().enumerate() {
                out.push(path.within(PathStep::index(i), |path| from_json(x, e, path))?);
            }
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(out)
            } else {
                Value::List(out)
            })
        }
        (Json::Array(a), Type::Tuple(ts)) if a.len() == ts.len() => {
            let mut out = Vec::with_capacity(a.len());
            for (i, (x, t)) in a.into_iter().zip(ts).enumerate() {
                out.push(path.within(PathStep::index(i), |path| from_json(x, t, path))?);
            }
            Ok(Value::Tuple(out))
        }
        (Json::Object(o), Type::Map(e)) => {
            let mut out = BTreeMap::new();
            for (k, x) in o {
                let v = path.within(PathStep::Key(k.clone()), |path| from_json(x, e, path))?;
                out.insert(k, v);
            }
            Ok(Value::Map(out))
        }
        (Json::Object(o), Type::Object { attributes, .. }) => {
            let mut out = BTreeMap::new();
            for (k, x) in o {
                let Some(t) = attributes.get(&k) else {
                    return Err(ValueError::new(path, format!("unexpected attribute {k:?}")));
                };
                let v =
                    path.within(PathStep::Attribute(k.clone()), |path| from_json(x, t, path))?;
                out.insert(k, v);
            }
            for name in attributes.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(out))
        }
        (_, t) => Err(req(&t.friendly_name(), path)),
    }
}

/// Encodes a wholly known `v` as JSON of type `ty`.
pub fn encode_json(v: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = String::new();
    let mut path = AttributePath::root();
    write_json(&mut out, v, ty, &mut path)?;
    Ok(out.into_bytes())
}

fn write_json(
    out: &mut String,
    v: &Value,
    ty: &Type,
    path: &mut AttributePath,
) -> Result<(), ValueError> {
    match (v, ty) {
        (Value::Unknown(_), _) => {
            return Err(ValueError::new(
                path,
                "unknown values cannot be encoded as JSON",
            ))
        }
        (Value::Null, _) => out.push_str("null"),
        (v, Type::Dynamic) => {
            let t = v.infer_type();
            out.push_str("{\"value\":");
            write_json(out, v, &t, path)?;
            out.push_str(",\"type\":");
            out.push_str(&t.to_json());
            out.push('}');
        }
        (Value::Bool(b), Type::Bool) => out.push_str(if *b { "true" } else { "false" }),
        (Value::Number(n), Type::Number) => out.push_str(&n.to_decimal_string()),
        (Value::String(s), Type::String) => json::write_string(out, s),
        (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::List(e) | Type::Set(e)) => {
            out.push('[');
            for (i, x) in vs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                path.within(PathStep::index(i), |path| write_json(out, x, e, path))?;
            }
            out.push(']');
        }
        (Value::List(vs) | Value::Tuple(vs), Type::Tuple(ts)) if vs.len() == ts.len() => {
            out.push('[');
            for (i, (x, t)) in vs.iter().zip(ts).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                path.within(PathStep::index(i), |path| write_json(out, x, t, path))?;
            }
            out.push(']');
        }
        (Value::Map(m) | Value::Object(m), Type::Map(e)) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json::write_string(out, k);
                out.push(':');
                path.within(PathStep::Key(k.clone()), |path| write_json(out, x, e, path))?;
            }
            out.push('}');
        }
        (Value::Object(m) | Value::Map(m), Type::Object { attributes, .. }) => {
            if let Some(extra) = m.keys().find(|k| !attributes.contains_key(*k)) {
                return Err(ValueError::new(
                    path,
                    format!("unexpected attribute {extra:?}: it is not in the schema"),
                ));
            }
            out.push('{');
            for (i, (name, t)) in attributes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json::write_string(out, name);
                out.push(':');
                path.within(PathStep::Attribute(name.clone()), |path| {
                    write_json(out, m.get(name).unwrap_or(&Value::Null), t, path)
                })?;
            }
            out.push('}');
        }
        _ => return Err(ValueError::mismatch(path, ty, v)),
    }
    Ok(())
}

/// Decodes a `DynamicValue` (msgpack preferred, else JSON; empty = null).
pub fn decode_dynamic(
    dv: Option<&magma_protocol::tfplugin6::DynamicValue>,
    ty: &Type,
) -> Result<Value, ValueError> {
    match dv {
        Some(d) if !d.msgpack.is_empty() => decode_msgpack(&d.msgpack, ty),
        Some(d) if !d.json.is_empty() => decode_json(&d.json, ty),
        _ => Ok(Value::Null),
    }
}

/// Encodes a value as a msgpack `DynamicValue`.
pub fn encode_dynamic(
    v: &Value,
    ty: &Type,
) -> Result<magma_protocol::tfplugin6::DynamicValue, ValueError> {
    Ok(magma_protocol::tfplugin6::DynamicValue {
        msgpack: encode_msgpack(v, ty)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj_in_out() -> Type {
        Type::object([("in", Type::String), ("out", Type::String)])
    }

    #[test]
    fn decodes_terraform_unknowns() {
        // {"in": unknown, "out": null} as Terraform sends it.
        let mut b = vec![
            0x82, 0xa2, b'i', b'n', 0xd4, 0x00, 0x00, 0xa3, b'o', b'u', b't', 0xc0,
        ];
        let v = decode_msgpack(&b, &obj_in_out()).unwrap();
        assert!(v.attr("in").is_unknown());
        assert!(v.attr("out").is_null());
        // Refined: not null, prefix "pre-" (ext8, type 0x0c).
        b = vec![
            0x82, 0xa2, b'i', b'n', 0xc7, 0x09, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa4,
        ];
        b.extend_from_slice(b"pre-");
        b.extend_from_slice(&[0xa3, b'o', b'u', b't', 0xc0]);
        let v = decode_msgpack(&b, &obj_in_out()).unwrap();
        let Value::Unknown(u) = v.attr("in") else {
            panic!("expected unknown")
        };
        assert!(u.not_null);
        assert_eq!(u.string_prefix.as_deref(), Some("pre-"));
        // Round trip keeps the refinement bytes.
        assert_eq!(encode_msgpack(&v, &obj_in_out()).unwrap(), b);
    }

    #[test]
    fn every_ext_form_is_unknown() {
        for b in [
            vec![0xd5, 0x05, 0, 0],
            vec![0xd6, 0x01, 0, 0, 0, 0],
            vec![0xc7, 0x00, 0x0c],
            vec![0xc8, 0x00, 0x01, 0x00, 0xaa],
            vec![0xc9, 0, 0, 0, 1, 0x0c, 0x80],
        ] {
            assert!(
                decode_msgpack(&b, &Type::String).unwrap().is_unknown(),
                "{b:x?}"
            );
        }
    }

    #[test]
    fn numbers_round_trip_exactly() {
        let ty = Type::Number;
        for (bytes, text) in [
            (vec![0x15], "21"),
            (vec![0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], "1.5"),
            (vec![0xd0, 0x85], "-123"),
            (
                vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                "18446744073709551615",
            ),
        ] {
            let v = decode_msgpack(&bytes, &ty).unwrap();
            assert_eq!(v.as_number().unwrap().to_decimal_string(), text);
            assert_eq!(encode_msgpack(&v, &ty).unwrap(), bytes);
        }
        let mut big = vec![0xb7];
        big.extend_from_slice(b"12345678901234567890123");
        let v = decode_msgpack(&big, &ty).unwrap();
        assert_eq!(
            v.as_number().unwrap().to_decimal_string(),
            "12345678901234567890123"
        );
        assert_eq!(encode_msgpack(&v, &ty).unwrap(), big);
        let j = encode_json(&v, &ty).unwrap();
        assert_eq!(j, b"12345678901234567890123");
        assert_eq!(decode_json(&j, &ty).unwrap(), v);
    }

    #[test]
    fn collections_objects_and_dynamic_round_trip() {
        let ty = Type::object([
            ("l", Type::list(Type::String)),
            ("s", Type::set(Type::Number)),
            ("m", Type::map(Type::Bool)),
            ("t", Type::Tuple(vec![Type::String, Type::Number])),
            ("d", Type::Dynamic),
            ("n", Type::String),
        ]);
        let v = Value::object([
            ("l", Value::List(vec!["a".into(), "b".into()])),
            ("s", Value::Set(vec![1i64.into(), 2.5f64.into()])),
            ("m", Value::Map([("k".to_string(), true.into())].into())),
            ("t", Value::Tuple(vec!["x".into(), 7i64.into()])),
            ("d", Value::object([("z", Value::List(vec!["q".into()]))])),
        ])
        .conform(&ty)
        .unwrap();
        let mp = encode_msgpack(&v, &ty).unwrap();
        assert_eq!(decode_msgpack(&mp, &ty).unwrap(), v);
        let js = encode_json(&v, &ty).unwrap();
        assert_eq!(decode_json(&js, &ty).unwrap(), v);
        assert!(String::from_utf8(js)
            .unwrap()
            .contains(r#""d":{"value":{"z":["q"]},"type":["object",{"z":["list","string"]}]}"#));
    }

    #[test]
    fn objects_carry_exactly_the_schema_attributes() {
        let v = Value::object([("in", "x".into())]);
        let b = encode_msgpack(&v, &obj_in_out()).unwrap();
        let back = decode_msgpack(&b, &obj_in_out()).unwrap();
        assert_eq!(back.as_entries().unwrap().len(), 2);
        let extra = Value::object([("in", "x".into()), ("zz", Value::Null)]);
        let e = encode_msgpack(&extra, &obj_in_out()).unwrap_err();
        assert!(e.message.contains("zz"));
        let wrong = Value::object([("in", 5i64.into())]);
        assert_eq!(
            encode_msgpack(&wrong, &obj_in_out())
                .unwrap_err()
                .path
                .to_string(),
            "in"
        );
    }

    #[test]
    fn nan_is_refused_and_infinities_round_trip() {
        // float64 NaN with the sign bit set (found by the tfplugin_msgpack fuzz target).
        let nan = [0xcb, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x34, 0xf6, 0xdf];
        let err = decode_msgpack(&nan, &Type::Number).expect_err("NaN");
        assert!(err.message.contains("NaN"), "{}", err.message);
        let f32_nan = [0xca, 0x7f, 0xc0, 0x00, 0x00];
        assert!(decode_msgpack(&f32_nan, &Type::Number).is_err());
        for inf in [f64::INFINITY, f64::NEG_INFINITY] {
            let mut b = vec![0xcb];
            b.extend_from_slice(&inf.to_bits().to_be_bytes());
            let v = decode_msgpack(&b, &Type::Number).expect("infinity");
            let again = encode_msgpack(&v, &Type::Number).expect("encode");
            assert_eq!(decode_msgpack(&again, &Type::Number).expect("decode"), v);
        }
    }

    #[test]
    fn an_integral_float_above_2_53_round_trips_as_the_same_number() {
        // float32 0x5b987584 = 85826812512305152 exactly (found by the
        // tfplugin_msgpack fuzz target): it re-encodes as an int, and the two
        // must be equal, and print the same digits.
        let b = [0xca, 0x5b, 0x98, 0x75, 0x84];
        let v = decode_msgpack(&b, &Type::Number).expect("float32");
        let again = encode_msgpack(&v, &Type::Number).expect("encode");
        let back = decode_msgpack(&again, &Type::Number).expect("decode");
        assert_eq!(back, v);
        assert_eq!(format!("{v:?}"), "Number(85826812512305152)");
        assert_eq!(v, Value::Number(Number::from(85_826_812_512_305_152i64)));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for b in [
            vec![0xc1],
            vec![0xdb, 0xff, 0xff, 0xff, 0xff],
            vec![0x92, 0x01],
            vec![],
        ] {
            assert!(decode_msgpack(&b, &Type::list(Type::Number)).is_err());
        }
    }
}
