//! `/automation/v2/secrets`.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::{AppState, AutomationClient};
use crate::clients::ModifyGroupsRequestV2;
use crate::error::KwError;
use crate::model::{valid_name, Client, Secret, SecretVersion, State as Model};
use crate::routes::{created, SECRETS};
use crate::time::now;
use crate::wire::{
    check_content, delivered_content, name_only, ok, parse, required_name, sanitized, secret_detail,
};

const SECRET_NAME_MAX_LENGTH: usize = 195;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateSecretRequestV2 {
    name: Option<String>,
    content: Option<String>,
    description: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    expiry: Option<i64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    owner: Option<String>,
    groups: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartialUpdateSecretRequestV2 {
    #[serde(default)]
    content_present: bool,
    content: Option<String>,
    #[serde(default)]
    description_present: bool,
    description: Option<String>,
    #[serde(default)]
    metadata_present: bool,
    metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    expiry_present: bool,
    expiry: Option<i64>,
    #[serde(default)]
    type_present: bool,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    owner_present: bool,
    owner: Option<String>,
}

fn check_name(name: &str) -> Result<(), KwError> {
    if name.starts_with('.') {
        return Err(KwError::BadRequest(format!(
            "secret cannot be created with name `{name}` - secret names cannot begin with a period"
        )));
    }
    if name.chars().count() > SECRET_NAME_MAX_LENGTH {
        return Err(KwError::BadRequest(format!(
            "secret cannot be created with name `{name}` - secret names must be {SECRET_NAME_MAX_LENGTH} characters or less"
        )));
    }
    if !valid_name(name) {
        return Err(KwError::BadRequest(format!(
            "secret cannot be created with name `{name}` - secret names must match ^[a-zA-Z_0-9\\-.:]+$"
        )));
    }
    Ok(())
}

/// The owner group a request names, as `SecretDAO.getOwnerId` reads it: a
/// missing or empty name is no owner; any other name must be an existing
/// group (else Keywhiz throws "Unknown owner" → 500).
fn owner_of(state: &Model, owner: Option<String>) -> Result<Option<String>, KwError> {
    match owner.filter(|o| !o.is_empty()) {
        Some(o) if !state.groups.contains_key(&o) => Err(KwError::Internal),
        other => Ok(other),
    }
}

struct NewContent {
    content: String,
    metadata: BTreeMap<String, String>,
    expiry: i64,
}

impl NewContent {
    /// The version a create request writes: its (checked) content, metadata and expiry.
    fn of(content: String, req: &CreateSecretRequestV2) -> Self {
        Self {
            content,
            metadata: req.metadata.clone().unwrap_or_default(),
            expiry: req.expiry.unwrap_or(0),
        }
    }
}

/// Append a version and make it current.
fn add_version(
    app: &AppState,
    state: &mut Model,
    name: &str,
    by: &Client,
    c: NewContent,
) -> Result<(), KwError> {
    let id = state.next_id();
    let t = now();
    let checksum = app.checksum(&c.content);
    let secret = state.secrets.get_mut(name).ok_or(KwError::NotFound)?;
    secret.versions.push(SecretVersion {
        id,
        content: c.content,
        checksum,
        metadata: c.metadata,
        expiry: c.expiry,
        created_at: t,
        created_by: by.name.clone(),
    });
    secret.current = Some(id);
    secret.updated_at = t;
    secret.updated_by = by.name.clone();
    Ok(())
}

fn new_series(
    state: &mut Model,
    name: &str,
    by: &Client,
    description: String,
    kind: String,
    owner: Option<String>,
) {
    let t = now();
    let id = state.next_id();
    state.secrets.insert(
        name.to_owned(),
        Secret {
            id,
            name: name.to_owned(),
            owner,
            description,
            kind,
            created_at: t,
            created_by: by.name.clone(),
            updated_at: t,
            updated_by: by.name.clone(),
            current: None,
            groups: BTreeSet::new(),
            versions: Vec::new(),
        },
    );
}

/// A create request as Keywhiz checks it: the body, then the name (the body's, or the
/// path's), the content and the name's rules.
fn checked_create(
    body: &Bytes,
    path_name: Option<String>,
) -> Result<(String, CreateSecretRequestV2, NewContent), KwError> {
    let req: CreateSecretRequestV2 = parse(body)?;
    let name = match path_name {
        Some(name) => name,
        None => required_name(req.name.clone())?,
    };
    let version = NewContent::of(check_content(req.content.as_deref())?, &req);
    check_name(&name)?;
    Ok((name, req, version))
}

/// Writes `version` as the current one of secret `name`: a new series if there is
/// none; else the series' description and type replaced, and its owner when the
/// request names one (no owner in the request keeps the secret's owner).
fn write(
    app: &AppState,
    state: &mut Model,
    name: &str,
    by: &Client,
    req: CreateSecretRequestV2,
    version: NewContent,
) -> Result<(), KwError> {
    let owner = owner_of(state, req.owner)?;
    let description = req.description.unwrap_or_default();
    let kind = req.kind.unwrap_or_default();
    match state.secrets.get_mut(name) {
        Some(s) => {
            s.description = description;
            s.kind = kind;
            if owner.is_some() {
                s.owner = owner;
            }
        }
        None => new_series(state, name, by, description, kind, owner),
    }
    add_version(app, state, name, by, version)
}

/// `POST /automation/v2/secrets`: 409 if the name exists; grants the named groups.
pub async fn create(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, KwError> {
    let (name, mut req, version) = checked_create(&body, None)?;
    app.mutate(|state| {
        if state.secrets.contains_key(&name) {
            return Err(KwError::Conflict(format!("Cannot create secret {name}.")));
        }
        let groups = state.known_groups(req.groups.take().unwrap_or_default());
        write(&app, state, &name, &caller, req, version)?;
        if let Some(s) = state.secrets.get_mut(&name) {
            s.groups.extend(groups);
        }
        Ok(())
    })?;
    Ok(created(&headers, SECRETS, &name))
}

/// `POST /automation/v2/secrets/{name}`: always writes a new version.
pub async fn create_or_update(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, KwError> {
    let (name, req, version) = checked_create(&body, Some(name))?;
    app.mutate(|state| write(&app, state, &name, &caller, req, version))?;
    Ok(created(&headers, SECRETS, &name))
}

/// `POST /automation/v2/secrets/{name}/partialupdate`.
pub async fn partial_update(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: PartialUpdateSecretRequestV2 = parse(&body)?;
    let content = if req.content_present {
        Some(check_content(req.content.as_deref())?)
    } else {
        None
    };
    app.mutate(|state| {
        // `ownerPresent` with no (or an empty) owner clears it.
        let owner = if req.owner_present {
            Some(owner_of(state, req.owner)?)
        } else {
            None
        };
        let secret = state.secrets.get_mut(&name).ok_or(KwError::NotFound)?;
        let current = secret.current_version().cloned().ok_or(KwError::NotFound)?;
        if req.description_present {
            secret.description = req.description.unwrap_or_default();
        }
        if req.type_present {
            secret.kind = req.kind.unwrap_or_default();
        }
        if let Some(owner) = owner {
            secret.owner = owner;
        }
        let next = NewContent {
            content: content.unwrap_or(current.content),
            metadata: if req.metadata_present {
                req.metadata.unwrap_or_default()
            } else {
                current.metadata
            },
            expiry: if req.expiry_present {
                req.expiry.unwrap_or(0)
            } else {
                current.expiry
            },
        };
        add_version(&app, state, &name, &caller, next)
    })?;
    Ok(created(&headers, SECRETS, &name))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    idx: Option<i64>,
    num: Option<i64>,
    newest_first: Option<bool>,
}

fn listing<'a>(state: &'a Model, q: &ListQuery) -> Result<Vec<&'a Secret>, KwError> {
    let mut all: Vec<&Secret> = state
        .secrets
        .values()
        .filter(|s| s.current.is_some())
        .collect();
    match (q.idx, q.num) {
        (Some(idx), Some(num)) => {
            if idx < 0 || num < 0 {
                return Err(KwError::BadRequest(format!(
                    "Index {idx} and num {num} must both be positive when retrieving batched secrets!"
                )));
            }
            all.sort_by_key(|s| (s.created_at, s.id));
            if q.newest_first.unwrap_or(true) {
                all.reverse();
            }
            let idx = usize::try_from(idx).unwrap_or(usize::MAX);
            let num = usize::try_from(num).unwrap_or(usize::MAX);
            Ok(all.into_iter().skip(idx).take(num).collect())
        }
        _ => Ok(all),
    }
}

/// Each secret of a listing as `view` shows it.
fn each(secrets: Vec<&Secret>, view: fn(&Secret) -> Value) -> Vec<Value> {
    secrets.into_iter().map(view).collect()
}

/// `GET /automation/v2/secrets`: names.
pub async fn list(
    State(app): State<AppState>,
    _: AutomationClient,
    Query(q): Query<ListQuery>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(each(listing(state, &q)?, name_only)))
}

/// `GET /automation/v2/secrets/v2`: `SanitizedSecret`s.
pub async fn list_v2(
    State(app): State<AppState>,
    _: AutomationClient,
    Query(q): Query<ListQuery>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(each(listing(state, &q)?, sanitized)))
}

fn current<'a>(state: &'a Model, name: &str) -> Result<&'a Secret, KwError> {
    state
        .secrets
        .get(name)
        .filter(|s| s.current.is_some())
        .ok_or(KwError::NotFound)
}

/// `GET` (and `HEAD`) `/automation/v2/secrets/{name}`.
pub async fn get_one(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(secret_detail(current(state, &name)?, None)))
}

/// `GET /automation/v2/secrets/{name}/sanitized`.
pub async fn get_sanitized(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(sanitized(current(state, &name)?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionsQuery {
    version_idx: Option<usize>,
    num_versions: Option<usize>,
}

/// `GET /automation/v2/secrets/{name}/versions`: newest first; none → 404.
pub async fn versions(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
    Query(q): Query<VersionsQuery>,
) -> Result<Response, KwError> {
    app.read(|state| {
        let secret = state.secrets.get(&name).ok_or(KwError::NotFound)?;
        let out: Vec<Value> = secret
            .versions
            .iter()
            .rev()
            .skip(q.version_idx.unwrap_or(0))
            .take(q.num_versions.unwrap_or(0))
            .map(|v| secret_detail(secret, Some(v.id)))
            .collect();
        if out.is_empty() {
            return Err(KwError::NotFound);
        }
        Ok(out)
    })
}

#[derive(Deserialize)]
struct SetVersionRequest {
    version: Option<u64>,
}

/// `POST /automation/v2/secrets/{name}/setversion`.
pub async fn set_version(
    State(app): State<AppState>,
    AutomationClient(caller): AutomationClient,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: SetVersionRequest = parse(&body)?;
    app.mutate(|state| {
        let secret = state.secrets.get_mut(&name).ok_or(KwError::NotFound)?;
        let version = req.version.unwrap_or(0);
        if !secret.versions.iter().any(|v| v.id == version) {
            return Err(KwError::BadRequest(format!(
                "Unknown version {version} for secret {name}"
            )));
        }
        secret.current = Some(version);
        secret.updated_at = now();
        secret.updated_by = caller.name.clone();
        Ok(())
    })?;
    Ok(StatusCode::CREATED.into_response())
}

/// `GET /automation/v2/secrets/{name}/groups`.
pub async fn groups(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
) -> Result<Response, KwError> {
    app.read(|state| Ok(current(state, &name)?.groups.clone()))
}

/// `PUT /automation/v2/secrets/{name}/groups`: returns the resulting groups.
pub async fn modify_groups(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: ModifyGroupsRequestV2 = parse(&body)?;
    let groups = app.mutate(|state| {
        let groups = req.applied(state, &current(state, &name)?.groups);
        let secret = state.secrets.get_mut(&name).ok_or(KwError::NotFound)?;
        secret.groups = groups.clone();
        Ok(groups)
    })?;
    Ok(ok(groups))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteQuery {
    deletion_mode: Option<String>,
}

/// `DELETE /automation/v2/secrets/{name}?deletionMode=soft|hard`: 204. Both modes
/// remove the secret from every listing and its grants (soft-deleted copies are not kept).
pub async fn delete(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(name): Path<String>,
    Query(q): Query<DeleteQuery>,
) -> Result<Response, KwError> {
    match q.deletion_mode.as_deref() {
        None | Some("soft") | Some("hard") => {}
        Some(other) => {
            return Err(KwError::BadRequest(format!(
                "Unknown deletion mode {other}"
            )));
        }
    }
    app.mutate(|state| state.secrets.remove(&name).ok_or(KwError::NotFound))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct SecretContentsRequestV2 {
    secrets: Option<Vec<String>>,
}

/// `POST /automation/v2/secrets/request/contents`.
pub async fn contents(
    State(app): State<AppState>,
    _: AutomationClient,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: SecretContentsRequestV2 = parse(&body)?;
    let state = app.lock()?;
    let mut success = BTreeMap::new();
    let mut missing = Vec::new();
    for name in req.secrets.unwrap_or_default() {
        match state.secrets.get(&name).and_then(|s| s.current_version()) {
            Some(v) => {
                success.insert(name, delivered_content(&v.content));
            }
            None => missing.push(name),
        }
    }
    Ok(ok(
        json!({"successSecrets": success, "missingSecrets": missing}),
    ))
}

#[derive(Deserialize)]
struct ContentsAtVersionRequest {
    secret: Option<String>,
    version: Option<u64>,
}

/// `POST /automation/v2/secrets/request/contents-at-version`.
pub async fn contents_at_version(
    State(app): State<AppState>,
    _: AutomationClient,
    body: Bytes,
) -> Result<Response, KwError> {
    let req: ContentsAtVersionRequest = parse(&body)?;
    let state = app.lock()?;
    let secret = state
        .secrets
        .get(req.secret.as_deref().unwrap_or_default())
        .ok_or(KwError::NotFound)?;
    let version = secret
        .versions
        .iter()
        .find(|v| Some(v.id) == req.version)
        .ok_or(KwError::NotFound)?;
    Ok(ok(json!({"secret": delivered_content(&version.content)})))
}

fn expiring(state: &Model, before: i64) -> Vec<&Secret> {
    let t = now();
    let mut out: Vec<&Secret> = state
        .secrets
        .values()
        .filter(|s| {
            s.current_version()
                .is_some_and(|v| v.expiry != 0 && t <= v.expiry && v.expiry < before)
        })
        .collect();
    out.sort_by_key(|s| {
        (
            s.current_version().map(|v| v.expiry).unwrap_or(0),
            s.name.clone(),
        )
    });
    out
}

/// `GET /automation/v2/secrets/expiring/{time}`: names with `now <= expiry < time`.
pub async fn expiring_names(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(time): Path<String>,
) -> Result<Response, KwError> {
    let time: i64 = time.parse().map_err(|_| KwError::NotFound)?;
    app.read(|state| Ok(each(expiring(state, time), name_only)))
}

/// `GET /automation/v2/secrets/expiring/v2/{time}`: `SanitizedSecret`s.
pub async fn expiring_v2(
    State(app): State<AppState>,
    _: AutomationClient,
    Path(time): Path<String>,
) -> Result<Response, KwError> {
    let time: i64 = time.parse().map_err(|_| KwError::NotFound)?;
    app.read(|state| Ok(each(expiring(state, time), sanitized)))
}
