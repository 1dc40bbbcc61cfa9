//! Keywhiz-specific admin routes (plain-HTTP admin port):
//!
//! | Method | Path | Body | Answer |
//! |---|---|---|---|
//! | GET | `/__admin/state` | – | the model; secret contents replaced by `"<redacted>"` |
//! | POST | `/__admin/automation-clients` | `{"name","spiffe_id"?}` | 201 `{"name","cert_path","key_path","ca_path"}` |

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mock_common::{ClientIdentity, IdentitySpec, TestPki};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::seed::{upsert_client, SeedClient};
use crate::AutomationClientSpec;

#[derive(Clone)]
struct AdminState {
    app: AppState,
    pki: Arc<TestPki>,
}

pub fn router(app: AppState, pki: Arc<TestPki>) -> Router {
    Router::new()
        .route("/__admin/state", get(state))
        .route("/__admin/automation-clients", post(add))
        .with_state(AdminState { app, pki })
}

/// Register (or upgrade) an automation client and mint its certificate.
pub fn add_automation_client(
    app: &AppState,
    pki: &TestPki,
    spec: &AutomationClientSpec,
) -> anyhow::Result<ClientIdentity> {
    app.mutate(|state| {
        upsert_client(
            state,
            &SeedClient {
                name: spec.name.clone(),
                spiffe_id: spec.spiffe_id.clone(),
                automation: true,
                ..Default::default()
            },
        );
        Ok(())
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(pki.mint(&IdentitySpec {
        name: spec.name.clone(),
        cn: Some(spec.name.clone()),
        spiffe_id: spec.spiffe_id.clone(),
        ..Default::default()
    })?)
}

async fn state(State(s): State<AdminState>) -> Response {
    let Ok(mut snapshot) = s.app.snapshot() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    for secret in snapshot.secrets.values_mut() {
        for v in &mut secret.versions {
            v.content = "<redacted>".into();
        }
    }
    snapshot.base_key_hex = "<redacted>".into();
    Json(snapshot).into_response()
}

#[derive(Deserialize)]
struct AddRequest {
    name: String,
    #[serde(default, alias = "spiffeId")]
    spiffe_id: Option<String>,
}

async fn add(State(s): State<AdminState>, body: Bytes) -> Response {
    let req: AddRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": e.to_string()})),
            )
                .into_response()
        }
    };
    let spec = AutomationClientSpec {
        name: req.name,
        spiffe_id: req.spiffe_id,
    };
    match add_automation_client(&s.app, &s.pki, &spec) {
        Ok(id) => (StatusCode::CREATED, Json(id)).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("{e:#}")})),
        )
            .into_response(),
    }
}
