//! `/automation/v2/clients`.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::{AppState, AutomationClient};
use crate::error::KwError;
use crate::model::{Client, State as Model};
use crate::routes::created;
use crate::time::now;
use crate::wire::{client_detail, ok, parse};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateClientRequestV2 {
    name: Option<String>,
    description: Option<String>,
    groups: Option<Vec<String>>,
    spiffe_id: Option<String>,
}

/// `{"addGroups":[...],"removeGroups":[...]}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyGroupsRequestV2 {
    pub add_groups: Option<Vec<String>>,
    pub remove_groups: Option<Vec<String>>,
}

impl ModifyGroupsRequestV2 {
    /// Apply to a set of group names; unknown groups are silently ignored.
    pub fn apply(self, known: &Model, groups: &mut BTreeSet<String>) {
        for g in self.add_groups.unwrap_or_default() {
            if known.groups.contains_key(&g) {
                groups.insert(g);
            }
        }
        for g in self.remove_groups.unwrap_or_default() {
            groups.remove(&g);
        }
    }
}

/// A SPIFFE ID must be a URI (scheme ":" rest, no spaces).
fn valid_uri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.is_empty()
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

pub async fn create(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: CreateClientRequestV2 = parse(&body)?;
    let name = req.name.unwrap_or_default();
    if name.is_empty() {
        return Err(KwError::Unprocessable(vec!["name may not be empty".into()]));
    }
    let spiffe_id = req.spiffe_id.filter(|s| !s.is_empty());
    if let Some(s) = &spiffe_id {
        if !valid_uri(s) {
            return Err(KwError::BadRequest(format!(
                "Invalid SPIFFE ID provided (not a URI): {s}"
            )));
        }
    }
    app.mutate(|state| {
        let taken = state.clients.contains_key(&name)
            || spiffe_id
                .as_deref()
                .is_some_and(|s| state.client_by_spiffe(s).is_some());
        if taken {
            return Err(KwError::Conflict("Client name already exists.".into()));
        }
        let groups = req
            .groups
            .unwrap_or_default()
            .into_iter()
            .filter(|g| state.groups.contains_key(g))
            .collect();
        let t = now();
        let client = Client {
            id: state.next_id(),
            name: name.clone(),
            description: req.description.unwrap_or_default(),
            spiffe_id,
            created_at: t,
            created_by: caller.name.clone(),
            updated_at: t,
            updated_by: caller.name.clone(),
            last_seen: None,
            expiration: None,
            enabled: true,
            automation_allowed: false,
            groups,
        };
        state.clients.insert(name.clone(), client);
        Ok(())
    })?;
    Ok(created(&headers, &format!("/automation/v2/clients/{name}")))
}

pub async fn list(State(app): State<AppState>, _: AutomationClient) -> Result<Response, KwError> {
    let state = app.lock()?;
    Ok(ok(state.clients.keys().collect::<Vec<_>>()))
}

pub async fn get_one(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    let client = state.clients.get(&name).ok_or(KwError::NotFound)?;
    Ok(ok(client_detail(client)))
}

pub async fn groups(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    let client = state.clients.get(&name).ok_or(KwError::NotFound)?;
    Ok(ok(&client.groups))
}

pub async fn modify_groups(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: ModifyGroupsRequestV2 = parse(&body)?;
    let groups = app.mutate(|state| {
        let mut groups = state
            .clients
            .get(&name)
            .ok_or(KwError::NotFound)?
            .groups
            .clone();
        req.apply(state, &mut groups);
        let client = state.clients.get_mut(&name).ok_or(KwError::NotFound)?;
        client.groups = groups.clone();
        client.updated_at = now();
        client.updated_by = caller.name.clone();
        Ok(groups)
    })?;
    Ok(ok(groups))
}

pub async fn secrets(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    let state = app.lock()?;
    let client = state.clients.get(&name).ok_or(KwError::NotFound)?;
    let names: Vec<&str> = state
        .visible_secrets(client)
        .into_iter()
        .map(|s| s.name.as_str())
        .collect();
    Ok(ok(names))
}

pub async fn delete(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.mutate(|state| {
        state
            .clients
            .remove(&name)
            .map(|_| ())
            .ok_or(KwError::NotFound)
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
