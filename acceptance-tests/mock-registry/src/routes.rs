//! The route table (see docs/guides/registry-api.md).

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::access::Shared;
use crate::{apps, error, functions};

/// `GET /v1/access/apps/{app}`: may the caller change this app?
async fn access(
    axum::extract::State(s): axum::extract::State<Shared>,
    conn: Option<axum::Extension<mock_common::ConnInfo>>,
    axum::extract::Path(app): axum::extract::Path<String>,
) -> Result<axum::response::Response, error::RegError> {
    let who = crate::access::caller(conn.as_deref())?;
    apps::app_name(&app)?;
    let (allowed, reason) = crate::access::decide(&s.authz, &who, &app);
    Ok(axum::response::IntoResponse::into_response(Json(json!({
        "app": app,
        "identity": who.spiffe_id,
        "may_write": allowed,
        "reason": reason,
    }))))
}

pub fn router(shared: Shared) -> Router {
    Router::new()
        .route(
            "/v1/healthz",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/v1/access/apps/{app}", get(access))
        .route("/v1/apps", get(apps::list))
        .route(
            "/v1/apps/{app}",
            get(apps::get_one).put(apps::put).delete(apps::delete),
        )
        .route("/v1/apps/{app}/functions", get(functions::list))
        .route("/v1/functions", get(functions::list_all))
        .route(
            "/v1/apps/{app}/functions/{account_id}/{function_name}",
            get(functions::get_one)
                .put(functions::put)
                .delete(functions::delete),
        )
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(shared)
}
