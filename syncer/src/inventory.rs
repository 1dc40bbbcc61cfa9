//! The Secrets Manager side, read without reading any value: `ListSecrets`
//! filtered to `keywhiz/`, 100 per page, secrets pending deletion included
//! (so that a returning name is restored, not re-created). Tags and
//! `SecretVersionsToStages` come with each entry.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretListEntry};
use aws_sdk_secretsmanager::Client;
use s2s_core::KEYWHIZ_PREFIX;

use crate::tags::{KEYWHIZ_CHECKSUM, MANAGED_BY, MANAGED_BY_VALUE};

/// One secret under `keywhiz/` as `ListSecrets` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    pub sm_name: String,
    pub tags: BTreeMap<String, String>,
    /// Scheduled for deletion (in its recovery window).
    pub deleted: bool,
    /// The version labelled AWSCURRENT.
    pub current_version: Option<String>,
    /// Every version id listed (AWS lists the labelled ones).
    pub versions: BTreeSet<String>,
}

impl Existing {
    /// Created by the syncer (only these are ever written or deleted).
    pub fn managed(&self) -> bool {
        self.tags.get(MANAGED_BY).map(String::as_str) == Some(MANAGED_BY_VALUE)
    }

    pub fn checksum(&self) -> Option<&str> {
        self.tags.get(KEYWHIZ_CHECKSUM).map(String::as_str)
    }

    fn from_entry(e: &SecretListEntry) -> Option<Self> {
        let name = e.name()?;
        // The name filter is a case-insensitive prefix match; keep exact ones.
        if !name.starts_with(KEYWHIZ_PREFIX) {
            return None;
        }
        let tags = e
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or("").to_owned())))
            .collect();
        let mut versions = BTreeSet::new();
        let mut current_version = None;
        if let Some(map) = e.secret_versions_to_stages() {
            for (id, stages) in map {
                versions.insert(id.clone());
                if stages.iter().any(|s| s == "AWSCURRENT") {
                    current_version = Some(id.clone());
                }
            }
        }
        Some(Self {
            sm_name: name.to_owned(),
            tags,
            deleted: e.deleted_date().is_some(),
            current_version,
            versions,
        })
    }
}

/// All secrets under `keywhiz/`, ceil(n/100) calls.
pub async fn list(sm: &Client) -> Result<Vec<Existing>, crate::error::SmError> {
    let filter = Filter::builder()
        .key(FilterNameStringType::Name)
        .values(KEYWHIZ_PREFIX)
        .build();
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sm
            .list_secrets()
            .filters(filter.clone())
            .include_planned_deletion(true)
            .max_results(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(crate::error::SmError::on("ListSecrets"))?;
        out.extend(page.secret_list().iter().filter_map(Existing::from_entry));
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok(out)
}
