//! Keywhiz's JSON shapes (camelCase, nulls omitted where Jackson's NON_NULL
//! omits them), built from the model, and request-body parsing.

use axum::body::Bytes;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::KwError;
use crate::model::{Client, Group, Secret, SecretVersion, State};
use crate::time::api_date;

/// Parse a JSON body like Jackson would: malformed → 400 "Unable to process JSON".
pub fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, KwError> {
    serde_json::from_slice(body).map_err(|_| KwError::BadRequest("Unable to process JSON".into()))
}

/// `@ValidBase64` / `@NotEmpty` on `content`.
pub fn check_content(content: Option<&str>) -> Result<String, KwError> {
    let content = content.unwrap_or_default();
    if content.is_empty() {
        return Err(KwError::Unprocessable(vec![
            "content may not be empty".into()
        ]));
    }
    let padded = content.trim_end_matches('=');
    let ok = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(padded)
        .is_ok();
    if !ok {
        return Err(KwError::Unprocessable(vec![
            "content must be valid base64".into()
        ]));
    }
    Ok(content.to_owned())
}

/// Decoded length of base64 content (padding optional).
pub fn decoded_len(content: &str) -> usize {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(content.trim_end_matches('='))
        .map(|b| b.len())
        .unwrap_or(0)
}

/// Content re-encoded with padding, as Keywhiz delivers it.
pub fn delivered_content(content: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    match engine.decode(content.trim_end_matches('=')) {
        Ok(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
        Err(_) => content.to_owned(),
    }
}

/// `SecretDeliveryResponse`, metadata flattened into the top level.
/// `with_content = false` gives the `/secrets` listing form (`secret:""`, `secretLength:0`).
pub fn delivery(secret: &Secret, with_content: bool) -> Value {
    let mut m = Map::new();
    let version = secret.current_version();
    if let Some(v) = version {
        for (k, val) in &v.metadata {
            m.insert(k.clone(), Value::String(val.clone()));
        }
    }
    let (content, len) = match (with_content, version) {
        (true, Some(v)) => (delivered_content(&v.content), decoded_len(&v.content)),
        _ => (String::new(), 0),
    };
    m.insert("name".into(), json!(secret.name));
    m.insert("secret".into(), json!(content));
    m.insert("secretLength".into(), json!(len));
    m.insert(
        "checksum".into(),
        json!(version.map(|v| v.checksum.as_str()).unwrap_or("")),
    );
    m.insert("creationDate".into(), json!(api_date(secret.created_at)));
    m.insert("updateDate".into(), json!(api_date(secret.updated_at)));
    Value::Object(m)
}

/// `SecretDetailResponseV2` for the current version or a given one.
pub fn secret_detail(secret: &Secret, version_id: Option<u64>) -> Value {
    let version = match version_id {
        Some(id) => secret.versions.iter().find(|v| v.id == id),
        None => secret.current_version(),
    };
    Value::Object(detail_fields(secret, version))
}

/// The fields of `SecretDetailResponseV2`, which `SanitizedSecret` has too.
fn detail_fields(secret: &Secret, version: Option<&SecretVersion>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(secret.name));
    if let Some(owner) = &secret.owner {
        m.insert("owner".into(), json!(owner));
    }
    m.insert("description".into(), json!(secret.description));
    m.insert(
        "checksum".into(),
        json!(version.map(|v| v.checksum.as_str()).unwrap_or("")),
    );
    m.insert("createdAtSeconds".into(), json!(secret.created_at));
    m.insert("createdBy".into(), json!(secret.created_by));
    m.insert("updatedAtSeconds".into(), json!(secret.updated_at));
    m.insert("updatedBy".into(), json!(secret.updated_by));
    m.insert(
        "metadata".into(),
        json!(version.map(|v| v.metadata.clone()).unwrap_or_default()),
    );
    m.insert("type".into(), json!(secret.kind));
    m.insert(
        "expiry".into(),
        json!(version.map(|v| v.expiry).unwrap_or(0)),
    );
    if let Some(v) = version {
        m.insert("version".into(), json!(v.id));
        m.insert("contentCreatedAtSeconds".into(), json!(v.created_at));
        m.insert("contentCreatedBy".into(), json!(v.created_by));
    }
    m
}

/// `SanitizedSecret`: the detail fields of the current version, plus the id, the
/// dates as API dates and the (empty) generation options.
pub fn sanitized(secret: &Secret) -> Value {
    let version = secret.current_version();
    let mut m = detail_fields(secret, version);
    m.insert("id".into(), json!(secret.id));
    m.insert("createdAt".into(), json!(api_date(secret.created_at)));
    m.insert("updatedAt".into(), json!(api_date(secret.updated_at)));
    m.insert("generationOptions".into(), json!({}));
    if let Some(v) = version {
        m.insert("contentCreatedAt".into(), json!(api_date(v.created_at)));
    }
    Value::Object(m)
}

/// A secret as the name-only listings show it.
pub fn name_only(secret: &Secret) -> Value {
    json!(secret.name)
}

/// `ClientDetailResponseV2` (`spiffeId` is `""` when unset; `lastSeenSeconds` null when never seen).
pub fn client_detail(client: &Client) -> Value {
    json!({
        "name": client.name,
        "description": client.description,
        "spiffeId": client.spiffe_id.clone().unwrap_or_default(),
        "createdAtSeconds": client.created_at,
        "updatedAtSeconds": client.updated_at,
        "createdBy": client.created_by,
        "updatedBy": client.updated_by,
        "lastSeenSeconds": client.last_seen,
    })
}

/// The `Client` model (group `/clients` listing).
pub fn client_model(client: &Client) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(client.id));
    m.insert("name".into(), json!(client.name));
    m.insert("description".into(), json!(client.description));
    if let Some(s) = &client.spiffe_id {
        m.insert("spiffeId".into(), json!(s));
    }
    m.insert("createdAt".into(), json!(api_date(client.created_at)));
    m.insert("createdBy".into(), json!(client.created_by));
    m.insert("updatedAt".into(), json!(api_date(client.updated_at)));
    m.insert("updatedBy".into(), json!(client.updated_by));
    if let Some(t) = client.last_seen {
        m.insert("lastSeen".into(), json!(api_date(t)));
    }
    if let Some(t) = client.expiration {
        m.insert("expiration".into(), json!(api_date(t)));
    }
    m.insert("enabled".into(), json!(client.enabled));
    m.insert("automationAllowed".into(), json!(client.automation_allowed));
    Value::Object(m)
}

/// `GroupDetailResponseV2`.
pub fn group_detail(state: &State, group: &Group) -> Value {
    let secrets: Vec<&str> = state
        .granted(&group.name)
        .map(|s| s.name.as_str())
        .collect();
    let clients: Vec<&str> = state
        .members(&group.name)
        .map(|c| c.name.as_str())
        .collect();
    json!({
        "name": group.name,
        "description": group.description,
        "createdAtSeconds": group.created_at,
        "updatedAtSeconds": group.updated_at,
        "createdBy": group.created_by,
        "updatedBy": group.updated_by,
        "secrets": secrets,
        "clients": clients,
        "metadata": group.metadata,
    })
}

/// A `name` that bean validation (`@NotEmpty`) lets through.
pub fn required_name(name: Option<String>) -> Result<String, KwError> {
    match name {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(KwError::Unprocessable(vec!["name may not be empty".into()])),
    }
}

/// JSON of any serialisable value, as an axum response.
pub fn ok<T: Serialize>(value: T) -> axum::response::Response {
    axum::response::IntoResponse::into_response(axum::Json(value))
}
