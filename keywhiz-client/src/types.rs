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

/// Who made an object and who last changed it, and when (epoch seconds), as
/// Keywhiz's V2 detail responses carry it (`createdAtSeconds`, `createdBy`,
/// `updatedAtSeconds`, `updatedBy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Audit {
    pub created_at_seconds: i64,
    pub created_by: Option<String>,
    pub updated_at_seconds: i64,
    pub updated_by: Option<String>,
}

/// What Keywhiz tells of a secret in both its detail and its sanitized
/// form, without contents. `name` is required; the rest may be absent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretInfo {
    pub name: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub checksum: String,
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
}

/// `SecretDetailResponseV2`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretDetail {
    #[serde(flatten)]
    pub info: SecretInfo,
    #[serde(flatten)]
    pub audit: Audit,
    #[serde(default)]
    pub content_created_by: Option<String>,
}

/// `SanitizedSecret` (`/automation/v2/secrets/v2`, group secrets): its
/// dates both as text and, where Keywhiz sends them, as epoch seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SanitizedSecret {
    pub id: u64,
    #[serde(flatten)]
    pub info: SecretInfo,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub created_at_seconds: Option<i64>,
    #[serde(default)]
    pub updated_at_seconds: Option<i64>,
}

/// What a secret write carries besides its name and initial grants: the
/// fields `CreateSecretRequestV2` and `CreateOrUpdateSecretRequestV2` share.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretWrite {
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
}

/// `CreateSecretRequestV2` (`POST /automation/v2/secrets`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSecretRequest {
    pub name: String,
    #[serde(flatten)]
    pub secret: SecretWrite,
    /// Groups to grant at creation (unknown names are ignored by Keywhiz).
    pub groups: Vec<String>,
}

/// `CreateOrUpdateSecretRequestV2` (`POST /automation/v2/secrets/{name}`).
pub type CreateOrUpdateSecretRequest = SecretWrite;

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
    #[serde(flatten)]
    pub audit: Audit,
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
    #[serde(flatten)]
    pub audit: Audit,
    #[serde(default)]
    pub last_seen_seconds: Option<i64>,
    #[serde(default)]
    pub owner: Option<String>,
}

impl ClientDetail {
    /// The SPIFFE ID, `None` for both a missing field and `""`.
    pub fn spiffe_id(&self) -> Option<&str> {
        non_empty(&self.spiffe_id)
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
        non_empty(&self.spiffe_id)
    }
}

/// Keywhiz sends `""` for a client without a SPIFFE ID, or leaves it out.
fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_parts_read_their_fields_from_the_flat_wire_shape() {
        let detail: SecretDetail = serde_json::from_str(
            r#"{"name":"payments:db","owner":"payments","checksum":"C","createdAtSeconds":1,
                "createdBy":"admin","updatedAtSeconds":2,"updatedBy":null,"type":"password",
                "expiry":9,"version":7,"contentCreatedBy":"ci"}"#,
        )
        .expect("detail");
        assert_eq!(detail.info.name, "payments:db");
        assert_eq!(detail.info.owner.as_deref(), Some("payments"));
        assert_eq!(detail.info.kind.as_deref(), Some("password"));
        assert_eq!((detail.info.expiry, detail.info.version), (9, Some(7)));
        assert_eq!(
            detail.audit,
            Audit {
                created_at_seconds: 1,
                created_by: Some("admin".into()),
                updated_at_seconds: 2,
                updated_by: None,
            }
        );
        assert_eq!(detail.content_created_by.as_deref(), Some("ci"));

        let sanitized: SanitizedSecret = serde_json::from_str(
            r#"{"id":3,"name":"s","checksum":"C","createdBy":"admin","createdAtSeconds":null}"#,
        )
        .expect("sanitized");
        assert_eq!((sanitized.id, sanitized.info.name.as_str()), (3, "s"));
        assert_eq!(sanitized.created_by.as_deref(), Some("admin"));
        assert_eq!(sanitized.created_at_seconds, None);
        assert!(serde_json::from_str::<SecretDetail>(r#"{"checksum":"C"}"#).is_err());
    }

    #[test]
    fn a_create_request_is_flat_on_the_wire() {
        let request = CreateSecretRequest {
            name: "s".into(),
            secret: SecretWrite {
                content: SecretContent::from_bytes(b"x"),
                kind: "password".into(),
                ..Default::default()
            },
            groups: vec!["g".into()],
        };
        assert_eq!(
            serde_json::to_value(&request).expect("json"),
            serde_json::json!({"name":"s","content":"eA==","description":"","metadata":{},
                "expiry":0,"type":"password","groups":["g"]})
        );
    }
}
