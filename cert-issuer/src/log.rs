//! One JSON object per line on stderr (CloudWatch in Lambda). Callers pass
//! names, counts, serials and error codes, never key material or bundle values.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Render one line (separate from printing so it can be tested).
pub fn line(level: Level, event: &str, fields: Value) -> String {
    let mut m = Map::new();
    m.insert(
        "ts".into(),
        cert_bundle::format_rfc3339(crate::clock::Clock::now(&crate::clock::SystemClock)).into(),
    );
    m.insert("level".into(), level.as_str().into());
    m.insert("event".into(), event.into());
    if let Value::Object(extra) = fields {
        m.extend(extra);
    }
    Value::Object(m).to_string()
}

pub fn emit(level: Level, event: &str, fields: Value) {
    eprintln!("{}", line(level, event, fields));
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
    fn one_json_object_per_line() {
        let l = line(Level::Warn, "x", serde_json::json!({"n": 3}));
        let v: Value = serde_json::from_str(&l).expect("json");
        assert_eq!(v["level"], "warn");
        assert_eq!(v["event"], "x");
        assert_eq!(v["n"], 3);
        assert!(!l.contains('\n'));
    }
}
