//! `KeywhizClient`: typed calls for the client delivery API and the automation v2 API.

use mtls_http::Endpoint;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::answer::seg;
use crate::error::{Error, Result};
use crate::types::*;
use crate::ClientConfig;

/// A Keywhiz client bound to one mTLS identity. Cheap to clone. To rotate the
/// certificate, build a new one (a `reqwest` identity cannot be swapped).
#[derive(Clone)]
pub struct KeywhizClient {
    endpoint: Endpoint,
}

impl std::fmt::Debug for KeywhizClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywhizClient").finish_non_exhaustive()
    }
}

const SECRETS: &str = "/automation/v2/secrets";
const GROUPS: &str = "/automation/v2/groups";
const CLIENTS: &str = "/automation/v2/clients";

impl KeywhizClient {
    pub fn new(config: &ClientConfig) -> Result<Self> {
        Ok(Self {
            endpoint: config.endpoint(concat!("s2s-keywhiz-client/", env!("CARGO_PKG_VERSION")))?,
        })
    }

    /// The certificate this client presents (for messages).
    pub fn presented(&self) -> &mtls_http::PresentedIdentity {
        self.endpoint.presented()
    }

    /// A call whose answer is JSON of type `T`.
    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        let answer = self.endpoint.json(method, &path, |r| r, body);
        answer.await.map(|(value, _headers)| value)
    }

    async fn get<T: DeserializeOwned>(&self, path: String) -> Result<T> {
        self.json(Method::GET, path, None::<&()>).await
    }

    /// A call whose answer carries nothing we read (success = any 2xx).
    async fn send(
        &self,
        method: Method,
        path: String,
        body: Option<&impl Serialize>,
    ) -> Result<()> {
        let answer = self.endpoint.send::<Error>(method, &path, |r| r, body);
        answer.await.map(|_| ())
    }

    async fn write(&self, method: Method, path: String, body: &impl Serialize) -> Result<()> {
        self.send(method, path, Some(body)).await
    }

    async fn delete(&self, path: String) -> Result<()> {
        self.send(Method::DELETE, path, None::<&()>).await
    }

    // ---- client delivery API (any enabled client) ----

    /// `GET /secrets`: the secrets this client may read, without contents.
    pub async fn list_secrets(&self) -> Result<Vec<SecretDelivery>> {
        self.get("/secrets".into()).await
    }

    /// `GET /secret/{name}`: one secret with content (403 not granted, 404 unknown).
    pub async fn get_secret(&self, name: &str) -> Result<SecretDelivery> {
        self.get(format!("/secret/{}", seg(name))).await
    }

    /// `POST /batchsecret`: several secrets with contents, all or nothing.
    /// Keywhiz answers 500 to an empty list; this returns `[]` without a request.
    pub async fn batch_secrets(&self, names: &[String]) -> Result<Vec<SecretDelivery>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        self.json(
            Method::POST,
            "/batchsecret".into(),
            Some(&json!({ "secrets": names })),
        )
        .await
    }

    /// `GET /_status`.
    pub async fn status(&self) -> Result<Status> {
        self.get("/_status".into()).await
    }

    // ---- automation v2: secrets ----

    /// `POST /automation/v2/secrets` (409 if the name exists).
    pub async fn create_secret(&self, req: &CreateSecretRequest) -> Result<()> {
        self.write(Method::POST, SECRETS.into(), req).await
    }

    /// `POST /automation/v2/secrets/{name}`: create, or write a new version.
    pub async fn create_or_update_secret(
        &self,
        name: &str,
        req: &CreateOrUpdateSecretRequest,
    ) -> Result<()> {
        self.write(Method::POST, format!("{SECRETS}/{}", seg(name)), req)
            .await
    }

    /// `GET /automation/v2/secrets/{name}` (metadata, no content).
    pub async fn secret_detail(&self, name: &str) -> Result<SecretDetail> {
        self.get(format!("{SECRETS}/{}", seg(name))).await
    }

    /// `GET /automation/v2/secrets`: all secret names.
    pub async fn list_secret_names(&self) -> Result<Vec<String>> {
        self.get(SECRETS.into()).await
    }

    /// `GET /automation/v2/secrets/v2`: all secrets, sanitized (checksums, expiry, versions).
    pub async fn list_secrets_sanitized(&self) -> Result<Vec<SanitizedSecret>> {
        self.get(format!("{SECRETS}/v2")).await
    }

    /// `GET /automation/v2/secrets/{name}/versions?versionIdx=&numVersions=`, newest first.
    pub async fn secret_versions(
        &self,
        name: &str,
        idx: u32,
        num: u32,
    ) -> Result<Vec<SecretDetail>> {
        self.get(format!(
            "{SECRETS}/{}/versions?versionIdx={idx}&numVersions={num}",
            seg(name)
        ))
        .await
    }

    /// `GET /automation/v2/secrets/{name}/groups`.
    pub async fn secret_groups(&self, name: &str) -> Result<Vec<String>> {
        self.get(format!("{SECRETS}/{}/groups", seg(name))).await
    }

    /// `PUT /automation/v2/secrets/{name}/groups`: grant/revoke; returns the resulting groups.
    pub async fn modify_secret_groups(
        &self,
        name: &str,
        req: &ModifyGroupsRequest,
    ) -> Result<Vec<String>> {
        self.json(
            Method::PUT,
            format!("{SECRETS}/{}/groups", seg(name)),
            Some(req),
        )
        .await
    }

    /// `DELETE /automation/v2/secrets/{name}?deletionMode=`.
    pub async fn delete_secret(&self, name: &str, mode: DeletionMode) -> Result<()> {
        self.delete(format!(
            "{SECRETS}/{}?deletionMode={}",
            seg(name),
            mode.as_str()
        ))
        .await
    }

    /// `POST /automation/v2/secrets/request/contents`.
    pub async fn secret_contents(&self, names: &[String]) -> Result<SecretContents> {
        self.json(
            Method::POST,
            format!("{SECRETS}/request/contents"),
            Some(&json!({ "secrets": names })),
        )
        .await
    }

    /// `GET /automation/v2/secrets/expiring/{epoch}`: names with `now <= expiry < epoch`.
    pub async fn expiring_secret_names(&self, before_epoch: i64) -> Result<Vec<String>> {
        self.get(format!("{SECRETS}/expiring/{before_epoch}")).await
    }

    // ---- automation v2: groups ----

    /// `POST /automation/v2/groups` (409 if it exists).
    pub async fn create_group(&self, req: &CreateGroupRequest) -> Result<()> {
        self.write(Method::POST, GROUPS.into(), req).await
    }

    pub async fn group(&self, name: &str) -> Result<GroupDetail> {
        self.get(format!("{GROUPS}/{}", seg(name))).await
    }

    pub async fn list_groups(&self) -> Result<Vec<String>> {
        self.get(GROUPS.into()).await
    }

    /// `GET /automation/v2/groups/{name}/secrets`.
    pub async fn group_secrets(&self, name: &str) -> Result<Vec<SanitizedSecret>> {
        self.get(format!("{GROUPS}/{}/secrets", seg(name))).await
    }

    /// `GET /automation/v2/groups/{name}/clients`: the members, with their SPIFFE IDs.
    pub async fn group_clients(&self, name: &str) -> Result<Vec<ClientSummary>> {
        self.get(format!("{GROUPS}/{}/clients", seg(name))).await
    }

    pub async fn delete_group(&self, name: &str) -> Result<()> {
        self.delete(format!("{GROUPS}/{}", seg(name))).await
    }

    // ---- automation v2: clients ----

    /// `POST /automation/v2/clients` (409 "Client name already exists.").
    pub async fn create_client(&self, req: &CreateClientRequest) -> Result<()> {
        self.write(Method::POST, CLIENTS.into(), req).await
    }

    pub async fn client(&self, name: &str) -> Result<ClientDetail> {
        self.get(format!("{CLIENTS}/{}", seg(name))).await
    }

    pub async fn list_clients(&self) -> Result<Vec<String>> {
        self.get(CLIENTS.into()).await
    }

    pub async fn client_groups(&self, name: &str) -> Result<Vec<String>> {
        self.get(format!("{CLIENTS}/{}/groups", seg(name))).await
    }

    /// `PUT /automation/v2/clients/{name}/groups`: enroll/evict; returns the resulting groups.
    pub async fn modify_client_groups(
        &self,
        name: &str,
        req: &ModifyGroupsRequest,
    ) -> Result<Vec<String>> {
        self.json(
            Method::PUT,
            format!("{CLIENTS}/{}/groups", seg(name)),
            Some(req),
        )
        .await
    }

    /// `GET /automation/v2/clients/{name}/secrets`: names the client can read.
    pub async fn client_secrets(&self, name: &str) -> Result<Vec<String>> {
        self.get(format!("{CLIENTS}/{}/secrets", seg(name))).await
    }

    pub async fn delete_client(&self, name: &str) -> Result<()> {
        self.delete(format!("{CLIENTS}/{}", seg(name))).await
    }
}
