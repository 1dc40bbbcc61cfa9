//! `/automation/v2/groups`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::{AppState, AutomationClient};
use crate::error::KwError;
use crate::model::{Group, State as Model};
use crate::routes::{created, GROUPS};
use crate::time::now;
use crate::wire::{client_model, group_detail, parse, required_name, sanitized};

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
    let name = required_name(req.name)?;
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
    Ok(created(&headers, GROUPS, &name))
}

pub async fn list(State(app): State<AppState>, _: AutomationClient) -> Result<Response, KwError> {
    app.read(|state| Ok(state.groups.keys().cloned().collect::<Vec<_>>()))
}

fn group<'a>(state: &'a Model, name: &str) -> Result<&'a Group, KwError> {
    state.groups.get(name).ok_or(KwError::NotFound)
}

pub async fn get_one(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(group_detail(state, group(state, &name)?)))
}

/// `SanitizedSecret`s of the secrets granted to the group.
pub async fn secrets(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| {
        group(state, &name)?;
        Ok(state.granted(&name).map(sanitized).collect::<Vec<_>>())
    })
}

/// `Client` models of the group's members.
pub async fn clients(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| {
        group(state, &name)?;
        Ok(state.members(&name).map(client_model).collect::<Vec<_>>())
    })
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
