//! Keywhiz's JSON shapes (camelCase). Optional fields accept `null` or absence,
//! as Keywhiz's Jackson setup may send either.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::content::SecretContent;

/// `SecretDeliveryResponse` (`GET /secrets`, `GET /secret/{name}`, `POST /batchsecret`).
/// In the `/secrets` listing `secret` is `""` and `secret_length` 0.
/// Keywhiz flattens the secret's metadata (`mode`, `owner`, `group`, `filename`, ...)
/// into the top level; it ends up in `metadata`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretDelivery {
    pub name: String,
    #[serde(default)]
    pub secret: SecretContent,
    #[serde(default)]
    pub secret_length: u64,
    #[serde(default)]
    pub checksum: String,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub update_date: Option<String>,
    #[serde(flatten)]
    pub metadata: BTreeMap<String, Value>,
}

impl SecretDelivery {
    /// A flattened metadata value, if it is a string.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }
}

/// `SecretDetailResponseV2`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretDetail {
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub checksum: String,
    #[serde(default)]
    pub created_at_seconds: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_at_seconds: i64,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Epoch seconds, 0 = none.
    #[serde(default)]
    pub expiry: i64,
    /// Globally unique version id.
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub content_created_at_seconds: Option<i64>,
    #[serde(default)]
    pub content_created_by: Option<String>,
}

/// `SanitizedSecret` (`/automation/v2/secrets/v2`, group secrets).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SanitizedSecret {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub checksum: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub expiry: i64,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub created_at_seconds: Option<i64>,
    #[serde(default)]
    pub updated_at_seconds: Option<i64>,
    #[serde(default)]
    pub content_created_at_seconds: Option<i64>,
}

/// `CreateSecretRequestV2` (`POST /automation/v2/secrets`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSecretRequest {
    pub name: String,
    pub content: SecretContent,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
    /// Epoch seconds, 0 = none.
    pub expiry: i64,
    #[serde(rename = "type")]
    pub kind: String,
    /// Owner group; must exist (Keywhiz answers 500 otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Groups to grant at creation (unknown names are ignored by Keywhiz).
    pub groups: Vec<String>,
}

/// `CreateOrUpdateSecretRequestV2` (`POST /automation/v2/secrets/{name}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrUpdateSecretRequest {
    pub content: SecretContent,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
    pub expiry: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// `{"successSecrets":{name:b64},"missingSecrets":[...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretContents {
    #[serde(default)]
    pub success_secrets: BTreeMap<String, SecretContent>,
    #[serde(default)]
    pub missing_secrets: Vec<String>,
}

/// `?deletionMode=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeletionMode {
    #[default]
    Soft,
    Hard,
}

impl DeletionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionMode::Soft => "soft",
            DeletionMode::Hard => "hard",
        }
    }
}

/// `CreateGroupRequestV2`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupRequest {
    pub name: String,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
}

/// `GroupDetailResponseV2`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetail {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at_seconds: i64,
    #[serde(default)]
    pub updated_at_seconds: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub clients: Vec<String>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub owner: Option<String>,
}

/// `CreateClientRequestV2`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClientRequest {
    pub name: String,
    pub description: String,
    pub groups: Vec<String>,
    /// `spiffe://...`; omitted when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spiffe_id: Option<String>,
}

/// `ClientDetailResponseV2`. `spiffe_id` is `""` when the client has none.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientDetail {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub spiffe_id: Option<String>,
    #[serde(default)]
    pub created_at_seconds: i64,
    #[serde(default)]
    pub updated_at_seconds: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub last_seen_seconds: Option<i64>,
    #[serde(default)]
    pub owner: Option<String>,
}

impl ClientDetail {
    /// The SPIFFE ID, `None` for both a missing field and `""`.
    pub fn spiffe_id(&self) -> Option<&str> {
        self.spiffe_id.as_deref().filter(|s| !s.is_empty())
    }
}

/// Keywhiz's `Client` model, as `GET /automation/v2/groups/{name}/clients`
/// lists the members of a group.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSummary {
    #[serde(default)]
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub spiffe_id: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub automation_allowed: bool,
}

impl ClientSummary {
    /// The SPIFFE ID, `None` for both a missing field and `""`.
    pub fn spiffe_id(&self) -> Option<&str> {
        self.spiffe_id.as_deref().filter(|s| !s.is_empty())
    }
}

/// `ModifyGroupsRequestV2` (both arrays always sent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyGroupsRequest {
    pub add_groups: Vec<String>,
    pub remove_groups: Vec<String>,
}

/// `GET /_status`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Status {
    pub status: String,
    #[serde(default)]
    pub message: Option<String>,
}
