//! The ledger: which certificate the issuer wrote to which (app, account).
//! It is how the issuer finds the secrets to delete when Registry stops
//! listing an app or an account (nothing else remembers them), and how a run
//! knows what is due without a cross-account call per certificate. The
//! secret's own tags stay the truth: a worker checks them before it issues,
//! so a stale ledger costs one `DescribeSecret`, never a lapse or a
//! duplicate. Two stores: DynamoDB (the Lambda) and a JSON-lines file (the CLI,
//! `make demo`, the scale simulation).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::aws::{describe, retry_config, CallCounter};
use crate::target::TargetKey;

/// What was written for one (app, account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(flatten)]
    pub key: TargetKey,
    pub spiffe_id: String,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
    /// The readers the resource policy was rendered for (sorted).
    pub reader_roles: Vec<String>,
    /// SHA-256 of the rendered resource policy (also a tag on the secret).
    pub policy_sha256: String,
    /// SHA-256 of the policy template, so a new bundle re-attaches it.
    pub template_sha256: String,
    pub written_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the ledger: {0}")]
pub struct LedgerError(pub String);

#[async_trait]
pub trait Ledger: Send + Sync + std::fmt::Debug {
    async fn all(&self) -> Result<BTreeMap<TargetKey, Record>, LedgerError>;
    async fn put(&self, record: &Record) -> Result<(), LedgerError>;
    async fn remove(&self, key: &TargetKey) -> Result<(), LedgerError>;
}

// ---- DynamoDB ----

/// A DynamoDB table with the string partition key `id` = `<app>/<account_id>`.
pub struct DynamoLedger {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl std::fmt::Debug for DynamoLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoLedger")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

fn id(key: &TargetKey) -> String {
    format!("{}/{}", key.app, key.account_id)
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn item_to_record(item: &HashMap<String, AttributeValue>) -> Option<Record> {
    let text = |k: &str| item.get(k)?.as_s().ok().cloned();
    let num = |k: &str| item.get(k)?.as_n().ok()?.parse::<i64>().ok();
    Some(Record {
        key: TargetKey {
            app: text("app")?,
            account_id: text("account_id")?,
        },
        spiffe_id: text("spiffe_id")?,
        serial: text("serial")?,
        not_before: num("not_before")?,
        not_after: num("not_after")?,
        reader_roles: serde_json::from_str(&text("reader_roles")?).ok()?,
        policy_sha256: text("policy_sha256")?,
        template_sha256: text("template_sha256")?,
        written_at: num("written_at")?,
    })
}

impl DynamoLedger {
    pub fn new(
        sdk: &aws_config::SdkConfig,
        table: &str,
        attempts: u32,
        counter: &CallCounter,
    ) -> Self {
        let conf = aws_sdk_dynamodb::config::Builder::from(sdk)
            .retry_config(retry_config(attempts))
            .interceptor(counter.labelled("dynamodb"))
            .build();
        Self {
            client: aws_sdk_dynamodb::Client::from_conf(conf),
            table: table.to_owned(),
        }
    }
}

#[async_trait]
impl Ledger for DynamoLedger {
    async fn all(&self) -> Result<BTreeMap<TargetKey, Record>, LedgerError> {
        let mut out = BTreeMap::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| LedgerError(format!("Scan {}: {}", self.table, describe(&e))))?;
            for item in page.items() {
                // An item that does not parse is left out: its target, if
                // still listed, is then checked against the secret's tags.
                if let Some(r) = item_to_record(item) {
                    out.insert(r.key.clone(), r);
                }
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(out),
            }
        }
    }

    async fn put(&self, r: &Record) -> Result<(), LedgerError> {
        let roles =
            serde_json::to_string(&r.reader_roles).map_err(|e| LedgerError(e.to_string()))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", s(&id(&r.key)))
            .item("app", s(&r.key.app))
            .item("account_id", s(&r.key.account_id))
            .item("spiffe_id", s(&r.spiffe_id))
            .item("serial", s(&r.serial))
            .item("not_before", n(r.not_before))
            .item("not_after", n(r.not_after))
            .item("reader_roles", s(&roles))
            .item("policy_sha256", s(&r.policy_sha256))
            .item("template_sha256", s(&r.template_sha256))
            .item("written_at", n(r.written_at))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LedgerError(format!("PutItem {}: {}", id(&r.key), describe(&e))))
    }

    async fn remove(&self, key: &TargetKey) -> Result<(), LedgerError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("id", s(&id(key)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LedgerError(format!("DeleteItem {}: {}", id(key), describe(&e))))
    }
}

// ---- a JSON-lines file ----

/// One line of the journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Entry {
    Put(Record),
    Remove(TargetKey),
}

/// A journal of puts and removes, replayed at open and compacted then: one
/// append per write, so writes stay O(1) at any size.
#[derive(Debug)]
pub struct FileLedger {
    path: PathBuf,
    state: tokio::sync::Mutex<(BTreeMap<TargetKey, Record>, Option<std::fs::File>)>,
}

fn io(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    LedgerError(format!("{}: {e}", path.display()))
}

impl FileLedger {
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let mut records = BTreeMap::new();
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                match serde_json::from_str::<Entry>(line)
                    .map_err(|e| io(path, format!("line {}: {e}", i + 1)))?
                {
                    Entry::Put(r) => {
                        records.insert(r.key.clone(), r);
                    }
                    Entry::Remove(k) => {
                        records.remove(&k);
                    }
                }
            }
        }
        let ledger = Self {
            path: path.to_owned(),
            state: tokio::sync::Mutex::new((records, None)),
        };
        ledger.compact_blocking()?;
        Ok(ledger)
    }

    /// Rewrites the file with one `put` per record (atomically, by rename).
    fn compact_blocking(&self) -> Result<(), LedgerError> {
        let mut state = self
            .state
            .try_lock()
            .map_err(|_| LedgerError("busy while opening".into()))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        let tmp = self.path.with_extension("tmp");
        let mut text = String::new();
        for r in state.0.values() {
            let line = serde_json::to_string(&Entry::Put(r.clone())).map_err(|e| io(&tmp, e))?;
            text.push_str(&line);
            text.push('\n');
        }
        std::fs::write(&tmp, text).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| io(&self.path, e))?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| io(&self.path, e))?;
        state.1 = Some(file);
        Ok(())
    }

    async fn append(&self, entry: Entry) -> Result<(), LedgerError> {
        let mut line = serde_json::to_string(&entry).map_err(|e| io(&self.path, e))?;
        line.push('\n');
        let mut state = self.state.lock().await;
        let (records, file) = &mut *state;
        let file = file
            .as_mut()
            .ok_or_else(|| LedgerError("the ledger file is not open".into()))?;
        file.write_all(line.as_bytes())
            .map_err(|e| io(&self.path, e))?;
        match entry {
            Entry::Put(r) => {
                records.insert(r.key.clone(), r);
            }
            Entry::Remove(k) => {
                records.remove(&k);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Ledger for FileLedger {
    async fn all(&self) -> Result<BTreeMap<TargetKey, Record>, LedgerError> {
        Ok(self.state.lock().await.0.clone())
    }

    async fn put(&self, record: &Record) -> Result<(), LedgerError> {
        self.append(Entry::Put(record.clone())).await
    }

    async fn remove(&self, key: &TargetKey) -> Result<(), LedgerError> {
        self.append(Entry::Remove(key.clone())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(app: &str, serial: &str) -> Record {
        Record {
            key: TargetKey {
                app: app.into(),
                account_id: "111111111111".into(),
            },
            spiffe_id: format!("spiffe://td/{app}"),
            serial: serial.into(),
            not_before: 1,
            not_after: 2,
            reader_roles: vec!["api".into()],
            policy_sha256: "p".into(),
            template_sha256: "t".into(),
            written_at: 3,
        }
    }

    #[tokio::test]
    async fn the_file_ledger_survives_a_reopen_and_compacts() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("ledger.jsonl");
        let l = FileLedger::open(&path).expect("open");
        l.put(&record("payments", "1")).await.expect("put");
        l.put(&record("payments", "2")).await.expect("put again");
        l.put(&record("orders", "9")).await.expect("put");
        l.remove(&record("orders", "9").key).await.expect("remove");
        assert_eq!(
            std::fs::read_to_string(&path)
                .expect("read")
                .lines()
                .count(),
            4
        );
        let again = FileLedger::open(&path).expect("reopen");
        let all = again.all().await.expect("all");
        assert_eq!(all.len(), 1);
        assert_eq!(all.values().next().map(|r| r.serial.as_str()), Some("2"));
        assert_eq!(
            std::fs::read_to_string(&path)
                .expect("read")
                .lines()
                .count(),
            1
        );
    }

    #[test]
    fn dynamo_items_round_trip() {
        let r = record("payments", "ab");
        let item: HashMap<String, AttributeValue> = HashMap::from([
            ("id".into(), s("payments/111111111111")),
            ("app".into(), s("payments")),
            ("account_id".into(), s("111111111111")),
            ("spiffe_id".into(), s("spiffe://td/payments")),
            ("serial".into(), s("ab")),
            ("not_before".into(), n(1)),
            ("not_after".into(), n(2)),
            ("reader_roles".into(), s("[\"api\"]")),
            ("policy_sha256".into(), s("p")),
            ("template_sha256".into(), s("t")),
            ("written_at".into(), n(3)),
        ]);
        assert_eq!(item_to_record(&item), Some(r));
        let mut broken = item;
        broken.remove("serial");
        assert_eq!(item_to_record(&broken), None);
    }
}
