//! Keywhiz's data model, as stored (and persisted) by the mock: clients,
//! groups, secret series with versions, memberships (client → groups) and
//! access grants (secret → groups).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A Keywhiz client (a certificate holder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub spiffe_id: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
    pub last_seen: Option<i64>,
    /// Earliest NotAfter of the certificate last seen.
    pub expiration: Option<i64>,
    pub enabled: bool,
    pub automation_allowed: bool,
    /// Memberships, by group name.
    pub groups: BTreeSet<String>,
}

/// A group: clients belong to groups, secrets are granted to groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: u64,
    pub name: String,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

/// One `secrets_content` row.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretVersion {
    /// Globally unique id (shared counter with all other ids).
    pub id: u64,
    /// Base64 as submitted.
    pub content: String,
    pub checksum: String,
    pub metadata: BTreeMap<String, String>,
    /// Epoch seconds, 0 = none.
    pub expiry: i64,
    pub created_at: i64,
    pub created_by: String,
}

impl std::fmt::Debug for SecretVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretVersion")
            .field("id", &self.id)
            .field("content", &"<redacted>")
            .field("checksum", &self.checksum)
            .finish_non_exhaustive()
    }
}

/// A secret series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    pub id: u64,
    pub name: String,
    /// Owner group name.
    pub owner: Option<String>,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
    /// Id of the current version.
    pub current: Option<u64>,
    /// Access grants, by group name.
    pub groups: BTreeSet<String>,
    /// All versions, oldest first.
    pub versions: Vec<SecretVersion>,
}

impl Secret {
    pub fn current_version(&self) -> Option<&SecretVersion> {
        let id = self.current?;
        self.versions.iter().find(|v| v.id == id)
    }
}

/// Everything the mock knows; this is what `--state` persists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub next_id: u64,
    /// Hex of the per-instance HMAC base key.
    pub base_key_hex: String,
    pub clients: BTreeMap<String, Client>,
    pub groups: BTreeMap<String, Group>,
    pub secrets: BTreeMap<String, Secret>,
}

impl State {
    /// An empty state with a fresh random base key. Ids start at a random-ish
    /// offset so that tests never confuse a version id with a counter.
    pub fn new() -> Self {
        let key: String = (0..32)
            .map(|_| format!("{:02x}", fastrand::u8(..)))
            .collect();
        Self {
            next_id: 1000 + fastrand::u64(0..1000),
            base_key_hex: key,
            clients: BTreeMap::new(),
            groups: BTreeMap::new(),
            secrets: BTreeMap::new(),
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn base_key(&self) -> Vec<u8> {
        (0..self.base_key_hex.len() / 2)
            .filter_map(|i| u8::from_str_radix(self.base_key_hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect()
    }

    /// Of the groups a request names, those that exist: Keywhiz ignores the others.
    pub fn known_groups(&self, names: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        names
            .into_iter()
            .filter(|g| self.groups.contains_key(g))
            .collect()
    }

    /// The secrets granted to `group`.
    pub fn granted<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Secret> {
        self.secrets
            .values()
            .filter(move |s| s.groups.contains(group))
    }

    /// The clients that belong to `group`.
    pub fn members<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Client> {
        self.clients
            .values()
            .filter(move |c| c.groups.contains(group))
    }

    pub fn client_by_spiffe(&self, spiffe: &str) -> Option<&Client> {
        self.clients
            .values()
            .find(|c| c.spiffe_id.as_deref() == Some(spiffe))
    }

    /// Names of the secrets `client` can read (through its groups), with a current version.
    pub fn visible_secrets(&self, client: &Client) -> Vec<&Secret> {
        self.secrets
            .values()
            .filter(|s| s.current.is_some() && !s.groups.is_disjoint(&client.groups))
            .collect()
    }

    pub fn can_read(&self, client: &Client, secret: &Secret) -> bool {
        secret.current.is_some() && !secret.groups.is_disjoint(&client.groups)
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// Keywhiz's name rule (`^[a-zA-Z_0-9\-.:]+$`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}
