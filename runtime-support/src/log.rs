//! One JSON object per line on stderr (CloudWatch, in Lambda): `ts`, `level`,
//! `event` and the caller's fields, with a level filter (default info).
//! Callers pass names, counts, serials, times and error codes only: never a
//! secret value, a key or a certificate body.

use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
    Off = 4,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Off => "off",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Ok(Level::Debug),
            "info" => Ok(Level::Info),
            "warn" | "warning" => Ok(Level::Warn),
            "error" => Ok(Level::Error),
            "off" | "none" => Ok(Level::Off),
            other => Err(format!(
                "{other:?} is not a log level: debug, info, warn, error or off"
            )),
        }
    }
}

static MAX: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// Lines below `level` are dropped from now on (process-wide).
pub fn set_level(level: Level) {
    MAX.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    level != Level::Off && level as u8 >= MAX.load(Ordering::Relaxed)
}

/// The line, kept apart from printing so it can be tested.
pub fn line(level: Level, event: &str, fields: Value) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("ts".into(), s2s_core::format_rfc3339(now).into());
    m.insert("level".into(), level.as_str().into());
    m.insert("event".into(), event.into());
    if let Value::Object(extra) = fields {
        m.extend(extra);
    }
    Value::Object(m).to_string()
}

pub fn emit(level: Level, event: &str, fields: Value) {
    if enabled(level) {
        eprintln!("{}", line(level, event, fields));
    }
}

pub fn debug(event: &str, fields: Value) {
    emit(Level::Debug, event, fields)
}

pub fn info(event: &str, fields: Value) {
    emit(Level::Info, event, fields)
}

pub fn warn(event: &str, fields: Value) {
    emit(Level::Warn, event, fields)
}

pub fn error(event: &str, fields: Value) {
    emit(Level::Error, event, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_json_object_per_line_and_levels_filter() {
        let l = line(Level::Warn, "x", serde_json::json!({"n": 3}));
        let v: Value = serde_json::from_str(&l).expect("json");
        assert_eq!(v["level"], "warn");
        assert_eq!(v["event"], "x");
        assert_eq!(v["n"], 3);
        assert!(s2s_core::parse_rfc3339(v["ts"].as_str().unwrap_or_default()).is_some());
        assert!(!l.contains('\n'));
        assert_eq!("DEBUG".parse::<Level>(), Ok(Level::Debug));
        assert!("loud".parse::<Level>().is_err());
        assert!(Level::Debug < Level::Info && Level::Error < Level::Off);
        assert!(
            enabled(Level::Info) && !enabled(Level::Debug),
            "info by default"
        );
        assert!(!enabled(Level::Off));
    }
}
