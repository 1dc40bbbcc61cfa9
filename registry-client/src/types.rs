//! The Registry's JSON shapes (docs/guides/registry-api.md).

use serde::{Deserialize, Serialize};

/// Deployment environment of an account: s2s-core's, as the Registry writes
/// it (`"staging"`).
pub use s2s_core::Environment;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Account {
    pub account_id: String,
    pub environment: Environment,
}

/// What a client writes for an app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppSpec {
    pub accounts: Vec<Account>,
    pub certificate_generation: bool,
}

/// An app as the Registry returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct App {
    pub name: String,
    #[serde(default)]
    pub spiffe_id: Option<String>,
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub certificate_generation: bool,
    /// The ETag the app was read or written at (the answer's `ETag` header).
    pub etag: String,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default)]
    pub updated_by: Option<String>,
}

/// What a client writes for a function (account and name are in the path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionSpec {
    pub environment: Environment,
    pub role_name: String,
}

/// A registered Lambda function.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Function {
    /// `<app>/<account_id>/<function_name>`.
    pub id: String,
    pub app: String,
    pub account_id: String,
    pub environment: Environment,
    pub function_name: String,
    pub role_name: String,
    /// The ETag the function was read or written at (the answer's `ETag` header).
    pub etag: String,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default)]
    pub updated_by: Option<String>,
}

/// Whether the caller may change an app (`GET /v1/access/apps/{app}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Access {
    pub app: String,
    /// The caller's SPIFFE ID as Registry read it (None: the certificate has no usable one).
    #[serde(default)]
    pub identity: Option<String>,
    pub may_write: bool,
    /// Why, in Registry's words.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AppList {
    pub apps: Vec<App>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FunctionList {
    pub functions: Vec<Function>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_is_its_lowercase_name_on_the_wire() {
        assert_eq!(
            serde_json::to_string(&Environment::Staging).unwrap(),
            "\"staging\""
        );
        assert_eq!(
            serde_json::from_str::<Environment>("\"sandbox\"").unwrap(),
            Environment::Sandbox
        );
        assert!(serde_json::from_str::<Environment>("\"Staging\"").is_err());
    }
}
