//! Seed data (a JSON file, `--seed`) and the automation clients configured at start.
//!
//! ```json
//! {
//!   "groups":  [{"name": "payments-aws", "description": "", "metadata": {"app": "payments"}}],
//!   "clients": [{"name": "payments", "spiffeId": "spiffe://example.internal/payments",
//!                "groups": ["payments-aws"], "automation": false}],
//!   "secrets": [{"name": "payments:db.password", "content": "c2VjcmV0", "groups": ["payments-aws"],
//!                "metadata": {"mode": "0400"}, "expiry": 0, "type": "password", "description": ""}]
//! }
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::model::{Client, Group, Secret, SecretVersion, State};
use crate::time::now;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    #[serde(default)]
    pub clients: Vec<SeedClient>,
    #[serde(default)]
    pub secrets: Vec<SeedSecret>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedClient {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub spiffe_id: Option<String>,
    #[serde(default)]
    pub automation: bool,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedSecret {
    pub name: String,
    /// Base64.
    pub content: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub expiry: i64,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl std::fmt::Debug for SeedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedSecret")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const SEEDER: &str = "seed";

/// Add (or make automation-capable) a client. Returns its name.
pub fn upsert_client(state: &mut State, c: &SeedClient) {
    let t = now();
    let id = state.next_id();
    let groups: BTreeSet<String> = c
        .groups
        .iter()
        .filter(|g| state.groups.contains_key(*g))
        .cloned()
        .collect();
    let entry = state
        .clients
        .entry(c.name.clone())
        .or_insert_with(|| Client {
            id,
            name: c.name.clone(),
            description: c.description.clone(),
            spiffe_id: None,
            created_at: t,
            created_by: SEEDER.into(),
            updated_at: t,
            updated_by: SEEDER.into(),
            last_seen: None,
            expiration: None,
            enabled: true,
            automation_allowed: false,
            groups: BTreeSet::new(),
        });
    if c.spiffe_id.is_some() {
        entry.spiffe_id.clone_from(&c.spiffe_id);
    }
    entry.automation_allowed |= c.automation;
    entry.enabled = !c.disabled;
    entry.groups.extend(groups);
}

/// Apply a seed to a state (existing entries are kept).
pub fn apply(state: &mut State, seed: &Seed, checksum: impl Fn(&str) -> String) {
    let t = now();
    for g in &seed.groups {
        let id = state.next_id();
        state.groups.entry(g.name.clone()).or_insert_with(|| Group {
            id,
            name: g.name.clone(),
            description: g.description.clone(),
            metadata: g.metadata.clone(),
            created_at: t,
            created_by: SEEDER.into(),
            updated_at: t,
            updated_by: SEEDER.into(),
        });
    }
    for c in &seed.clients {
        upsert_client(state, c);
    }
    for s in &seed.secrets {
        if state.secrets.contains_key(&s.name) {
            continue;
        }
        let id = state.next_id();
        let version = state.next_id();
        let groups = s
            .groups
            .iter()
            .filter(|g| state.groups.contains_key(*g))
            .cloned()
            .collect();
        state.secrets.insert(
            s.name.clone(),
            Secret {
                id,
                name: s.name.clone(),
                owner: s.owner.clone().filter(|o| state.groups.contains_key(o)),
                description: s.description.clone(),
                kind: s.kind.clone(),
                created_at: t,
                created_by: SEEDER.into(),
                updated_at: t,
                updated_by: SEEDER.into(),
                current: Some(version),
                groups,
                versions: vec![SecretVersion {
                    id: version,
                    content: s.content.clone(),
                    checksum: checksum(&s.content),
                    metadata: s.metadata.clone(),
                    expiry: s.expiry,
                    created_at: t,
                    created_by: SEEDER.into(),
                }],
            },
        );
    }
}
