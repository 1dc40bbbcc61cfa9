//! tfplugin's value codec on any bytes: decoding a msgpack or JSON
//! `DynamicValue` never panics, and whatever decodes encodes again and
//! decodes back to the same value (what Terraform sends us, we can send back).
//!
//! Input: a type (cty type JSON) on the first line, the payload after it;
//! when the first line is not a type, a fixed set of types is tried in turn.

use tfplugin::codec::{decode_json, decode_msgpack, encode_json, encode_msgpack};
use tfplugin::{Type, Value, ValueError};

fn types() -> Vec<Type> {
    vec![
        Type::Dynamic,
        Type::String,
        Type::Number,
        Type::list(Type::String),
        Type::set(Type::Number),
        Type::map(Type::Bool),
        Type::Tuple(vec![Type::String, Type::Dynamic]),
        Type::object([
            ("name", Type::String),
            ("tags", Type::map(Type::String)),
            ("accounts", Type::set(Type::object([("id", Type::String)]))),
            ("extra", Type::Dynamic),
        ]),
    ]
}

/// The payload and the types to decode it as.
fn split(data: &[u8]) -> (Vec<Type>, &[u8]) {
    if let Some(nl) = data.iter().position(|&b| b == b'\n') {
        if let Ok(t) = Type::from_json(&data[..nl]) {
            let _ = t.to_json();
            return (vec![t], &data[nl + 1..]);
        }
    }
    (types(), data)
}

fn round_trip(
    payload: &[u8],
    ty: &Type,
    decode: fn(&[u8], &Type) -> Result<Value, ValueError>,
    encode: fn(&Value, &Type) -> Result<Vec<u8>, ValueError>,
) {
    let Ok(v) = decode(payload, ty) else {
        return;
    };
    let bytes =
        encode(&v, ty).unwrap_or_else(|e| panic!("decoded {v:?} but cannot encode it: {e}"));
    let again = decode(&bytes, ty)
        .unwrap_or_else(|e| panic!("cannot decode our own encoding of {v:?}: {e}"));
    assert_eq!(v, again, "round trip changed the value");
}

pub fn run_msgpack(data: &[u8]) {
    let (tys, payload) = split(data);
    for ty in &tys {
        round_trip(payload, ty, decode_msgpack, encode_msgpack);
    }
}

pub fn run_json(data: &[u8]) {
    let (tys, payload) = split(data);
    for ty in &tys {
        round_trip(payload, ty, decode_json, encode_json);
    }
}
