//! The Registry and Keywhiz clients, built from the provider settings, and
//! the conversion of their errors into diagnostics that name the request.

use std::time::Duration;

use keywhiz_client::KeywhizClient;
use mtls_http::{ClientConfig, RetryPolicy};
use registry_client::RegistryClient;
use tfplugin::Diagnostics;

use crate::settings::{Settings, TlsIdentity};

/// Both clients, or why each one cannot be used. Built once per configure;
/// a missing setting is only an error for the resources that need it, so
/// functions and `s2s_sync_schedule` work with an empty provider block.
pub struct Clients {
    registry: Result<RegistryClient, String>,
    keywhiz: Result<KeywhizClient, String>,
}

/// How hard each client tries: retries (429, 5xx, connection errors; never a
/// certificate or permission problem) with exponential backoff and jitter,
/// for as long as the provider's `request_timeout_seconds` allows — the
/// budget, not a count of attempts, ends the retries, and no attempt outlasts
/// what is left of it.
struct Budget {
    attempts: u32,
    total: Duration,
    per_attempt: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Budget {
    fn new(settings: &Settings) -> Budget {
        let total = Duration::from_secs(u64::from(settings.request_timeout_seconds));
        Budget {
            attempts: u32::MAX,
            total,
            per_attempt: total.min(Duration::from_secs(30)),
            initial_backoff: Duration::from_millis(100),
            max_backoff: total.min(Duration::from_secs(5)),
        }
    }

    /// The configuration of a client of `url` (either system) within this budget.
    fn client_config(&self, url: &str, id: &TlsIdentity) -> ClientConfig {
        let mut config = ClientConfig::new(
            url,
            id.certificate_pem.clone().into_bytes(),
            id.key_pem.clone().into_bytes(),
            id.ca_pem.clone().into_bytes(),
        );
        config.retry = RetryPolicy {
            max_attempts: self.attempts,
            total_timeout: self.total,
            initial_backoff: self.initial_backoff,
            max_backoff: self.max_backoff,
        };
        config.request_timeout = self.per_attempt;
        config.connect_timeout = self.per_attempt.min(Duration::from_secs(10));
        config
    }
}

fn missing(system: &str, url_attr: &str, url_var: &str) -> String {
    format!(
        "The provider has no {system} URL: set `{url_attr}` in the provider block or the {url_var} environment variable."
    )
}

const NO_IDENTITY: &str = "The provider has no mTLS identity: set `client_certificate`, `client_key` and `ca_bundle` in the provider block (or S2S_CLIENT_CERTIFICATE, S2S_CLIENT_KEY and S2S_CA_BUNDLE).";

impl Clients {
    pub fn new(settings: &Settings) -> Clients {
        let b = Budget::new(settings);
        let registry = match (&settings.registry_url, &settings.identity) {
            (None, _) => Err(missing("Registry", "registry_url", "S2S_REGISTRY_URL")),
            (Some(_), None) => Err(NO_IDENTITY.to_owned()),
            (Some(url), Some(id)) => {
                RegistryClient::new(&b.client_config(url, id)).map_err(|e| e.to_string())
            }
        };
        let keywhiz = match (&settings.keywhiz_url, &settings.identity) {
            (None, _) => Err(missing("Keywhiz", "keywhiz_url", "S2S_KEYWHIZ_URL")),
            (Some(_), None) => Err(NO_IDENTITY.to_owned()),
            (Some(url), Some(id)) => {
                KeywhizClient::new(&b.client_config(url, id)).map_err(|e| e.to_string())
            }
        };
        Clients { registry, keywhiz }
    }

    /// The Registry client, or an error saying which setting is missing.
    pub fn registry(&self) -> Result<&RegistryClient, Diagnostics> {
        self.registry
            .as_ref()
            .map_err(|e| Diagnostics::error("Registry is not configured", e.clone()))
    }

    /// The Keywhiz client, or an error saying which setting is missing.
    pub fn keywhiz(&self) -> Result<&KeywhizClient, Diagnostics> {
        self.keywhiz
            .as_ref()
            .map_err(|e| Diagnostics::error("Keywhiz is not configured", e.clone()))
    }
}

/// A failed Registry call as a diagnostic: `summary` says what the provider
/// was doing; the detail names the request, the status and the server's
/// message, and for a certificate or permission problem which setting to check.
pub fn registry_error(summary: &str, e: &registry_client::Error) -> Diagnostics {
    let advice = advice("Registry", e.transport_failure(), e.status());
    Diagnostics::error(summary, format!("{e}.{advice}"))
}

/// A failed Keywhiz call as a diagnostic (see [`registry_error`]).
pub fn keywhiz_error(summary: &str, e: &keywhiz_client::Error) -> Diagnostics {
    let mut advice = advice("Keywhiz", e.transport_failure(), e.status());
    if e.status() == Some(403) {
        advice.push_str(" The provider's identity must be a Keywhiz automation client (automationAllowed is set in Keywhiz's database; no API sets it).");
    }
    Diagnostics::error(summary, format!("{e}.{advice}"))
}

/// Which provider setting a failure points at.
fn advice(
    system: &str,
    failure: Option<&mtls_http::TransportFailure>,
    status: Option<u16>,
) -> String {
    use mtls_http::FailureKind;
    match (failure.map(|f| f.kind), status) {
        (Some(FailureKind::ServerCertificate), _) => format!(" Check `ca_bundle` (S2S_CA_BUNDLE): it must hold the CA that issued {system}'s server certificate."),
        (Some(FailureKind::ClientCertificateRefused), _) => format!(" Check `client_certificate` (S2S_CLIENT_CERTIFICATE): {system} must trust its issuer and accept it."),
        (Some(FailureKind::Timeout), _) => " The provider gives each call `request_timeout_seconds` (default 120), retries included.".to_owned(),
        (_, Some(401)) => format!(" Check `client_certificate` (S2S_CLIENT_CERTIFICATE): {system} does not know this identity."),
        _ => String::new(),
    }
}
