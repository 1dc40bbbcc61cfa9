//! The extension's settings: flags for `serve`, and the same names as
//! environment variables (what the lambda-s2s module sets). Everything is
//! checked here, so a bad setting is one init error that names the variable.

use std::time::Duration;

use s2s_core::Environment;

use crate::addressing::Addressing;
use crate::holder::RefreshPolicy;
use crate::log::Level;

/// The default listening port on 127.0.0.1 (AWS's secrets agent uses 2773).
pub const DEFAULT_PORT: u16 = 2774;
/// The variable whose value requests must carry, unless set to `none`.
pub const DEFAULT_TOKEN_VARIABLE: &str = "AWS_SESSION_TOKEN";

/// Settings as given (all optional here, so a missing one is our message).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Settings {
    /// The function's app (S2S_APP).
    #[arg(long, env = "S2S_APP")]
    pub app: Option<String>,
    /// The function's environment: development, staging, production, sandbox (S2S_ENVIRONMENT).
    #[arg(long, env = "S2S_ENVIRONMENT")]
    pub environment: Option<String>,
    /// The SPIFFE trust domain (S2S_TRUST_DOMAIN).
    #[arg(long, env = "S2S_TRUST_DOMAIN")]
    pub trust_domain: Option<String>,
    /// The mesh domain the gateway routes by SNI (S2S_MESH_DOMAIN).
    #[arg(long, env = "S2S_MESH_DOMAIN")]
    pub mesh_domain: Option<String>,
    /// The function's SPIFFE ID; must be spiffe://<trust domain>/<app> (S2S_SPIFFE_ID).
    #[arg(long, env = "S2S_SPIFFE_ID")]
    pub spiffe_id: Option<String>,
    /// The certificate secret (S2S_CERTIFICATE_SECRET; default s2s/<app>/tls).
    #[arg(long, env = "S2S_CERTIFICATE_SECRET")]
    pub certificate_secret: Option<String>,
    /// host:port of the mesh gateway (S2S_MESH_GATEWAY).
    #[arg(long, env = "S2S_MESH_GATEWAY")]
    pub gateway: Option<String>,
    /// Port on 127.0.0.1 (S2S_PROXY_PORT; 0 picks a free one).
    #[arg(long, env = "S2S_PROXY_PORT")]
    pub port: Option<u16>,
    /// The variable holding the token requests must carry, or `none` (S2S_PROXY_TOKEN_VARIABLE).
    #[arg(long, env = "S2S_PROXY_TOKEN_VARIABLE")]
    pub token_variable: Option<String>,
    /// Re-read the certificate when less than this is left (S2S_REFRESH_MARGIN_SECONDS).
    #[arg(long, env = "S2S_REFRESH_MARGIN_SECONDS")]
    pub refresh_margin_seconds: Option<i64>,
    /// Ask Secrets Manager for a newer version at most this often; 0 = never (S2S_VERSION_CHECK_SECONDS).
    #[arg(long, env = "S2S_VERSION_CHECK_SECONDS")]
    pub version_check_seconds: Option<i64>,
    /// Do not repeat a failed re-read within this (S2S_REFRESH_RETRY_SECONDS).
    #[arg(long, env = "S2S_REFRESH_RETRY_SECONDS")]
    pub refresh_retry_seconds: Option<i64>,
    /// Connect and handshake timeout (S2S_CONNECT_TIMEOUT_MS).
    #[arg(long, env = "S2S_CONNECT_TIMEOUT_MS")]
    pub connect_timeout_ms: Option<u64>,
    /// debug (one line per request), info (per certificate load), warn, error, off (S2S_LOG_LEVEL).
    #[arg(long, env = "S2S_LOG_LEVEL")]
    pub log_level: Option<String>,
}

/// Settings checked and with their defaults.
#[derive(Clone)]
pub struct Resolved {
    pub addressing: Addressing,
    pub app: String,
    pub spiffe_id: String,
    pub certificate_secret: String,
    pub gateway: String,
    pub port: u16,
    /// `None`: the token check is off.
    pub token: Option<String>,
    pub policy: RefreshPolicy,
    pub connect_timeout: Duration,
    pub log_level: Level,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("spiffe_id", &self.spiffe_id)
            .field("gateway", &self.gateway)
            .field("port", &self.port)
            .field("token_required", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

/// One bad or missing setting, named by its variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub message: String,
}

fn bad(variable: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        message: message.into(),
    }
}

fn required<'a>(
    value: &'a Option<String>,
    variable: &'static str,
    what: &str,
) -> Result<&'a str, SettingsError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad(variable, format!("not set: {what}")))
}

impl Settings {
    /// Checks everything; `lookup` reads the token variable.
    pub fn resolve(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Resolved, SettingsError> {
        let app = required(&self.app, "S2S_APP", "the function's app")?;
        s2s_core::validate_app(app).map_err(|e| bad("S2S_APP", e.to_string()))?;
        let environment: Environment = required(
            &self.environment,
            "S2S_ENVIRONMENT",
            "the function's environment",
        )?
        .parse()
        .map_err(|e: s2s_core::NameError| bad("S2S_ENVIRONMENT", e.to_string()))?;
        let trust_domain = required(
            &self.trust_domain,
            "S2S_TRUST_DOMAIN",
            "the SPIFFE trust domain",
        )?;
        let mesh_domain = required(&self.mesh_domain, "S2S_MESH_DOMAIN", "the mesh domain")?;
        s2s_core::validate_trust_domain(trust_domain)
            .map_err(|e| bad("S2S_TRUST_DOMAIN", e.to_string()))?;
        let addressing = Addressing::new(environment, trust_domain, mesh_domain)
            .map_err(|e| bad("S2S_MESH_DOMAIN", e.to_string()))?;
        let spiffe_id = addressing
            .spiffe_id(app)
            .map_err(|e| bad("S2S_APP", e.to_string()))?;
        if let Some(given) = self.spiffe_id.as_deref().filter(|v| !v.is_empty()) {
            if given != spiffe_id {
                return Err(bad(
                    "S2S_SPIFFE_ID",
                    format!("{given} is not spiffe://<S2S_TRUST_DOMAIN>/<S2S_APP> = {spiffe_id}"),
                ));
            }
        }
        let certificate_secret =
            match self.certificate_secret.as_deref().filter(|v| !v.is_empty()) {
                Some(secret) => secret.to_owned(),
                None => s2s_core::certificate_secret_name(app)
                    .map_err(|e| bad("S2S_APP", e.to_string()))?,
            };
        let gateway = required(
            &self.gateway,
            "S2S_MESH_GATEWAY",
            "host:port of the mesh gateway",
        )?;
        if !gateway.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        }) {
            return Err(bad(
                "S2S_MESH_GATEWAY",
                format!("{gateway:?} is not host:port"),
            ));
        }
        let token_variable = self
            .token_variable
            .as_deref()
            .unwrap_or(DEFAULT_TOKEN_VARIABLE);
        let token = if token_variable.eq_ignore_ascii_case("none") {
            None
        } else {
            Some(lookup(token_variable).filter(|t| !t.is_empty()).ok_or_else(|| {
                bad(
                    "S2S_PROXY_TOKEN_VARIABLE",
                    format!("names {token_variable}, which is not set; set S2S_PROXY_TOKEN_VARIABLE=none to switch the token check off"),
                )
            })?)
        };
        let seconds = |value: Option<i64>, default: i64, variable: &'static str| match value {
            Some(v) if v < 0 => Err(bad(variable, format!("{v} is negative"))),
            Some(v) => Ok(v),
            None => Ok(default),
        };
        let defaults = RefreshPolicy::default();
        let policy = RefreshPolicy {
            margin: seconds(
                self.refresh_margin_seconds,
                defaults.margin,
                "S2S_REFRESH_MARGIN_SECONDS",
            )?,
            version_check: seconds(
                self.version_check_seconds,
                defaults.version_check,
                "S2S_VERSION_CHECK_SECONDS",
            )?,
            retry: seconds(
                self.refresh_retry_seconds,
                defaults.retry,
                "S2S_REFRESH_RETRY_SECONDS",
            )?,
        };
        let log_level = match self.log_level.as_deref().filter(|v| !v.is_empty()) {
            Some(level) => level.parse().map_err(|e: String| bad("S2S_LOG_LEVEL", e))?,
            None => Level::Info,
        };
        Ok(Resolved {
            addressing,
            app: app.to_owned(),
            spiffe_id,
            certificate_secret,
            gateway: gateway.to_owned(),
            port: self.port.unwrap_or(DEFAULT_PORT),
            token,
            policy,
            connect_timeout: Duration::from_millis(self.connect_timeout_ms.unwrap_or(3000).max(1)),
            log_level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            app: Some("payments".into()),
            environment: Some("staging".into()),
            trust_domain: Some("example.internal".into()),
            mesh_domain: Some("meshproxy.example.internal".into()),
            gateway: Some("gateway.example.internal:443".into()),
            ..Settings::default()
        }
    }

    fn token(name: &str) -> Option<String> {
        (name == "AWS_SESSION_TOKEN").then(|| "session".to_owned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let r = settings().resolve(token).unwrap();
        assert_eq!(r.spiffe_id, "spiffe://example.internal/payments");
        assert_eq!(r.certificate_secret, "s2s/payments/tls");
        assert_eq!(r.port, DEFAULT_PORT);
        assert_eq!(r.token.as_deref(), Some("session"));
        assert_eq!(r.policy, RefreshPolicy::default());
        assert!(!format!("{r:?}").contains("session\""));
    }

    #[test]
    fn each_problem_names_its_variable() {
        let mut s = settings();
        s.gateway = None;
        assert_eq!(s.resolve(token).unwrap_err().variable, "S2S_MESH_GATEWAY");
        let mut s = settings();
        s.gateway = Some("no-port".into());
        assert_eq!(s.resolve(token).unwrap_err().variable, "S2S_MESH_GATEWAY");
        let mut s = settings();
        s.environment = Some("qa".into());
        assert_eq!(s.resolve(token).unwrap_err().variable, "S2S_ENVIRONMENT");
        let mut s = settings();
        s.spiffe_id = Some("spiffe://example.internal/ledger".into());
        assert_eq!(s.resolve(token).unwrap_err().variable, "S2S_SPIFFE_ID");
        let err = settings().resolve(|_| None).unwrap_err();
        assert_eq!(err.variable, "S2S_PROXY_TOKEN_VARIABLE");
        assert!(err.message.contains("none"), "{err}");
        let mut s = settings();
        s.token_variable = Some("none".into());
        assert_eq!(s.resolve(|_| None).unwrap().token, None);
        let mut s = settings();
        s.refresh_margin_seconds = Some(-1);
        assert_eq!(
            s.resolve(token).unwrap_err().variable,
            "S2S_REFRESH_MARGIN_SECONDS"
        );
    }
}
