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

/// A Registry object as the Registry returns it: the object's own fields
/// (`T`) and the bookkeeping every object carries. Reads of the object's
/// fields go through it (`app.accounts`), so a caller sees one value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Record<T> {
    #[serde(flatten)]
    pub value: T,
    /// The ETag the object was read or written at (the answer's `ETag`
    /// header; each item of a listing carries its own).
    pub etag: String,
    /// Epoch seconds.
    #[serde(default)]
    pub created_at: i64,
    /// Epoch seconds.
    #[serde(default)]
    pub updated_at: i64,
    /// The SPIFFE ID of the last writer.
    #[serde(default)]
    pub updated_by: Option<String>,
}

impl<T> std::ops::Deref for Record<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Record<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// An app as the Registry returns it.
pub type App = Record<AppFields>;

/// An app's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppFields {
    pub name: String,
    #[serde(default)]
    pub spiffe_id: Option<String>,
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub certificate_generation: bool,
}

/// What a client writes for a function (account and name are in the path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionSpec {
    pub environment: Environment,
    pub role_name: String,
}

/// A registered Lambda function.
pub type Function = Record<FunctionFields>;

/// A function's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FunctionFields {
    /// `<app>/<account_id>/<function_name>`.
    pub id: String,
    pub app: String,
    pub account_id: String,
    pub environment: Environment,
    pub function_name: String,
    pub role_name: String,
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
    fn a_record_reads_its_bookkeeping_beside_the_object_s_own_fields() {
        let app: App = serde_json::from_str(
            r#"{"name":"payments","accounts":[{"account_id":"111122223333","environment":"staging"}],
                "certificate_generation":true,"etag":"\"42\"","created_at":1,"updated_at":2,
                "updated_by":"spiffe://example.internal/ci/payments"}"#,
        )
        .expect("app");
        assert_eq!(app.name, "payments");
        assert!(app.certificate_generation);
        assert_eq!(app.accounts[0].environment, Environment::Staging);
        assert_eq!(
            (app.etag.as_str(), app.created_at, app.updated_at),
            ("\"42\"", 1, 2)
        );
        assert_eq!(
            app.updated_by.as_deref(),
            Some("spiffe://example.internal/ci/payments")
        );
        // A listing item without its ETag is not a record.
        assert!(serde_json::from_str::<App>(r#"{"name":"a","accounts":[]}"#).is_err());
    }

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
