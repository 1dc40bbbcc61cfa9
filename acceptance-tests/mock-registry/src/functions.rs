//! `/v1/apps/{app}/functions` handlers.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use mock_common::ConnInfo;
use serde_json::{json, Value};

use crate::access::{caller, check, may_write, precondition, Precondition, Shared};
use crate::apps::{app_name, app_not_found, delete_precondition, with_etag, written, ListQuery};
use crate::error::RegError;
use crate::model::{now, valid_account, valid_function, valid_role, Function};
use crate::wire::{function_view, parse, FunctionSpec};

fn path_ok(app: &str, account: &str, function: &str) -> Result<(), RegError> {
    app_name(app)?;
    if !valid_account(account) {
        return Err(RegError::BadRequest(format!(
            "account id {account:?} must be 12 digits"
        )));
    }
    if !valid_function(function) {
        return Err(RegError::BadRequest(format!(
            "function name {function:?} must match ^[A-Za-z0-9_-]{{1,64}}$"
        )));
    }
    Ok(())
}

pub async fn list(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path(app): Path<String>,
) -> Result<Response, RegError> {
    caller(conn.as_deref())?;
    app_name(&app)?;
    let state = s.lock()?;
    let a = state.apps.get(&app).ok_or_else(|| app_not_found(&app))?;
    let functions: Vec<Value> = a
        .functions
        .values()
        .map(|f| function_view(&app, f))
        .collect();
    Ok(Json(json!({ "app": app, "functions": functions })).into_response())
}

/// `GET /v1/functions[?certificate_generation=true]`: every app's functions
/// in one call, sorted by id (what the certificate issuer needs per run).
pub async fn list_all(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, RegError> {
    caller(conn.as_deref())?;
    let state = s.lock()?;
    let functions: Vec<Value> = q
        .selected(&state)?
        .flat_map(|a| a.functions.values().map(|f| function_view(&a.name, f)))
        .collect();
    Ok(Json(json!({ "functions": functions })).into_response())
}

pub async fn get_one(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path((app, account, function)): Path<(String, String, String)>,
) -> Result<Response, RegError> {
    caller(conn.as_deref())?;
    path_ok(&app, &account, &function)?;
    let state = s.lock()?;
    let a = state.apps.get(&app).ok_or_else(|| app_not_found(&app))?;
    let f = a
        .functions
        .get(&format!("{account}/{function}"))
        .ok_or_else(|| {
            RegError::NotFound(format!("function {app}/{account}/{function} not found"))
        })?;
    Ok(with_etag(
        StatusCode::OK,
        function_view(&app, f),
        f.revision,
    ))
}

pub async fn put(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path((app, account, function)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, RegError> {
    let who = caller(conn.as_deref())?;
    path_ok(&app, &account, &function)?;
    let writer = may_write(&s.authz, &who, &app)?;
    let pre = precondition(&headers)?;
    let spec: FunctionSpec = parse(&body)?;
    let key = format!("{account}/{function}");
    let id = format!("{app}/{key}");
    let f = s.mutate(|state| {
        let rev = state.bump();
        let a = state
            .apps
            .get_mut(&app)
            .ok_or_else(|| app_not_found(&app))?;
        check(
            &format!("function {id}"),
            &pre,
            a.functions.get(&key).map(|f| f.revision),
        )?;
        let registered = a
            .accounts
            .iter()
            .find(|x| x.account_id == account)
            .ok_or_else(|| {
                RegError::Unprocessable(format!("account {account} is not registered on app {app}"))
            })?;
        if registered.environment != spec.environment {
            return Err(RegError::Unprocessable(format!(
                "account {account} is registered as {}, not {}",
                registered.environment, spec.environment
            )));
        }
        if !valid_role(&spec.role_name) {
            return Err(RegError::Unprocessable(format!(
                "role_name {:?} must match ^[A-Za-z0-9+=,.@_-]{{1,64}}$",
                spec.role_name
            )));
        }
        let t = now();
        let created_at = a.functions.get(&key).map(|f| f.created_at).unwrap_or(t);
        let f = Function {
            account_id: account.clone(),
            environment: spec.environment.clone(),
            function_name: function.clone(),
            role_name: spec.role_name.clone(),
            revision: rev,
            created_at,
            updated_at: t,
            updated_by: writer.clone(),
        };
        a.functions.insert(key.clone(), f.clone());
        Ok(f)
    })?;
    Ok(written(
        pre == Precondition::Create,
        function_view(&app, &f),
        f.revision,
        &format!("/v1/apps/{app}/functions/{key}"),
    ))
}

pub async fn delete(
    State(s): State<Shared>,
    conn: Option<Extension<ConnInfo>>,
    Path((app, account, function)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, RegError> {
    let who = caller(conn.as_deref())?;
    path_ok(&app, &account, &function)?;
    may_write(&s.authz, &who, &app)?;
    let pre = delete_precondition(&headers)?;
    let key = format!("{account}/{function}");
    s.mutate(|state| {
        let a = state
            .apps
            .get_mut(&app)
            .ok_or_else(|| app_not_found(&app))?;
        check(
            &format!("function {app}/{key}"),
            &pre,
            a.functions.get(&key).map(|f| f.revision),
        )?;
        a.functions.remove(&key);
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
