//! The Keywhiz side: the listing (names + checksums, no contents) and the
//! contents of the few secrets that changed, through the shared client.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use keywhiz_client::{KeywhizClient, SecretContent, SecretDelivery};

/// One entry of `GET /secrets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// Keywhiz's content HMAC; `""` for old rows that never got one.
    pub checksum: String,
    /// Epoch seconds, when Keywhiz tells (see [`expiry_of`]).
    pub expiry: Option<i64>,
}

/// A secret with its content, from `POST /batchsecret` or `GET /secret/{name}`.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub name: String,
    pub checksum: String,
    pub content: SecretContent,
}

/// Result of fetching contents: what came back, what Keywhiz no longer has
/// (404: deleted or revoked between listing and fetch), what failed.
#[derive(Debug, Default)]
pub struct Contents {
    pub fetched: BTreeMap<String, Fetched>,
    pub gone: Vec<String>,
    pub failed: BTreeMap<String, String>,
}

/// Request counters of this run (logical calls; the client retries inside).
#[derive(Debug, Default)]
pub struct Calls {
    pub list: AtomicU64,
    pub batch: AtomicU64,
    pub single: AtomicU64,
}

impl Calls {
    pub fn total(&self) -> u64 {
        self.list.load(Ordering::Relaxed)
            + self.batch.load(Ordering::Relaxed)
            + self.single.load(Ordering::Relaxed)
    }
}

/// Why the listing cannot be trusted; every variant stops the run before any write.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("listing Keywhiz secrets failed: {0}")]
    Keywhiz(#[from] keywhiz_client::Error),
    #[error("Keywhiz listing is inconsistent: {0}")]
    Inconsistent(String),
}

/// The expiry the syncer can see, by the rule the provider reports too
/// ([`keywhiz_client::expiry`]): Keywhiz's delivery API has no expiry field,
/// so it is the `expiry` metadata key (epoch seconds), flattened into the listing.
pub fn expiry_of(d: &SecretDelivery) -> Option<i64> {
    keywhiz_client::expiry::of_delivery(d)
}

/// `GET /secrets`. A listing naming one secret twice with different checksums
/// is refused as a whole: deciding which is right is not the syncer's job.
pub async fn list(kw: &KeywhizClient, calls: &Calls) -> Result<Vec<Listed>, ListError> {
    calls.list.fetch_add(1, Ordering::Relaxed);
    let raw = kw.list_secrets().await?;
    let mut by_name: BTreeMap<String, Listed> = BTreeMap::new();
    for d in raw {
        let entry = Listed {
            name: d.name.clone(),
            checksum: d.checksum.clone(),
            expiry: expiry_of(&d),
        };
        if let Some(prev) = by_name.get(&d.name) {
            if prev.checksum != entry.checksum {
                return Err(ListError::Inconsistent(format!(
                    "{:?} listed twice with different checksums",
                    d.name
                )));
            }
        }
        by_name.insert(d.name, entry);
    }
    Ok(by_name.into_values().collect())
}

/// Fetch contents with one `POST /batchsecret` per `batch_size` names. Keywhiz
/// answers a batch all-or-nothing, so a batch that fails with 403/404 (a
/// secret revoked or deleted since the listing) falls back to one
/// `GET /secret/{name}` per name; other failures leave the names for the next run.
pub async fn fetch(
    kw: &KeywhizClient,
    names: &[String],
    batch_size: usize,
    calls: &Calls,
) -> Contents {
    let mut out = Contents::default();
    for chunk in names.chunks(batch_size.max(1)) {
        calls.batch.fetch_add(1, Ordering::Relaxed);
        match kw.batch_secrets(chunk).await {
            Ok(list) => {
                for d in list {
                    keep(&mut out, d);
                }
                for n in chunk {
                    if !out.fetched.contains_key(n) {
                        out.failed
                            .insert(n.clone(), "missing from the batch answer".into());
                    }
                }
            }
            Err(e) if e.is_not_found() || e.is_forbidden() => {
                for n in chunk {
                    calls.single.fetch_add(1, Ordering::Relaxed);
                    match kw.get_secret(n).await {
                        Ok(d) => keep(&mut out, d),
                        Err(e) if e.is_not_found() || e.is_forbidden() => out.gone.push(n.clone()),
                        Err(e) => {
                            out.failed.insert(n.clone(), e.to_string());
                        }
                    }
                }
            }
            Err(e) => {
                for n in chunk {
                    out.failed.insert(n.clone(), e.to_string());
                }
            }
        }
    }
    out
}

fn keep(out: &mut Contents, d: SecretDelivery) {
    out.fetched.insert(
        d.name.clone(),
        Fetched {
            name: d.name,
            checksum: d.checksum,
            content: d.secret,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(json: &str) -> SecretDelivery {
        serde_json::from_str(json).expect("delivery json")
    }

    #[test]
    fn expiry_comes_from_metadata_when_present() {
        let d = delivery(r#"{"name":"a","checksum":"X","expiry":"1700000000"}"#);
        assert_eq!(expiry_of(&d), Some(1_700_000_000));
        let d = delivery(r#"{"name":"a","checksum":"X","expiry":1700000000}"#);
        assert_eq!(expiry_of(&d), Some(1_700_000_000));
        let d = delivery(r#"{"name":"a","checksum":"X","expiry":"0"}"#);
        assert_eq!(expiry_of(&d), None);
        let d = delivery(r#"{"name":"a","checksum":"X","mode":"0400"}"#);
        assert_eq!(expiry_of(&d), None);
    }
}
