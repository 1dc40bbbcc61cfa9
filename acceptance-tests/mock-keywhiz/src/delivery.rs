//! The client-facing delivery API: `GET /secrets`, `GET /secret/{name}`,
//! `POST /batchsecret`, `GET /_status`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::{AppState, AuthClient};
use crate::error::KwError;
use crate::wire::{delivery, ok, parse};

/// `GET /secrets`: every secret the client can read, without content.
pub async fn list(
    State(app): State<AppState>,
    AuthClient(client): AuthClient,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    let out: Vec<Value> = state
        .visible_secrets(&client)
        .into_iter()
        .map(|s| delivery(s, false))
        .collect();
    Ok(ok(out))
}

/// `GET /secret/{name}`: 403 if it exists but is not granted, 404 if unknown.
pub async fn get_one(
    State(app): State<AppState>,
    AuthClient(client): AuthClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    let secret = state.secrets.get(&name).filter(|s| s.current.is_some());
    match secret {
        Some(s) if state.can_read(&client, s) => Ok(ok(delivery(s, true))),
        Some(_) => Err(KwError::Forbidden(format!(
            "Access denied: {} at '/secret/{}' by 'Client{{id={}, name={}}}'",
            client.name, name, client.id, client.name
        ))),
        None => Err(KwError::NotFound),
    }
}

#[derive(Deserialize)]
struct BatchSecretRequest {
    secrets: Option<Vec<String>>,
}

/// `POST /batchsecret`: all or nothing; empty list → 500.
pub async fn batch(
    State(app): State<AppState>,
    AuthClient(client): AuthClient,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: BatchSecretRequest = parse(&body)?;
    let Some(names) = req.secrets else {
        return Err(KwError::Unprocessable(vec![
            "secrets may not be null".into()
        ]));
    };
    if names.is_empty() {
        return Err(KwError::Internal);
    }
    let state = app.lock()?;
    let mut forbidden = Vec::new();
    let mut found = Vec::new();
    for name in &names {
        let Some(secret) = state.secrets.get(name).filter(|s| s.current.is_some()) else {
            return Err(KwError::NotFound);
        };
        if !state.can_read(&client, secret) {
            forbidden.push(name.clone());
        } else if !found
            .iter()
            .any(|s: &&crate::model::Secret| s.name == secret.name)
        {
            found.push(secret);
        }
    }
    if !forbidden.is_empty() {
        return Err(KwError::Forbidden(format!(
            "Access denied: {} to secret(s) '[{}]'",
            client.name,
            forbidden.join(", ")
        )));
    }
    let out: Vec<Value> = found.into_iter().map(|s| delivery(s, true)).collect();
    Ok(ok(out))
}

/// `GET /_status` (no client authentication, like Keywhiz's status resource).
pub async fn status() -> Response {
    ok(json!({"status": "ok", "message": "ok", "results": {}}))
}
