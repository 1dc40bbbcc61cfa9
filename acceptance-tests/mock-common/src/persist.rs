//! Optional persistence of a mock's state to one JSON file, written atomically
//! (temp file + rename) after every change, so a restarted mock keeps its state.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where (and whether) state is kept.
#[derive(Debug, Clone, Default)]
pub struct JsonStore {
    path: Option<PathBuf>,
}

impl JsonStore {
    /// `None` = in memory only.
    pub fn new(path: Option<PathBuf>) -> Self {
        Self { path }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The stored state, if the file exists.
    pub fn load<T: DeserializeOwned>(&self) -> anyhow::Result<Option<T>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        match fs::read(path) {
            Ok(bytes) => {
                let state = serde_json::from_slice(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                Ok(Some(state))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
        }
    }

    /// The state a mock starts from: the stored one, else a new one that `seed`
    /// fills; saved at once, so the file exists from the start.
    pub fn load_or_seed<T: Default + Serialize + DeserializeOwned>(
        &self,
        seed: impl FnOnce(&mut T) -> anyhow::Result<()>,
    ) -> anyhow::Result<T> {
        let state = match self.load()? {
            Some(state) => state,
            None => {
                let mut state = T::default();
                seed(&mut state)?;
                state
            }
        };
        self.save(&state)?;
        Ok(state)
    }

    /// Write `state` (no-op without a path).
    pub fn save<T: Serialize>(&self, state: &T) -> anyhow::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&mut tmp, state)?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        tmp.persist(path)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.error))?;
        Ok(())
    }
}

/// Read a seed file (JSON) of any shape a mock defines.
pub fn read_seed<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
