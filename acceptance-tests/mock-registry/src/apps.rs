//! `/v1/apps` handlers.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use mock_common::ConnInfo;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::access::{caller, check, may_write, precondition, Precondition, Shared};
use crate::error::RegError;
use crate::model::{etag, normalise_accounts, now, valid_app, App, State as Model};
use crate::wire::{app_view, parse, AppSpec};

pub fn app_name(name: &str) -> Result<(), RegError> {
    if valid_app(name) {
        Ok(())
    } else {
        Err(RegError::BadRequest(format!(
            "app name {name:?} must be a DNS label (^[a-z][a-z0-9-]{{0,62}}$, no trailing '-')"
        )))
    }
}

/// A JSON answer with an `ETag` header.
pub fn with_etag(status: StatusCode, body: Value, revision: u64) -> Response {
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(revision)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// The answer to a PUT: 201 with a `Location` when it created `location`, else 200;
/// the written object with its `ETag` either way.
pub fn written(created: bool, body: Value, revision: u64, location: &str) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = with_etag(status, body, revision);
    if created {
        if let Ok(v) = HeaderValue::from_str(location) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    resp
}

/// A DELETE's precondition: `If-Match` (or none), never `If-None-Match`.
pub fn delete_precondition(headers: &HeaderMap) -> Result<Precondition, RegError> {
    let pre = precondition(headers)?;
    if pre == Precondition::Create {
        return Err(RegError::BadRequest(
            "DELETE takes If-Match, not If-None-Match".into(),
        ));
    }
    Ok(pre)
}

#[derive(Deserialize)]
pub struct ListQuery {
    certificate_generation: Option<String>,
}

impl ListQuery {
    /// The apps a listing shows: all, or those whose `certificate_generation` is the
    /// one asked for.
    pub fn selected<'a>(
        &self,
        state: &'a Model,
    ) -> Result<impl Iterator<Item = &'a App>, RegError> {
        let filter = match self.certificate_generation.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(RegError::BadRequest(format!(
                    "certificate_generation must be true or false, got {other:?}"
                )))
            }
        };
        Ok(state
            .apps
            .values()
            .filter(move |a| filter.is_none_or(|f| a.certificate_generation == f)))
    }
}

/// 404 for an app that is not registered.
pub fn app_not_found(app: &str) -> RegError {
    RegError::NotFound(format!("app {app} not found"))
}

pub async fn list(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, RegError> {
    caller(conn.as_deref())?;
    let state = s.lock()?;
    let apps: Vec<Value> = q
        .selected(&state)?
        .map(|a| app_view(a, &s.authz.trust_domain))
        .collect();
    Ok(Json(json!({ "apps": apps })).into_response())
}

pub async fn get_one(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path(name): Path<String>,
) -> Result<Response, RegError> {
    caller(conn.as_deref())?;
    app_name(&name)?;
    let state = s.lock()?;
    let app = state.apps.get(&name).ok_or_else(|| app_not_found(&name))?;
    Ok(with_etag(
        StatusCode::OK,
        app_view(app, &s.authz.trust_domain),
        app.revision,
    ))
}

pub async fn put(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, RegError> {
    let who = caller(conn.as_deref())?;
    app_name(&name)?;
    let writer = may_write(&s.authz, &who, &name)?;
    let pre = precondition(&headers)?;
    let spec: AppSpec = parse(&body)?;
    let (created, app) = s.mutate(|state| {
        let current = state.apps.get(&name).map(|a| a.revision);
        check(&format!("app {name}"), &pre, current)?;
        let accounts = normalise_accounts(&spec.accounts).map_err(RegError::Unprocessable)?;
        let t = now();
        let rev = state.bump();
        let created = pre == Precondition::Create;
        let app = match state.apps.get_mut(&name) {
            Some(app) => {
                let orphaned: Vec<&str> = app
                    .functions
                    .values()
                    .filter(|f| !accounts.iter().any(|a| a.account_id == f.account_id))
                    .map(|f| f.account_id.as_str())
                    .collect();
                if let Some(acc) = orphaned.first() {
                    return Err(RegError::Conflict(format!(
                        "account {acc} of app {name} still has registered functions"
                    )));
                }
                let env_changed = app.functions.values().find(|f| {
                    accounts
                        .iter()
                        .any(|a| a.account_id == f.account_id && a.environment != f.environment)
                });
                if let Some(f) = env_changed {
                    return Err(RegError::Conflict(format!(
                        "account {} of app {name} has functions registered as {}",
                        f.account_id, f.environment
                    )));
                }
                app.accounts = accounts;
                app.certificate_generation = spec.certificate_generation;
                app.revision = rev;
                app.updated_at = t;
                app.updated_by = writer.clone();
                app.clone()
            }
            None => {
                let app = App {
                    name: name.clone(),
                    accounts,
                    certificate_generation: spec.certificate_generation,
                    revision: rev,
                    created_at: t,
                    updated_at: t,
                    updated_by: writer.clone(),
                    functions: BTreeMap::new(),
                };
                state.apps.insert(name.clone(), app.clone());
                app
            }
        };
        Ok((created, app))
    })?;
    Ok(written(
        created,
        app_view(&app, &s.authz.trust_domain),
        app.revision,
        &format!("/v1/apps/{name}"),
    ))
}

pub async fn delete(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, RegError> {
    let who = caller(conn.as_deref())?;
    app_name(&name)?;
    may_write(&s.authz, &who, &name)?;
    let pre = delete_precondition(&headers)?;
    s.mutate(|state| {
        check(
            &format!("app {name}"),
            &pre,
            state.apps.get(&name).map(|a| a.revision),
        )?;
        if state
            .apps
            .get(&name)
            .is_some_and(|a| !a.functions.is_empty())
        {
            return Err(RegError::Conflict(format!(
                "app {name} still has registered functions; delete them first"
            )));
        }
        state.apps.remove(&name);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
