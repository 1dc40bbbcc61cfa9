//! Shared handler state, persistence and Keywhiz's client authentication.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use mock_common::{CallerIdentity, ConnInfo, JsonStore};
use serde::Serialize;

use crate::checksum;
use crate::error::KwError;
use crate::model::{Client, State};
use crate::time::now;
use crate::wire::ok;

/// Handler state: the model behind a mutex, and where to persist it.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Mutex<State>>,
    store: Arc<JsonStore>,
    hmac_key: [u8; 32],
}

impl AppState {
    pub fn new(state: State, store: JsonStore) -> Self {
        let hmac_key = checksum::derive_key(&state.base_key());
        Self {
            inner: Arc::new(Mutex::new(state)),
            store: Arc::new(store),
            hmac_key,
        }
    }

    pub fn lock(&self) -> Result<MutexGuard<'_, State>, KwError> {
        self.inner.lock().map_err(|_| KwError::Internal)
    }

    /// Checksum of content (base64 string) under this instance's key.
    pub fn checksum(&self, content_b64: &str) -> String {
        checksum::checksum(&self.hmac_key, content_b64)
    }

    /// Answer a read: `view` of the model, as JSON.
    pub fn read<T: Serialize>(
        &self,
        view: impl FnOnce(&State) -> Result<T, KwError>,
    ) -> Result<Response, KwError> {
        let state = self.lock()?;
        Ok(ok(view(&state)?))
    }

    /// Run a change; persist the state if it succeeded.
    pub fn mutate<T>(
        &self,
        change: impl FnOnce(&mut State) -> Result<T, KwError>,
    ) -> Result<T, KwError> {
        let mut state = self.lock()?;
        let out = change(&mut state)?;
        if let Err(e) = self.store.save(&*state) {
            eprintln!("mock-keywhiz: persisting state: {e:#}");
            return Err(KwError::Internal);
        }
        Ok(out)
    }

    /// A copy of the whole state (admin/debug).
    pub fn snapshot(&self) -> Result<State, KwError> {
        Ok(self.lock()?.clone())
    }
}

fn principal_name(caller: &CallerIdentity) -> String {
    caller
        .common_name
        .as_ref()
        .map(|cn| format!("CN={cn}"))
        .unwrap_or_default()
}

/// `ClientAuthenticator.authenticate`: look the client up by CN and by SPIFFE
/// ID; both found → must be the same client; none → 401; disabled → 401.
/// Records `lastSeen` and the certificate expiry.
pub fn authenticate(app: &AppState, conn: Option<&ConnInfo>) -> Result<Client, KwError> {
    let Some(caller) = conn.and_then(|c| c.caller.as_ref()) else {
        return Err(KwError::Unauthorized(
            "Not authorized as Keywhiz client".to_owned(),
        ));
    };
    let mut state = app.lock()?;
    let by_name = caller
        .common_name
        .as_deref()
        .and_then(|cn| state.clients.get(cn));
    let by_spiffe = caller
        .spiffe_id
        .as_deref()
        .and_then(|id| state.client_by_spiffe(id));
    let name = match (by_name, by_spiffe) {
        (Some(a), Some(b)) if a.name != b.name => {
            return Err(KwError::Unauthorized(format!(
                "Input principal's CN and SPIFFE ID correspond to different clients! (cn = {}, spiffe = {})",
                a.name, b.name
            )))
        }
        (Some(c), _) | (None, Some(c)) => c.name.clone(),
        (None, None) => {
            return Err(KwError::Unauthorized(format!(
                "No authorized Client for connection using principal {}",
                principal_name(caller)
            )))
        }
    };
    let client = state.clients.get_mut(&name).ok_or(KwError::Internal)?;
    client.last_seen = Some(now());
    client.expiration = caller.not_after;
    if !client.enabled {
        return Err(KwError::Unauthorized(format!(
            "No authorized Client for connection using principal {}",
            principal_name(caller)
        )));
    }
    Ok(client.clone())
}

/// Any enabled, known client (`@Auth Client`).
pub struct AuthClient(pub Client);

/// An automation client (`@Auth AutomationClient`): 403 for other clients.
pub struct AutomationClient(pub Client);

impl FromRequestParts<AppState> for AuthClient {
    type Rejection = KwError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, KwError> {
        authenticate(app, parts.extensions.get::<ConnInfo>()).map(AuthClient)
    }
}

impl FromRequestParts<AppState> for AutomationClient {
    type Rejection = KwError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, KwError> {
        let client = authenticate(app, parts.extensions.get::<ConnInfo>())?;
        if !client.automation_allowed {
            return Err(KwError::Forbidden(format!(
                "Client {} not authorized as a AutomationClient",
                client.name
            )));
        }
        Ok(AutomationClient(client))
    }
}
