//! `/automation/v2/groups`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::app::{AppState, AutomationClient};
use crate::error::KwError;
use crate::model::Group;
use crate::routes::created;
use crate::time::now;
use crate::wire::{client_model, group_detail, ok, parse, sanitized};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateGroupRequestV2 {
    name: Option<String>,
    description: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

pub async fn create(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: CreateGroupRequestV2 = parse(&body)?;
    let name = req.name.unwrap_or_default();
    if name.is_empty() {
        return Err(KwError::Unprocessable(vec!["name may not be empty".into()]));
    }
    app.mutate(|state| {
        if state.groups.contains_key(&name) {
            return Err(KwError::Conflict(format!("Group {name} already exists")));
        }
        let t = now();
        let group = Group {
            id: state.next_id(),
            name: name.clone(),
            description: req.description.unwrap_or_default(),
            metadata: req.metadata.unwrap_or_default(),
            created_at: t,
            created_by: caller.name.clone(),
            updated_at: t,
            updated_by: caller.name.clone(),
        };
        state.groups.insert(name.clone(), group);
        Ok(())
    })?;
    Ok(created(&headers, &format!("/automation/v2/groups/{name}")))
}

pub async fn list(State(app): State<AppState>, _: AutomationClient) -> Result<Response, KwError> {
    let state = app.lock()?;
    Ok(ok(state.groups.keys().collect::<Vec<_>>()))
}

pub async fn get_one(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    let group = state.groups.get(&name).ok_or(KwError::NotFound)?;
    Ok(ok(group_detail(&state, group)))
}

pub async fn secrets(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    state.groups.get(&name).ok_or(KwError::NotFound)?;
    let out: Vec<Value> = state
        .secrets
        .values()
        .filter(|s| s.groups.contains(&name))
        .map(sanitized)
        .collect();
    Ok(ok(out))
}

pub async fn clients(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    state.groups.get(&name).ok_or(KwError::NotFound)?;
    let out: Vec<Value> = state
        .clients
        .values()
        .filter(|c| c.groups.contains(&name))
        .map(client_model)
        .collect();
    Ok(ok(out))
}

/// Deleting a group drops its memberships and grants, and the secrets it
/// owned have no owner any more (`GroupDAO.deleteGroup`: Keywhiz stores the
/// owner as a group id, so a new group of the same name does not own them).
pub async fn delete(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.mutate(|state| {
        state.groups.remove(&name).ok_or(KwError::NotFound)?;
        for c in state.clients.values_mut() {
            c.groups.remove(&name);
        }
        for s in state.secrets.values_mut() {
            s.groups.remove(&name);
            if s.owner.as_deref() == Some(name.as_str()) {
                s.owner = None;
            }
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
