//! JSON views of apps and functions, and request bodies.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::RegError;
use crate::model::{etag, Account, App, Function};

pub fn app_view(app: &App, trust_domain: &str) -> Value {
    json!({
        "name": app.name,
        "spiffe_id": format!("spiffe://{trust_domain}/{}", app.name),
        "accounts": app.accounts,
        "certificate_generation": app.certificate_generation,
        "etag": etag(app.revision),
        "created_at": app.created_at,
        "updated_at": app.updated_at,
        "updated_by": app.updated_by,
    })
}

pub fn function_view(app: &str, f: &Function) -> Value {
    json!({
        "id": format!("{app}/{}/{}", f.account_id, f.function_name),
        "app": app,
        "account_id": f.account_id,
        "environment": f.environment,
        "function_name": f.function_name,
        "role_name": f.role_name,
        "etag": etag(f.revision),
        "created_at": f.created_at,
        "updated_at": f.updated_at,
        "updated_by": f.updated_by,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub certificate_generation: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    pub environment: String,
    pub role_name: String,
}

pub fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RegError> {
    serde_json::from_slice(body)
        .map_err(|e| RegError::BadRequest(format!("invalid JSON body: {e}")))
}
