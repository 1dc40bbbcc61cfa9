//! The certificate secrets in the app accounts, behind one trait: through
//! the writer role that the issuer assumes in each account
//! ([`SecretsManagerAccounts`], one cached session per account), or in memory
//! ([`MemoryAccounts`], for the scale simulation and unit tests). Metadata is
//! read with `DescribeSecret` only: the issuer never reads a value.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use serde::Serialize;

use crate::aws::{code, describe, retry_config, CallCounter};

/// What `DescribeSecret` tells about a secret: its tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMeta {
    pub tags: BTreeMap<String, String>,
    /// Scheduled for deletion (the issuer deletes without a window, so only
    /// someone else's delete leaves this).
    pub pending_deletion: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{account}: {operation} {secret}: {detail}")]
pub struct StoreError {
    pub account: String,
    pub operation: &'static str,
    pub secret: String,
    pub detail: String,
}

/// Writes to `s2s/<app>/tls` of one account. Every method is one API call.
#[async_trait]
pub trait Accounts: Send + Sync + std::fmt::Debug {
    async fn describe(&self, account: &str, name: &str) -> Result<Option<SecretMeta>, StoreError>;
    /// Creates the secret without a value (the policy goes on before the value).
    async fn create(
        &self,
        account: &str,
        name: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError>;
    async fn put_policy(&self, account: &str, name: &str, policy: &str) -> Result<(), StoreError>;
    /// `token` makes a retried write idempotent (`ClientRequestToken`).
    async fn put_value(
        &self,
        account: &str,
        name: &str,
        value: &str,
        token: &str,
    ) -> Result<(), StoreError>;
    async fn tag(
        &self,
        account: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// Deletes at once, without a recovery window; `Ok(false)` if it was not there.
    async fn delete(&self, account: &str, name: &str) -> Result<bool, StoreError>;
}

// ---- through the writer role ----

type Session = Arc<tokio::sync::Mutex<Option<(Instant, aws_sdk_secretsmanager::Client)>>>;

/// Secrets Manager of each app account, through `role/<writer_role>` there.
pub struct SecretsManagerAccounts {
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    writer_role: String,
    region: Option<String>,
    attempts: u32,
    counter: CallCounter,
    sessions: Mutex<HashMap<String, Session>>,
}

impl std::fmt::Debug for SecretsManagerAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsManagerAccounts")
            .field("writer_role", &self.writer_role)
            .finish_non_exhaustive()
    }
}

/// Sessions are renewed this long before they expire.
const SESSION_SLACK: Duration = Duration::from_secs(120);
const SESSION_SECS: i32 = 900;

impl SecretsManagerAccounts {
    pub fn new(
        sdk: &SdkConfig,
        writer_role: &str,
        region: Option<String>,
        attempts: u32,
        counter: &CallCounter,
    ) -> Self {
        let conf = aws_sdk_sts::config::Builder::from(sdk)
            .retry_config(retry_config(attempts))
            .interceptor(counter.labelled("sts"))
            .build();
        Self {
            sdk: sdk.clone(),
            sts: aws_sdk_sts::Client::from_conf(conf),
            writer_role: writer_role.to_owned(),
            region,
            attempts,
            counter: counter.clone(),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn fail(account: &str, operation: &'static str, secret: &str, detail: String) -> StoreError {
        StoreError {
            account: account.to_owned(),
            operation,
            secret: secret.to_owned(),
            detail,
        }
    }

    /// The account's client, assuming the writer role when there is no fresh session.
    async fn client(&self, account: &str) -> Result<aws_sdk_secretsmanager::Client, StoreError> {
        let slot = {
            let mut map = self
                .sessions
                .lock()
                .map_err(|_| Self::fail(account, "AssumeRole", "", "lock poisoned".into()))?;
            map.entry(account.to_owned()).or_default().clone()
        };
        let mut session = slot.lock().await;
        if let Some((until, client)) = session.as_ref() {
            if Instant::now() < *until {
                return Ok(client.clone());
            }
        }
        let role = format!("arn:aws:iam::{account}:role/{}", self.writer_role);
        let out = self
            .sts
            .assume_role()
            .role_arn(&role)
            .role_session_name("s2s-cert-issuer")
            .duration_seconds(SESSION_SECS)
            .send()
            .await
            .map_err(|e| Self::fail(account, "AssumeRole", &role, describe(&e)))?;
        let c = out
            .credentials()
            .ok_or_else(|| Self::fail(account, "AssumeRole", &role, "no credentials".into()))?;
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "s2s-cert-writer",
        );
        let mut conf = aws_sdk_secretsmanager::config::Builder::from(&self.sdk)
            .credentials_provider(creds)
            .retry_config(retry_config(self.attempts))
            .interceptor(self.counter.labelled("secretsmanager"));
        if let Some(region) = &self.region {
            conf = conf.region(aws_sdk_secretsmanager::config::Region::new(region.clone()));
        }
        let client = aws_sdk_secretsmanager::Client::from_conf(conf.build());
        let lifetime = Duration::from_secs(SESSION_SECS as u64).saturating_sub(SESSION_SLACK);
        *session = Some((Instant::now() + lifetime, client.clone()));
        Ok(client)
    }

    /// Drop a session whose credentials were refused, so the next call assumes again.
    async fn forget(&self, account: &str) {
        let slot = self
            .sessions
            .lock()
            .ok()
            .and_then(|m| m.get(account).cloned());
        if let Some(slot) = slot {
            *slot.lock().await = None;
        }
    }

    fn tags(tags: &[(String, String)]) -> Vec<aws_sdk_secretsmanager::types::Tag> {
        tags.iter()
            .map(|(k, v)| {
                aws_sdk_secretsmanager::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    }

    /// `send` on the account's client, its failure checked as [`Self::check`] does.
    async fn call<T, E, R, Fut>(
        &self,
        account: &str,
        operation: &'static str,
        secret: &str,
        send: impl FnOnce(aws_sdk_secretsmanager::Client) -> Fut,
    ) -> Result<T, StoreError>
    where
        Fut: std::future::Future<
            Output = Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
        >,
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let sm = self.client(account).await?;
        let r = send(sm).await;
        self.check(account, operation, secret, r).await
    }

    /// A failure named by account, operation and secret; refused credentials
    /// drop the session, so the next call assumes the role again.
    async fn check<T, E, R>(
        &self,
        account: &str,
        operation: &'static str,
        secret: &str,
        r: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    ) -> Result<T, StoreError>
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match r {
            Ok(v) => Ok(v),
            Err(e) => {
                if matches!(
                    code(&e),
                    Some(
                        "ExpiredTokenException"
                            | "UnrecognizedClientException"
                            | "InvalidClientTokenId"
                    )
                ) {
                    self.forget(account).await;
                }
                Err(Self::fail(account, operation, secret, describe(&e)))
            }
        }
    }
}

#[async_trait]
impl Accounts for SecretsManagerAccounts {
    async fn describe(&self, account: &str, name: &str) -> Result<Option<SecretMeta>, StoreError> {
        let sm = self.client(account).await?;
        match sm.describe_secret().secret_id(name).send().await {
            Ok(out) => Ok(Some(SecretMeta {
                tags: out
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                    .collect(),
                pending_deletion: out.deleted_date().is_some(),
            })),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => self.check(account, "DescribeSecret", name, Err(e)).await,
        }
    }

    async fn create(
        &self,
        account: &str,
        name: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        let sm = self.client(account).await?;
        match sm
            .create_secret()
            .name(name)
            .description(description)
            .set_tags(Some(Self::tags(tags)))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // A concurrent duplicate created it first: go on with the same steps.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_exists_exception()) =>
            {
                Ok(())
            }
            Err(e) => {
                self.check::<(), _, _>(account, "CreateSecret", name, Err(e))
                    .await
            }
        }
    }

    async fn put_policy(&self, account: &str, name: &str, policy: &str) -> Result<(), StoreError> {
        self.call(account, "PutResourcePolicy", name, |sm| async move {
            sm.put_resource_policy()
                .secret_id(name)
                .resource_policy(policy)
                .block_public_policy(true)
                .send()
                .await
        })
        .await
        .map(|_| ())
    }

    async fn put_value(
        &self,
        account: &str,
        name: &str,
        value: &str,
        token: &str,
    ) -> Result<(), StoreError> {
        self.call(account, "PutSecretValue", name, |sm| async move {
            sm.put_secret_value()
                .secret_id(name)
                .secret_string(value)
                .client_request_token(token)
                .send()
                .await
        })
        .await
        .map(|_| ())
    }

    async fn tag(
        &self,
        account: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.call(account, "TagResource", name, |sm| async move {
            sm.tag_resource()
                .secret_id(name)
                .set_tags(Some(Self::tags(tags)))
                .send()
                .await
        })
        .await
        .map(|_| ())
    }

    async fn delete(&self, account: &str, name: &str) -> Result<bool, StoreError> {
        let sm = self.client(account).await?;
        match sm
            .delete_secret()
            .secret_id(name)
            .force_delete_without_recovery(true)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => {
                self.check::<bool, _, _>(account, "DeleteSecret", name, Err(e))
                    .await
            }
        }
    }
}

// ---- in memory ----

/// One secret as [`MemoryAccounts`] holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemorySecret {
    pub tags: BTreeMap<String, String>,
    pub policy: Option<String>,
    pub value: Option<String>,
    pub versions: u64,
}

/// Accounts in memory, counting calls like the SDK counter does
/// (`secretsmanager.<Operation>`), for the scale simulation and unit tests.
#[derive(Debug, Default)]
pub struct MemoryAccounts {
    secrets: Mutex<BTreeMap<(String, String), MemorySecret>>,
    counter: CallCounter,
}

impl MemoryAccounts {
    pub fn new(counter: &CallCounter) -> Self {
        Self {
            secrets: Mutex::new(BTreeMap::new()),
            counter: counter.labelled("secretsmanager"),
        }
    }

    pub fn get(&self, account: &str, name: &str) -> Option<MemorySecret> {
        self.secrets
            .lock()
            .ok()?
            .get(&(account.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn len(&self) -> usize {
        self.secrets.lock().map(|s| s.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with<T>(
        &self,
        op: &'static str,
        account: &str,
        name: &str,
        f: impl FnOnce(
            &mut BTreeMap<(String, String), MemorySecret>,
            (String, String),
        ) -> Result<T, String>,
    ) -> Result<T, StoreError> {
        self.counter.count(op);
        let mut s = self.secrets.lock().map_err(|_| StoreError {
            account: account.into(),
            operation: op,
            secret: name.into(),
            detail: "lock poisoned".into(),
        })?;
        f(&mut s, (account.to_owned(), name.to_owned())).map_err(|detail| StoreError {
            account: account.into(),
            operation: op,
            secret: name.into(),
            detail,
        })
    }
}

fn missing() -> String {
    "ResourceNotFoundException: no such secret".into()
}

#[async_trait]
impl Accounts for MemoryAccounts {
    async fn describe(&self, account: &str, name: &str) -> Result<Option<SecretMeta>, StoreError> {
        self.with("DescribeSecret", account, name, |s, k| {
            Ok(s.get(&k).map(|m| SecretMeta {
                tags: m.tags.clone(),
                pending_deletion: false,
            }))
        })
    }

    async fn create(
        &self,
        account: &str,
        name: &str,
        _description: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.with("CreateSecret", account, name, |s, k| {
            s.entry(k).or_insert_with(|| MemorySecret {
                tags: tags.iter().cloned().collect(),
                ..MemorySecret::default()
            });
            Ok(())
        })
    }

    async fn put_policy(&self, account: &str, name: &str, policy: &str) -> Result<(), StoreError> {
        self.with("PutResourcePolicy", account, name, |s, k| {
            s.get_mut(&k).ok_or_else(missing)?.policy = Some(policy.to_owned());
            Ok(())
        })
    }

    async fn put_value(
        &self,
        account: &str,
        name: &str,
        value: &str,
        _token: &str,
    ) -> Result<(), StoreError> {
        self.with("PutSecretValue", account, name, |s, k| {
            let m = s.get_mut(&k).ok_or_else(missing)?;
            if m.policy.is_none() {
                return Err("a value before the resource policy".into());
            }
            m.value = Some(value.to_owned());
            m.versions += 1;
            Ok(())
        })
    }

    async fn tag(
        &self,
        account: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        self.with("TagResource", account, name, |s, k| {
            let m = s.get_mut(&k).ok_or_else(missing)?;
            m.tags.extend(tags.iter().cloned());
            Ok(())
        })
    }

    async fn delete(&self, account: &str, name: &str) -> Result<bool, StoreError> {
        self.with("DeleteSecret", account, name, |s, k| {
            Ok(s.remove(&k).is_some())
        })
    }
}
