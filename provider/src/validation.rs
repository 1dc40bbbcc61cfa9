//! Attribute validators shared by resources and data sources: each wraps an
//! `s2s-core` rule so the provider, the syncer and the issuer agree.

use tfplugin::Value;

/// The attribute must be an app name (a DNS label).
pub fn app_name(value: &Value) -> Result<(), String> {
    let name = value.as_str().unwrap_or_default();
    s2s_core::validate_app(name).map_err(|e| e.to_string())
}
