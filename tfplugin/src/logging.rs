//! Logging as hclog JSON lines on stderr, which is what Terraform (through
//! go-plugin) parses and shows under `TF_LOG` / `TF_LOG_PROVIDER`.
//!
//! Each line is written with a single `write(2)` and looks like
//! `{"@level":"debug","@message":"...","@module":"example","@timestamp":"2026-01-02T03:04:05.123456Z","key":"value"}`.
//! The timestamp has exactly six fractional digits: go-plugin ignores the
//! JSON (and the level) of lines in any other layout.
//!
//! The level comes from `TF_LOG_PROVIDER`, else `TF_LOG` (`trace`, `debug`,
//! `info`, `warn`, `error`, `off`; any other non-empty value means trace, as
//! in Terraform). Without either, nothing is written.
//!
//! Two ways to log:
//! - a [`Logger`] (every framework callback gets one in its
//!   [`Context`](crate::Context)): `ctx.log().with("name", &name).debug("creating")`;
//! - the `tracing` macros (`tracing::debug!(name = %name, "creating")`): the
//!   server installs an [`HclogLayer`] as the global subscriber.
//!
//! This crate itself never logs attribute values, so sensitive values never
//! reach the log through it; do the same in provider code.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use crate::json::write_string;

/// Log levels, from most to least verbose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Very detailed.
    Trace,
    /// Debugging.
    Debug,
    /// Informational.
    Info,
    /// Something looks wrong.
    Warn,
    /// Something failed.
    Error,
    /// Nothing is logged.
    Off,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Off => "off",
        }
    }

    /// Parses a `TF_LOG` value the way Terraform does.
    pub fn from_env_value(v: &str) -> Level {
        match v.trim().to_ascii_lowercase().as_str() {
            "" | "off" => Level::Off,
            "debug" => Level::Debug,
            "info" => Level::Info,
            "warn" => Level::Warn,
            "error" => Level::Error,
            _ => Level::Trace,
        }
    }
}

static LEVEL: OnceLock<Level> = OnceLock::new();

/// The level in force for this process (read once from the environment).
pub fn max_level() -> Level {
    *LEVEL.get_or_init(|| {
        let var = |k| {
            std::env::var(k)
                .ok()
                .filter(|v: &String| !v.trim().is_empty())
        };
        var("TF_LOG_PROVIDER")
            .or_else(|| var("TF_LOG"))
            .map_or(Level::Off, |v| Level::from_env_value(&v))
    })
}

/// Formats a time as `2006-01-02T15:04:05.000000Z` (UTC, microseconds):
/// hclog's `@timestamp`, which Terraform parses with exactly six digits.
pub fn format_timestamp(t: SystemTime) -> String {
    const HCLOG: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::from(t)
        .format(HCLOG)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000000Z"))
}

/// Builds one hclog JSON line (with trailing newline). `fields` values are
/// already JSON-encoded.
pub fn format_line(
    level: Level,
    module: &str,
    message: &str,
    fields: &[(String, String)],
) -> String {
    let mut s = String::with_capacity(128 + message.len());
    s.push_str("{\"@level\":\"");
    s.push_str(level.as_str());
    s.push_str("\",\"@message\":");
    write_string(&mut s, message);
    s.push_str(",\"@module\":");
    write_string(&mut s, module);
    let _ = write!(
        s,
        ",\"@timestamp\":\"{}\"",
        format_timestamp(SystemTime::now())
    );
    for (k, v) in fields {
        if k.starts_with('@') {
            continue;
        }
        s.push(',');
        write_string(&mut s, k);
        s.push(':');
        s.push_str(v);
    }
    s.push_str("}\n");
    s
}

fn emit(line: &str) {
    // One write per line: stderr is unbuffered, so formatting piecemeal would
    // cost a syscall per token and could interleave with other threads.
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
}

/// A cheap, cloneable logger with a module name and key/value fields.
#[derive(Clone, Debug)]
pub struct Logger {
    module: Arc<str>,
    fields: Arc<Vec<(String, String)>>,
}

impl Logger {
    /// A logger for `module` (shown as `@module=...` by Terraform).
    pub fn new(module: &str) -> Self {
        Self {
            module: module.into(),
            fields: Arc::new(Vec::new()),
        }
    }

    /// The same logger with one more string field.
    #[must_use]
    pub fn with(&self, key: &str, value: impl std::fmt::Display) -> Self {
        let mut v = String::new();
        write_string(&mut v, &value.to_string());
        self.with_json(key, v)
    }

    /// The same logger with one more field whose value is raw JSON.
    #[must_use]
    pub fn with_json(&self, key: &str, json: String) -> Self {
        let mut fields = (*self.fields).clone();
        fields.retain(|(k, _)| k != key);
        fields.push((key.to_string(), json));
        Self {
            module: self.module.clone(),
            fields: Arc::new(fields),
        }
    }

    /// Whether `level` would be written.
    pub fn enabled(&self, level: Level) -> bool {
        level != Level::Off && level >= max_level()
    }

    /// Logs `message` at `level`.
    pub fn log(&self, level: Level, message: impl AsRef<str>) {
        if self.enabled(level) {
            emit(&format_line(
                level,
                &self.module,
                message.as_ref(),
                &self.fields,
            ));
        }
    }

    /// Logs at trace.
    pub fn trace(&self, message: impl AsRef<str>) {
        self.log(Level::Trace, message);
    }
    /// Logs at debug.
    pub fn debug(&self, message: impl AsRef<str>) {
        self.log(Level::Debug, message);
    }
    /// Logs at info.
    pub fn info(&self, message: impl AsRef<str>) {
        self.log(Level::Info, message);
    }
    /// Logs at warn.
    pub fn warn(&self, message: impl AsRef<str>) {
        self.log(Level::Warn, message);
    }
    /// Logs at error.
    pub fn error(&self, message: impl AsRef<str>) {
        self.log(Level::Error, message);
    }
}

// ---------------------------------------------------------------------------
// tracing integration
// ---------------------------------------------------------------------------

/// A `tracing` layer writing events as hclog lines. Events from the
/// transport crates (h2, hyper, tonic, tower, rustls) are only passed at warn
/// and above, so `TF_LOG=trace` stays readable.
pub struct HclogLayer {
    module: Arc<str>,
    /// Where lines go instead of stderr (tests).
    sink: Option<Arc<std::sync::Mutex<Vec<String>>>>,
}

impl HclogLayer {
    /// A layer logging under `module`.
    pub fn new(module: &str) -> Self {
        Self {
            module: module.into(),
            sink: None,
        }
    }
}

fn level_of(l: &tracing::Level) -> Level {
    match *l {
        tracing::Level::TRACE => Level::Trace,
        tracing::Level::DEBUG => Level::Debug,
        tracing::Level::INFO => Level::Info,
        tracing::Level::WARN => Level::Warn,
        _ => Level::Error,
    }
}

fn is_transport(target: &str) -> bool {
    [
        "h2",
        "hyper",
        "hyper_util",
        "tonic",
        "tower",
        "rustls",
        "tokio_rustls",
        "mio",
    ]
    .iter()
    .any(|p| target == *p || target.starts_with(&format!("{p}::")))
}

struct FieldVisitor {
    message: String,
    fields: Vec<(String, String)>,
}

impl tracing::field::Visit for FieldVisitor {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            let mut v = String::new();
            write_string(&mut v, &text);
            self.fields.push((field.name().to_string(), v));
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            let mut v = String::new();
            write_string(&mut v, value);
            self.fields.push((field.name().to_string(), v));
        }
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.fields
            .push((field.name().to_string(), value.to_string()));
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.fields
            .push((field.name().to_string(), value.to_string()));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.fields
            .push((field.name().to_string(), value.to_string()));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for HclogLayer {
    fn enabled(
        &self,
        metadata: &tracing::Metadata<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        let l = level_of(metadata.level());
        let max = max_level();
        max != Level::Off && l >= max && (l >= Level::Warn || !is_transport(metadata.target()))
    }

    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut v = FieldVisitor {
            message: String::new(),
            fields: Vec::new(),
        };
        event.record(&mut v);
        let target = event.metadata().target();
        let mut target_json = String::new();
        write_string(&mut target_json, target);
        v.fields.push(("target".to_string(), target_json));
        let line = format_line(
            level_of(event.metadata().level()),
            &self.module,
            &v.message,
            &v.fields,
        );
        match &self.sink {
            Some(sink) => {
                if let Ok(mut s) = sink.lock() {
                    s.push(line);
                }
            }
            None => emit(&line),
        }
    }
}

/// Installs an [`HclogLayer`] as the global `tracing` subscriber (once; later
/// calls and an already installed subscriber are left alone).
pub fn init_tracing(module: &str) {
    use tracing_subscriber::layer::SubscriberExt as _;
    if max_level() == Level::Off {
        return;
    }
    let subscriber = tracing_subscriber::registry().with(HclogLayer::new(module));
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamp_has_six_fraction_digits() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        assert_eq!(format_timestamp(t), "2023-11-14T22:13:20.123456Z");
        let t = UNIX_EPOCH + Duration::new(951_782_400, 0); // leap day 2000
        assert_eq!(format_timestamp(t), "2000-02-29T00:00:00.000000Z");
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn line_is_hclog_json() {
        let line = format_line(
            Level::Debug,
            "example",
            "hello \"you\"",
            &[("n".into(), "1".into()), ("@level".into(), "\"x\"".into())],
        );
        assert!(line.ends_with("}\n"));
        assert_eq!(line.matches('\n').count(), 1);
        let j: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(j["@level"], "debug");
        assert_eq!(j["@message"], "hello \"you\"");
        assert_eq!(j["@module"], "example");
        assert_eq!(j["n"], 1);
        let ts = j["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2006-01-02T15:04:05.000000Z".len());
        assert!(ts.ends_with('Z'));
    }

    #[test]
    fn tracing_events_become_hclog_lines() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let sink = Arc::new(std::sync::Mutex::new(Vec::new()));
        let layer = HclogLayer {
            module: "probe".into(),
            sink: Some(sink.clone()),
        };
        let enabled = max_level() != Level::Off;
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            tracing::error!(app = %"payments", n = 3, "sync failed");
            tracing::error!(target: "h2::proto", "transport noise is passed at error");
        });
        let lines = sink.lock().unwrap().clone();
        if !enabled {
            assert!(lines.is_empty(), "nothing is logged without TF_LOG");
            return;
        }
        assert_eq!(lines.len(), 2);
        let j: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(j["@level"], "error");
        assert_eq!(j["@message"], "sync failed");
        assert_eq!(j["app"], "payments");
        assert_eq!(j["n"], 3);
    }

    #[test]
    fn env_levels() {
        assert_eq!(Level::from_env_value("DEBUG"), Level::Debug);
        assert_eq!(Level::from_env_value("off"), Level::Off);
        assert_eq!(Level::from_env_value("1"), Level::Trace);
        assert!(Level::Warn > Level::Debug);
    }
}
