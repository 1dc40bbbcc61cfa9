//! The route table (see acceptance-tests/registry-api.md).

use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::access::Shared;
use crate::{apps, error, functions};

pub fn router(shared: Shared) -> Router {
    Router::new()
        .route(
            "/v1/healthz",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
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
