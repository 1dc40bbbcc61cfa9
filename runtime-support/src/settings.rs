//! Settings as the runtime binaries take them: a JSON file (Terraform can
//! `jsonencode` it, keys as the long flags with `_`), overlaid with the flags
//! or environment variables that were given (the Lambda uses those). The
//! overlay goes through JSON too, so a setting is spelled once, as a field
//! of the settings struct, and a flag set means exactly "this key, this
//! value". Errors name the file or the setting.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a valid settings file: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("flags and environment: {0}")]
    Flags(serde_json::Error),
    #[error("setting {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

/// The error for a bad value of `field`.
pub fn invalid(field: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        field,
        message: message.into(),
    }
}

/// A settings file, by the rules of `S` (its defaults, unknown keys refused
/// when `S` says `deny_unknown_fields`).
pub fn from_file<S: DeserializeOwned>(path: &Path) -> Result<S, SettingsError> {
    let (settings, _) = read(path)?;
    Ok(settings)
}

fn read<S: DeserializeOwned>(path: &Path) -> Result<(S, Map<String, Value>), SettingsError> {
    let parse = |source| SettingsError::Parse {
        path: path.display().to_string(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let settings = serde_json::from_str(&text).map_err(parse)?;
    // It parsed as `S`, a struct, so it is an object.
    let object = serde_json::from_str(&text).map_err(parse)?;
    Ok((settings, object))
}

/// The file at `config` (defaults without one), with every field of `flags`
/// that is not `None` put over it. `flags` serializes to an object whose keys
/// are the settings' keys; the `--config` field itself is `#[serde(skip)]`.
pub fn layered<S, F>(config: Option<&Path>, flags: &F) -> Result<S, SettingsError>
where
    S: DeserializeOwned + Default,
    F: Serialize,
{
    let given: Map<String, Value> =
        match serde_json::to_value(flags).map_err(SettingsError::Flags)? {
            Value::Object(m) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => Map::new(),
        };
    let (settings, mut object) = match config {
        Some(path) => read(path)?,
        None => (S::default(), Map::new()),
    };
    if given.is_empty() {
        return Ok(settings);
    }
    object.extend(given);
    serde_json::from_value(Value::Object(object)).map_err(SettingsError::Flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Demo {
        name: String,
        rate: f64,
        dir: Option<std::path::PathBuf>,
        dry_run: bool,
    }

    impl Default for Demo {
        fn default() -> Self {
            Demo {
                name: "default".into(),
                rate: 20.0,
                dir: None,
                dry_run: false,
            }
        }
    }

    #[derive(Default, Serialize)]
    struct Flags {
        #[serde(skip)]
        config: Option<std::path::PathBuf>,
        rate: Option<f64>,
        dir: Option<std::path::PathBuf>,
        dry_run: Option<bool>,
    }

    #[test]
    fn flags_given_override_the_file_and_absent_ones_do_not() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("s.json");
        std::fs::write(&p, r#"{"name":"from-file","rate":5,"dir":"/file"}"#).expect("write");
        let flags = Flags {
            config: Some(p.clone()),
            rate: Some(7.0),
            dry_run: Some(true),
            ..Flags::default()
        };
        let s: Demo = layered(flags.config.as_deref(), &flags).expect("layered");
        assert_eq!(
            s,
            Demo {
                name: "from-file".into(),
                rate: 7.0,
                dir: Some("/file".into()),
                dry_run: true,
            }
        );
        let none: Demo = layered(Some(&p), &Flags::default()).expect("file only");
        assert_eq!(none, from_file::<Demo>(&p).expect("file"));
        let defaults: Demo = layered(None, &Flags::default()).expect("defaults");
        assert_eq!(defaults, Demo::default());
    }

    #[test]
    fn errors_name_the_file_or_the_setting() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("s.json");
        std::fs::write(&p, r#"{"name":"x","typo":1}"#).expect("write");
        let e = from_file::<Demo>(&p).expect_err("unknown key").to_string();
        assert!(e.contains("s.json") && e.contains("typo"), "{e}");
        let missing = tmp.path().join("missing.json");
        let e = layered::<Demo, _>(Some(&missing), &Flags::default()).expect_err("missing");
        assert!(matches!(e, SettingsError::Read { .. }), "{e}");
        assert_eq!(
            invalid("rate", "must be > 0").to_string(),
            "setting rate: must be > 0"
        );
    }
}
