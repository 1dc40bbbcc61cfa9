//! Handler state, persistence, who may write what, and preconditions.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{header, HeaderMap};
use mock_common::{ConnInfo, JsonStore};

use crate::error::RegError;
use crate::model::{etag, State};

/// Authorisation settings.
#[derive(Debug, Clone)]
pub struct Authz {
    pub trust_domain: String,
    /// SPIFFE IDs that may write every app.
    pub admins: Vec<String>,
}

impl Authz {
    pub fn new(trust_domain: &str) -> Self {
        Self {
            trust_domain: trust_domain.to_owned(),
            admins: vec![format!("spiffe://{trust_domain}/platform/admin")],
        }
    }

    /// The CI identity of `app`.
    pub fn ci_identity(&self, app: &str) -> String {
        format!("spiffe://{}/ci/{app}", self.trust_domain)
    }
}

#[derive(Clone)]
pub struct Shared {
    inner: Arc<Mutex<State>>,
    store: Arc<JsonStore>,
    pub authz: Arc<Authz>,
}

impl Shared {
    pub fn new(state: State, store: JsonStore, authz: Authz) -> Self {
        Self {
            inner: Arc::new(Mutex::new(state)),
            store: Arc::new(store),
            authz: Arc::new(authz),
        }
    }

    pub fn lock(&self) -> Result<MutexGuard<'_, State>, RegError> {
        self.inner.lock().map_err(|_| RegError::Internal)
    }

    /// Apply a change to a copy; commit (and persist) only if it succeeded,
    /// so a failed write changes nothing.
    pub fn mutate<T>(
        &self,
        change: impl FnOnce(&mut State) -> Result<T, RegError>,
    ) -> Result<T, RegError> {
        let mut state = self.lock()?;
        let mut next = state.clone();
        let out = change(&mut next)?;
        if let Err(e) = self.store.save(&next) {
            eprintln!("mock-registry: persisting state: {e:#}");
            return Err(RegError::Internal);
        }
        *state = next;
        Ok(out)
    }
}

/// The caller: authenticated; SPIFFE ID if usable.
pub struct Caller {
    pub spiffe_id: Option<String>,
}

pub fn caller(conn: Option<&ConnInfo>) -> Result<Caller, RegError> {
    let c = conn
        .and_then(|c| c.caller.as_ref())
        .ok_or(RegError::Unauthorized)?;
    Ok(Caller {
        spiffe_id: c.spiffe_id.clone(),
    })
}

/// 403 unless the caller is a platform admin or the app's CI identity.
pub fn may_write(authz: &Authz, caller: &Caller, app: &str) -> Result<String, RegError> {
    let (allowed, reason) = decide(authz, caller, app);
    match (&caller.spiffe_id, allowed) {
        (Some(id), true) => Ok(id.clone()),
        _ => Err(RegError::Forbidden(reason)),
    }
}

/// The one authorisation rule, with its reason in words: writes use it, and
/// `GET /v1/access/apps/{app}` reports it.
pub fn decide(authz: &Authz, caller: &Caller, app: &str) -> (bool, String) {
    let Some(id) = &caller.spiffe_id else {
        return (
            false,
            format!("a certificate without a SPIFFE ID may not change app {app}"),
        );
    };
    if authz.admins.iter().any(|a| a == id) {
        (true, format!("{id} is a platform admin"))
    } else if *id == authz.ci_identity(app) {
        (true, format!("{id} is the CI identity of app {app}"))
    } else {
        (
            false,
            format!(
                "{id} may not change app {app}: only {} (its CI identity) and platform admins may",
                authz.ci_identity(app)
            ),
        )
    }
}

/// The precondition a write carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-None-Match: *`.
    Create,
    /// `If-Match: *`.
    AnyVersion,
    /// `If-Match: "<etag>"` (one or more).
    Match(Vec<String>),
}

pub fn precondition(headers: &HeaderMap) -> Result<Precondition, RegError> {
    let get = |h| headers.get(h).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(inm) = get(header::IF_NONE_MATCH) {
        if inm == "*" {
            return Ok(Precondition::Create);
        }
        return Err(RegError::BadRequest(
            "If-None-Match supports only \"*\"".into(),
        ));
    }
    match get(header::IF_MATCH) {
        Some("*") => Ok(Precondition::AnyVersion),
        Some(list) => Ok(Precondition::Match(
            list.split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
        )),
        None => Err(RegError::PreconditionRequired(
            "writes need If-Match: <etag> (update/delete) or If-None-Match: * (create)".into(),
        )),
    }
}

/// Check a precondition against the current revision (`None` = absent).
pub fn check(what: &str, pre: &Precondition, current: Option<u64>) -> Result<(), RegError> {
    let cur = current.map(etag);
    match (pre, current) {
        (Precondition::Create, None) => Ok(()),
        (Precondition::Create, Some(_)) => Err(RegError::PreconditionFailed(
            format!("{what} already exists (If-None-Match: *)"),
            cur,
        )),
        (_, None) => Err(RegError::PreconditionFailed(
            format!("{what} does not exist"),
            None,
        )),
        (Precondition::AnyVersion, Some(_)) => Ok(()),
        (Precondition::Match(tags), Some(rev)) => {
            let want = etag(rev);
            if tags.contains(&want) {
                Ok(())
            } else {
                Err(RegError::PreconditionFailed(
                    format!(
                        "{what}: If-Match {} does not match the current ETag {want}",
                        tags.join(", ")
                    ),
                    cur,
                ))
            }
        }
    }
}
