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
use crate::routes::{created, CLIENTS};
use crate::time::now;
use crate::wire::{self, client_detail, ok, parse, required_name};

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
    /// `groups` with the additions that exist and without the removals.
    pub fn applied(self, known: &Model, groups: &BTreeSet<String>) -> BTreeSet<String> {
        let mut out = groups.clone();
        out.extend(known.known_groups(self.add_groups.unwrap_or_default()));
        for g in self.remove_groups.unwrap_or_default() {
            out.remove(&g);
        }
        out
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
    let name = required_name(req.name)?;
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
        let groups = state.known_groups(req.groups.unwrap_or_default());
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
    Ok(created(&headers, CLIENTS, &name))
}

pub async fn list(State(app): State<AppState>, _: AutomationClient) -> Result<Response, KwError> {
    app.read(|state| Ok(state.clients.keys().cloned().collect::<Vec<_>>()))
}

fn client<'a>(state: &'a Model, name: &str) -> Result<&'a Client, KwError> {
    state.clients.get(name).ok_or(KwError::NotFound)
}

pub async fn get_one(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(client_detail(client(state, &name)?)))
}

pub async fn groups(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(client(state, &name)?.groups.clone()))
}

pub async fn modify_groups(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: ModifyGroupsRequestV2 = parse(&body)?;
    let groups = app.mutate(|state| {
        let groups = req.applied(state, &client(state, &name)?.groups);
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
    app.read(|state| {
        let visible = state.visible_secrets(client(state, &name)?);
        Ok(visible.into_iter().map(wire::name_only).collect::<Vec<_>>())
    })
}

pub async fn delete(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.mutate(|state| state.clients.remove(&name).ok_or(KwError::NotFound))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
