//! The route table (same paths as Keywhiz).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::app::AppState;
use crate::{clients, delivery, error, groups, secrets};

/// The automation API's collections.
pub const SECRETS: &str = "/automation/v2/secrets";
pub const GROUPS: &str = "/automation/v2/groups";
pub const CLIENTS: &str = "/automation/v2/clients";

/// 201 with an empty body and an absolute `Location` of `name` in `collection`
/// (as Jersey resolves it).
pub fn created(headers: &HeaderMap, collection: &str, name: &str) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let mut resp = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("https://{host}{collection}/{name}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

pub fn router(app: AppState) -> Router {
    const S: &str = SECRETS;
    const G: &str = GROUPS;
    const C: &str = CLIENTS;
    Router::new()
        .route("/secrets", get(delivery::list))
        .route("/secret/{name}", get(delivery::get_one))
        .route("/batchsecret", post(delivery::batch))
        .route("/_status", get(delivery::status))
        .route(S, get(secrets::list).post(secrets::create))
        .route(&format!("{S}/v2"), get(secrets::list_v2))
        .route(&format!("{S}/request/contents"), post(secrets::contents))
        .route(
            &format!("{S}/request/contents-at-version"),
            post(secrets::contents_at_version),
        )
        .route(
            &format!("{S}/expiring/{{time}}"),
            get(secrets::expiring_names),
        )
        .route(
            &format!("{S}/expiring/v2/{{time}}"),
            get(secrets::expiring_v2),
        )
        .route(
            &format!("{S}/{{name}}"),
            get(secrets::get_one)
                .post(secrets::create_or_update)
                .delete(secrets::delete),
        )
        .route(
            &format!("{S}/{{name}}/sanitized"),
            get(secrets::get_sanitized),
        )
        .route(&format!("{S}/{{name}}/versions"), get(secrets::versions))
        .route(
            &format!("{S}/{{name}}/setversion"),
            post(secrets::set_version),
        )
        .route(
            &format!("{S}/{{name}}/partialupdate"),
            post(secrets::partial_update),
        )
        .route(
            &format!("{S}/{{name}}/groups"),
            get(secrets::groups).put(secrets::modify_groups),
        )
        .route(G, get(groups::list).post(groups::create))
        .route(
            &format!("{G}/{{name}}"),
            get(groups::get_one).delete(groups::delete),
        )
        .route(&format!("{G}/{{name}}/secrets"), get(groups::secrets))
        .route(&format!("{G}/{{name}}/clients"), get(groups::clients))
        .route(C, get(clients::list).post(clients::create))
        .route(
            &format!("{C}/{{name}}"),
            get(clients::get_one).delete(clients::delete),
        )
        .route(
            &format!("{C}/{{name}}/groups"),
            get(clients::groups).put(clients::modify_groups),
        )
        .route(&format!("{C}/{{name}}/secrets"), get(clients::secrets))
        .fallback(error::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

async fn method_not_allowed() -> Response {
    error::body(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}
