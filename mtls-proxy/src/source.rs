//! Where the certificate bundle comes from. The extension reads
//! `s2s/<app>/tls` from Secrets Manager ([`crate::secretsmanager`]); local
//! use can point at a JSON file; tests and in-process callers can hand one
//! over in memory. Each source has a cheap "which version is current?"
//! question, so a freshness check never has to read the key.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A bundle as read: the secret's JSON text and its version.
pub struct Fetched {
    pub text: String,
    pub version: Option<String>,
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Why a source could not answer. Never carries the secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

pub type SourceFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SourceError>> + Send + 'a>>;

/// A place that holds the bundle.
pub trait BundleSource: Send + Sync + 'static {
    /// For messages: `Secrets Manager secret s2s/payments/tls`.
    fn describe(&self) -> String;
    /// The bundle's current value.
    fn fetch(&self) -> SourceFuture<'_, Fetched>;
    /// The current version, without reading the value (`None` if unknown).
    fn current_version(&self) -> SourceFuture<'_, Option<String>>;
}

/// A bundle in a JSON file; the version is its size and modification time.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
}

impl FileSource {
    pub fn new(path: impl Into<PathBuf>) -> FileSource {
        FileSource { path: path.into() }
    }

    async fn version(&self) -> Result<Option<String>, SourceError> {
        let meta = tokio::fs::metadata(&self.path)
            .await
            .map_err(|e| SourceError(format!("{}: {e}", self.path.display())))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Ok(Some(format!("{}-{modified}", meta.len())))
    }
}

impl BundleSource for FileSource {
    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }

    fn fetch(&self) -> SourceFuture<'_, Fetched> {
        Box::pin(async move {
            let version = self.version().await?;
            let text = tokio::fs::read_to_string(&self.path)
                .await
                .map_err(|e| SourceError(format!("{}: {e}", self.path.display())))?;
            Ok(Fetched { text, version })
        })
    }

    fn current_version(&self) -> SourceFuture<'_, Option<String>> {
        Box::pin(self.version())
    }
}

/// A bundle held in memory: for a Rust function that got its certificate
/// some other way, and for tests. Counts what it was asked.
#[derive(Debug, Default)]
pub struct MemorySource {
    value: Mutex<Option<(String, u64)>>,
    failing: Mutex<Option<String>>,
    fetches: AtomicU64,
    version_checks: AtomicU64,
}

impl MemorySource {
    pub fn new() -> MemorySource {
        MemorySource::default()
    }

    /// Replaces the bundle; each call makes a new version.
    pub fn set(&self, text: impl Into<String>) {
        let mut value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        let next = value.as_ref().map_or(1, |(_, v)| v + 1);
        *value = Some((text.into(), next));
    }

    /// Makes every call fail with `message` (`None` heals it).
    pub fn fail_with(&self, message: Option<&str>) {
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = message.map(str::to_owned);
    }

    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    pub fn version_checks(&self) -> u64 {
        self.version_checks.load(Ordering::Relaxed)
    }

    fn failure(&self) -> Option<SourceError> {
        self.failing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .map(SourceError)
    }
}

impl BundleSource for MemorySource {
    fn describe(&self) -> String {
        "the in-memory bundle".to_owned()
    }

    fn fetch(&self) -> SourceFuture<'_, Fetched> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = match self.failure() {
            Some(e) => Err(e),
            None => self
                .value
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|(text, v)| Fetched {
                    text: text.clone(),
                    version: Some(v.to_string()),
                })
                .ok_or_else(|| SourceError("no bundle has been set".into())),
        };
        Box::pin(async move { result })
    }

    fn current_version(&self) -> SourceFuture<'_, Option<String>> {
        self.version_checks.fetch_add(1, Ordering::Relaxed);
        let result = match self.failure() {
            Some(e) => Err(e),
            None => Ok(self
                .value
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|(_, v)| v.to_string())),
        };
        Box::pin(async move { result })
    }
}
