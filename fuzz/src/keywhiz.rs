//! keywhiz-client's answer decoding on any body and status: a typed value
//! or a typed error, never a panic, and never a secret in the message.
//!
//! Input: byte 0 picks the status (a 2xx most of the time), byte 1 the
//! response type, the rest is the body. When the body is JSON, every
//! `secret` field is also replaced by a marker and decoded again: the marker
//! must not show up in any error's text.

use keywhiz_client::{
    decode_answer, ClientDetail, Error, GroupDetail, SanitizedSecret, SecretDelivery, SecretDetail,
};
use serde_json::Value;

/// Stands for a secret value; long and unlike any word of an error message.
const MARKER: &str = "czJzLWZ1enotc2VjcmV0LW1hcmtlci0wMDdm";

const STATUSES: [u16; 8] = [200, 200, 200, 201, 204, 400, 404, 503];

fn decode_as(kind: u8, status: u16, body: &[u8]) -> Option<Error> {
    let path = "/secrets";
    match kind % 7 {
        0 => decode_answer::<Vec<SecretDelivery>>("GET", path, status, body).err(),
        1 => decode_answer::<SecretDelivery>("GET", path, status, body).err(),
        2 => decode_answer::<SecretDetail>("GET", path, status, body).err(),
        3 => decode_answer::<Vec<SanitizedSecret>>("GET", path, status, body).err(),
        4 => decode_answer::<GroupDetail>("GET", path, status, body).err(),
        5 => decode_answer::<ClientDetail>("GET", path, status, body).err(),
        _ => decode_answer::<Vec<String>>("GET", path, status, body).err(),
    }
}

/// Puts the marker into every `secret` field (top level or in an array).
fn mark(v: &mut Value) -> bool {
    let mut marked = false;
    match v {
        Value::Object(m) => {
            if let Some(s) = m.get_mut("secret") {
                *s = Value::String(MARKER.into());
                marked = true;
            }
        }
        Value::Array(a) => {
            for x in a {
                marked |= mark(x);
            }
        }
        _ => {}
    }
    marked
}

pub fn run(data: &[u8]) {
    let (Some(&s), Some(&kind)) = (data.first(), data.get(1)) else {
        return;
    };
    let status = STATUSES[usize::from(s) % STATUSES.len()];
    let body = &data[2..];
    if let Some(e) = decode_as(kind, status, body) {
        // Every error renders (Display and Debug) without panicking.
        let _ = (e.to_string(), format!("{e:?}"));
    }
    if !(200..300).contains(&status) {
        return;
    }
    let Ok(mut v) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if !mark(&mut v) {
        return;
    }
    let Ok(marked) = serde_json::to_vec(&v) else {
        return;
    };
    if let Some(e) = decode_as(kind, status, &marked) {
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains(MARKER),
            "a secret value reached an error message: {text}"
        );
    }
}
