//! registry-client's answer decoding on any body and status: a typed value
//! or a typed error, never a panic; error messages stay short (the start of
//! a body, not all of it).
//!
//! Input: byte 0 picks the status, byte 1 the response type, the rest is the body.

use registry_client::{decode_answer, status_error, App, Error, Function};

const STATUSES: [u16; 8] = [200, 200, 201, 400, 403, 404, 412, 503];

pub fn run(data: &[u8]) {
    let (Some(&s), Some(&kind)) = (data.first(), data.get(1)) else {
        return;
    };
    let status = STATUSES[usize::from(s) % STATUSES.len()];
    let body = &data[2..];
    let path = "/v1/apps/payments";
    let err: Option<Error> = match kind % 4 {
        0 => decode_answer::<App>("GET", path, status, body).err(),
        1 => decode_answer::<Function>("GET", path, status, body).err(),
        2 => decode_answer::<Vec<App>>("GET", path, status, body).err(),
        _ => Some(status_error(
            "PUT",
            path,
            status,
            body,
            Some("\"etag\"".into()),
            Some("spiffe://example.internal/ci".into()),
        )),
    };
    if let Some(e) = err {
        let text = e.to_string();
        let _ = format!("{e:?}");
        // A non-JSON error body is cut to its first 200 characters.
        if !(200..300).contains(&status)
            && serde_json::from_slice::<serde_json::Value>(body).is_err()
        {
            assert!(
                text.chars().count() <= 200 + 200,
                "error message carries the whole body ({} chars)",
                text.chars().count()
            );
        }
    }
}
