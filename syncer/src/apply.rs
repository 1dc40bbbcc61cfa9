//! Carrying out a plan against Secrets Manager: every write goes through the
//! rate limiter, carries the checksum-derived ClientRequestToken, and a
//! failure only affects its own secret (the next run retries it).

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use keywhiz_client::SecretContent;
use sha2::{Digest, Sha256};

use crate::error::{SmError, WriteError};
use crate::inventory::Existing;
use crate::plan::{Step, Target, Task};
use crate::ratelimit::RateLimiter;
use crate::source::Fetched;
use crate::tags;

/// Secrets Manager's limit on SecretString / SecretBinary.
pub const MAX_VALUE_BYTES: usize = 65_536;

/// What happened to one secret.
#[derive(Debug, Default)]
pub struct Done {
    pub restored: bool,
    pub created: bool,
    pub updated: bool,
    pub restaged: bool,
    pub retagged: bool,
    /// The resource policy was put on an existing secret (missing or stale).
    pub policy_repaired: bool,
    pub error: Option<WriteError>,
}

/// The write side: client, limiter and the few settings writes need.
pub struct Writer<'a> {
    pub sm: &'a Client,
    pub limiter: &'a RateLimiter,
    pub recovery_window_days: i64,
    /// The resource policy every secret carries (`iam/secret-keywhiz-resource`).
    pub resource_policy: Option<&'a str>,
}

/// The checksum to record for fetched content: Keywhiz's, or for old rows
/// without one a digest of the base64 text (so the next run can compare).
pub fn effective_checksum(f: &Fetched) -> String {
    if !f.checksum.is_empty() {
        return f.checksum.clone();
    }
    let digest = Sha256::digest(f.content.expose_base64().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Text when the bytes are UTF-8 (what apps read most easily), else binary.
enum Value {
    Text(String),
    Binary(Vec<u8>),
}

fn value_of(content: &SecretContent) -> Result<Value, WriteError> {
    let bytes = content.decode().map_err(|_| WriteError::NotBase64)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => Value::Text(s),
        Err(e) => Value::Binary(e.into_bytes()),
    })
}

fn value_len(v: &Value) -> usize {
    match v {
        Value::Text(s) => s.len(),
        Value::Binary(b) => b.len(),
    }
}

impl Writer<'_> {
    /// Run one task. `fetched` is the content when the step needs it.
    pub async fn run(&self, task: &Task, fetched: Option<&Fetched>) -> Done {
        let mut done = Done::default();
        if let Err(e) = self.run_inner(task, fetched, &mut done).await {
            done.error = Some(e);
        }
        done
    }

    async fn run_inner(
        &self,
        task: &Task,
        fetched: Option<&Fetched>,
        done: &mut Done,
    ) -> Result<(), WriteError> {
        let t = &task.target;
        if task.restore {
            self.restore(&t.sm_name).await?;
            done.restored = true;
        }
        let existing = task.existing.as_ref();
        if task.put_policy && existing.is_some() {
            // Before any tag write: the digest tag must never name a policy
            // that is not in place.
            self.put_policy(&t.sm_name).await?;
            done.policy_repaired = true;
            if task.step == Step::Keep {
                return Ok(self.retag(t, existing, &t.checksum, done).await?);
            }
        }
        match &task.step {
            Step::Keep => Ok(()),
            Step::Retag => Ok(self.retag(t, existing, &t.checksum, done).await?),
            Step::Restage { from } => {
                let ours = tags::version_id(&t.keywhiz_name, &t.checksum);
                self.restage(&t.sm_name, &ours, from.as_deref()).await?;
                done.restaged = true;
                Ok(self.retag(t, existing, &t.checksum, done).await?)
            }
            Step::Create | Step::Write(_) => {
                let f = fetched.ok_or(WriteError::NotFetched)?;
                let checksum = effective_checksum(f);
                let value = value_of(&f.content)?;
                if value_len(&value) > MAX_VALUE_BYTES {
                    return Err(WriteError::TooLarge {
                        bytes: value_len(&value),
                    });
                }
                let token = tags::version_id(&t.keywhiz_name, &checksum);
                match existing {
                    None => {
                        self.create(t, &checksum, &token, value).await?;
                        done.created = true;
                        if task.put_policy {
                            self.put_policy(&t.sm_name).await?;
                            // Now the digest tag may say so.
                            let created = Existing {
                                tags: tags::desired(
                                    &t.keywhiz_name,
                                    &checksum,
                                    t.expiry,
                                    t.expiring,
                                ),
                                ..Existing::default()
                            };
                            self.retag(t, Some(&created), &checksum, done).await?;
                        }
                        Ok(())
                    }
                    Some(e) => self.write(t, e, &checksum, &token, value, done).await,
                }
            }
        }
    }

    async fn create(
        &self,
        t: &Target,
        checksum: &str,
        token: &str,
        value: Value,
    ) -> Result<(), SmError> {
        // Without the policy digest: that tag follows once the policy is put.
        let tag_list: Vec<Tag> = tags::desired(&t.keywhiz_name, checksum, t.expiry, t.expiring)
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        let req = self
            .sm
            .create_secret()
            .name(&t.sm_name)
            .client_request_token(token)
            .description(format!(
                "Keywhiz secret {} synced by s2s keywhiz-syncer; changes here are overwritten",
                t.keywhiz_name
            ))
            .set_tags(Some(tag_list));
        let req = match value {
            Value::Text(s) => req.secret_string(s),
            Value::Binary(b) => req.secret_binary(Blob::new(b)),
        };
        self.limiter.acquire().await;
        req.send()
            .await
            .map(|_| ())
            .map_err(SmError::on("CreateSecret"))
    }

    async fn write(
        &self,
        t: &Target,
        e: &Existing,
        checksum: &str,
        token: &str,
        value: Value,
        done: &mut Done,
    ) -> Result<(), WriteError> {
        let current_is_ours = e.current_version.as_deref() == Some(token);
        if !current_is_ours {
            if e.versions.contains(token) {
                // This value was written before (content rolled back): relabel.
                self.restage(&t.sm_name, token, e.current_version.as_deref())
                    .await?;
                done.restaged = true;
            } else {
                let req = self
                    .sm
                    .put_secret_value()
                    .secret_id(&t.sm_name)
                    .client_request_token(token);
                let req = match value {
                    Value::Text(s) => req.secret_string(s),
                    Value::Binary(b) => req.secret_binary(Blob::new(b)),
                };
                self.limiter.acquire().await;
                let out = req.send().await.map_err(SmError::on("PutSecretValue"))?;
                done.updated = true;
                // A token that already existed is ignored by AWS without moving AWSCURRENT.
                if !out.version_stages().iter().any(|s| s == "AWSCURRENT") {
                    self.restage(&t.sm_name, token, e.current_version.as_deref())
                        .await?;
                    done.restaged = true;
                }
            }
        }
        Ok(self.retag(t, Some(e), checksum, done).await?)
    }

    async fn retag(
        &self,
        t: &Target,
        existing: Option<&Existing>,
        checksum: &str,
        done: &mut Done,
    ) -> Result<(), SmError> {
        let empty = BTreeMap::new();
        let have = existing.map(|e| &e.tags).unwrap_or(&empty);
        let (set, remove) = tags::delta(have, &t.tags(checksum));
        if !set.is_empty() {
            let tag_list: Vec<Tag> = set
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect();
            self.limiter.acquire().await;
            self.sm
                .tag_resource()
                .secret_id(&t.sm_name)
                .set_tags(Some(tag_list))
                .send()
                .await
                .map_err(SmError::on("TagResource"))?;
            done.retagged = true;
        }
        if !remove.is_empty() {
            self.limiter.acquire().await;
            self.sm
                .untag_resource()
                .secret_id(&t.sm_name)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(SmError::on("UntagResource"))?;
            done.retagged = true;
        }
        Ok(())
    }

    /// Put the configured resource policy, blocking public policies (the SCP
    /// refuses a put without `BlockPublicPolicy`).
    async fn put_policy(&self, sm_name: &str) -> Result<(), SmError> {
        let Some(policy) = self.resource_policy else {
            return Ok(());
        };
        self.limiter.acquire().await;
        self.sm
            .put_resource_policy()
            .secret_id(sm_name)
            .resource_policy(policy)
            .block_public_policy(true)
            .send()
            .await
            .map(|_| ())
            .map_err(SmError::on("PutResourcePolicy"))
    }

    /// The policy a secret carries now (`None` when it has none).
    pub async fn get_policy(&self, sm_name: &str) -> Result<Option<String>, SmError> {
        self.sm
            .get_resource_policy()
            .secret_id(sm_name)
            .send()
            .await
            .map(|o| o.resource_policy().map(str::to_owned))
            .map_err(SmError::on("GetResourcePolicy"))
    }

    async fn restore(&self, sm_name: &str) -> Result<(), SmError> {
        self.limiter.acquire().await;
        self.sm
            .restore_secret()
            .secret_id(sm_name)
            .send()
            .await
            .map(|_| ())
            .map_err(SmError::on("RestoreSecret"))
    }

    async fn restage(&self, sm_name: &str, to: &str, from: Option<&str>) -> Result<(), SmError> {
        self.limiter.acquire().await;
        self.sm
            .update_secret_version_stage()
            .secret_id(sm_name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(to)
            .set_remove_from_version_id(from.filter(|f| *f != to).map(str::to_owned))
            .send()
            .await
            .map(|_| ())
            .map_err(SmError::on("UpdateSecretVersionStage"))
    }

    /// Delete with a recovery window (never forced): a name that comes back
    /// within the window is restored.
    pub async fn delete(&self, sm_name: &str) -> Result<(), SmError> {
        self.limiter.acquire().await;
        self.sm
            .delete_secret()
            .secret_id(sm_name)
            .recovery_window_in_days(self.recovery_window_days)
            .send()
            .await
            .map(|_| ())
            .map_err(SmError::on("DeleteSecret"))
    }
}
