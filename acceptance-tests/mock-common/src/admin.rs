//! The admin API: plain HTTP on its own loopback port, all under `/__admin/`.
//! It is not part of the mocked wire API and takes no faults.
//!
//! | Method | Path | Body | Answer |
//! |---|---|---|---|
//! | GET | `/__admin/health` | – | `{"status":"ok"}` |
//! | GET | `/__admin/requests` | – | `[{"method","path","caller","status","fault"?}]` |
//! | DELETE | `/__admin/requests` | – | 204; clears the log and the counters |
//! | GET | `/__admin/counters` | – | `{"total","by_status","by_route","faults","handshake_failures"}` |
//! | GET | `/__admin/faults` | – | the fault settings |
//! | PUT | `/__admin/faults` | fault settings (missing fields = off) | 200 new settings, with their seed; 400 if invalid |
//! | POST | `/__admin/identities` | `{"name","cn"?,"spiffe_id"?,"extra_uris"?,"valid_days"?}` | 201 `{"name","cert_path","key_path","ca_path"}` |

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::controls::Controls;
use crate::faults::Faults;
use crate::pki::{IdentitySpec, TestPki};

#[derive(Clone)]
struct AdminState {
    controls: Arc<Controls>,
    pki: Arc<TestPki>,
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

pub(crate) fn router(controls: Arc<Controls>, pki: Arc<TestPki>) -> Router {
    Router::new()
        .route(
            "/__admin/health",
            get(|| async { Json(json!({"status":"ok"})) }),
        )
        .route("/__admin/requests", get(requests).delete(clear))
        .route("/__admin/counters", get(counters))
        .route("/__admin/faults", get(get_faults).put(put_faults))
        .route("/__admin/identities", post(mint))
        .with_state(AdminState { controls, pki })
}

async fn requests(State(s): State<AdminState>) -> Response {
    Json(s.controls.log().entries()).into_response()
}

async fn clear(State(s): State<AdminState>) -> StatusCode {
    s.controls.log().clear();
    StatusCode::NO_CONTENT
}

async fn counters(State(s): State<AdminState>) -> Response {
    Json(s.controls.log().counters()).into_response()
}

async fn get_faults(State(s): State<AdminState>) -> Response {
    Json(s.controls.faults()).into_response()
}

async fn put_faults(State(s): State<AdminState>, body: axum::body::Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_request(e.to_string()),
    };
    match s.controls.set_faults(faults) {
        // The settings in force, with the seed the draws come from.
        Ok(()) => Json(s.controls.faults()).into_response(),
        Err(e) => bad_request(e),
    }
}

async fn mint(State(s): State<AdminState>, body: axum::body::Bytes) -> Response {
    let spec: IdentitySpec = match serde_json::from_slice(&body) {
        Ok(spec) => spec,
        Err(e) => return bad_request(e.to_string()),
    };
    let pki = s.pki.clone();
    match tokio::task::spawn_blocking(move || pki.mint(&spec)).await {
        Ok(Ok(id)) => (StatusCode::CREATED, Json(id)).into_response(),
        Ok(Err(e)) => bad_request(e.to_string()),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
