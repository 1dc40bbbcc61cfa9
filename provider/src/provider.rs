//! The provider itself: its configuration block and what it offers.

use std::sync::Arc;

use tfplugin::{
    async_trait, attr_name, from_value, Attribute, AttributePath, Block, ConfigureRequest, Context,
    DataSource, Diagnostics, Function, NestedBlock, Nesting, Provider, Resource, Schema, Value,
};

use crate::clients::Clients;
use crate::plans::Plans;
use crate::reads::Reads;
use crate::settings::{self, RawAwsSettings, RawSettings, Settings};

/// The provider's registry address (`source = "registry.example.internal/platform/s2s"`).
pub const PROVIDER_ADDRESS: &str = "registry.example.internal/platform/s2s";

/// What configure hands to every resource and data source.
pub struct S2sData {
    pub(crate) settings: Settings,
    pub(crate) clients: Clients,
    /// Reads shared by the resources of this operation (see `cache`).
    pub(crate) reads: Reads,
    /// What this operation plans for each app (see `plans`).
    pub(crate) plans: Plans,
}

pub struct S2sProvider;

#[async_trait]
impl Provider for S2sProvider {
    type Data = S2sData;

    fn name(&self) -> &str {
        "s2s"
    }

    fn schema(&self) -> Schema {
        let env_note = |var: &str| format!(" Falls back to the `{var}` environment variable.");
        let string = |name: &'static str, var: &str, text: &str| {
            Attribute::string(name)
                .optional()
                .markdown_description(format!("{text}{}", env_note(var)))
        };
        Schema::new(
            Block::new()
                .markdown_description("Configures how the provider reaches Registry, Keywhiz and AWS. Functions need none of it.")
                .attribute(string(attr_name!(RawSettings.registry_url), "S2S_REGISTRY_URL", "Base URL of the Registry API (`https://...`)."))
                .attribute(string(attr_name!(RawSettings.keywhiz_url), "S2S_KEYWHIZ_URL", "Base URL of Keywhiz (`https://...`)."))
                .attribute(string(
                    attr_name!(RawSettings.client_certificate),
                    "S2S_CLIENT_CERTIFICATE",
                    "The provider's mTLS client certificate: PEM, or the path of a PEM file.",
                ))
                .attribute(
                    string(
                        attr_name!(RawSettings.client_key),
                        "S2S_CLIENT_KEY",
                        "The private key of `client_certificate`: PEM, or the path of a PEM file.",
                    )
                    .sensitive(),
                )
                .attribute(string(
                    attr_name!(RawSettings.ca_bundle),
                    "S2S_CA_BUNDLE",
                    "CA certificates that Registry's and Keywhiz's server certificates chain to: PEM, or the path of a PEM file.",
                ))
                .attribute(string(
                    attr_name!(RawSettings.trust_domain),
                    "S2S_TRUST_DOMAIN",
                    "SPIFFE trust domain of the mesh, e.g. `example.internal`.",
                ))
                .attribute(string(
                    attr_name!(RawSettings.mesh_domain),
                    "S2S_MESH_DOMAIN",
                    "DNS domain the mesh gateway routes by SNI, e.g. `meshproxy.example.internal`.",
                ))
                .attribute(Attribute::number(attr_name!(RawSettings.expiry_warning_days)).optional().markdown_description(
                    "Plan warns about assigned secrets that expire within this many days. Default 30.",
                ))
                .attribute(Attribute::number(attr_name!(RawSettings.request_timeout_seconds)).optional().markdown_description(
                    "Upper bound on one API operation including its retries (429, 5xx, connection errors, with exponential backoff and jitter). Default 120.",
                ))
                .block(NestedBlock::new(
                    attr_name!(RawSettings.aws),
                    Nesting::Single,
                    Block::new()
                        .markdown_description("AWS settings for STS GetCallerIdentity (the account an apply runs in). Unset values come from the standard AWS environment.")
                        .attribute(string(attr_name!(RawAwsSettings.region), "S2S_AWS_REGION", "AWS region, e.g. `eu-west-2`."))
                        .attribute(string(
                            attr_name!(RawAwsSettings.endpoint),
                            "S2S_AWS_ENDPOINT",
                            "Custom endpoint for AWS APIs (e.g. a local moto).",
                        ))
                        .attribute(string(
                            attr_name!(RawAwsSettings.assume_role_arn),
                            "S2S_AWS_ASSUME_ROLE_ARN",
                            "Role to assume before calling AWS.",
                        )),
                )),
        )
    }

    async fn configure(
        &self,
        ctx: &Context,
        req: ConfigureRequest,
    ) -> Result<S2sData, Diagnostics> {
        let raw = raw_settings(&req.config)?;
        let settings =
            settings::resolve(&raw, |var| std::env::var(var).ok()).map_err(|errors| {
                let mut diags = Diagnostics::new();
                for e in errors {
                    let mut path = AttributePath::root();
                    for step in e.attribute {
                        path = path.attribute(step);
                    }
                    diags.add_attribute_error(path, "Invalid provider configuration", e.message);
                }
                diags
            })?;
        check_identity(&settings)?;
        ctx.log()
            .with("registry", settings.registry_url.is_some())
            .with("keywhiz", settings.keywhiz_url.is_some())
            .with("aws", settings.aws.is_some())
            .debug("s2s provider configured");
        Ok(S2sData {
            clients: Clients::new(&settings),
            reads: Reads::default(),
            plans: Plans::default(),
            settings,
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<S2sData>>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<S2sData>>> {
        crate::data_sources::all()
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        crate::functions::all()
    }
}

/// A configured mTLS identity must be usable: its key belongs to its
/// certificate, which is within its validity. Said here, on the attribute,
/// rather than as a TLS failure deep inside the first request.
fn check_identity(settings: &Settings) -> Result<(), Diagnostics> {
    let Some(id) = &settings.identity else {
        return Ok(());
    };
    let now = mtls_http::now_unix();
    let (attribute, message) =
        match mtls_http::inspect(id.certificate_pem.as_bytes(), id.key_pem.as_bytes(), now) {
            Ok(_) => return Ok(()),
            Err(mtls_http::IdentityError::Key(m)) => (attr_name!(RawSettings.client_key), m),
            Err(mtls_http::IdentityError::Certificate(m)) => {
                (attr_name!(RawSettings.client_certificate), m)
            }
        };
    Err(Diagnostics::attribute_error(
        AttributePath::attr(attribute),
        "Unusable mTLS identity",
        format!("{message}. The provider presents this identity to Registry and Keywhiz."),
    ))
}

/// Reads the configuration block. Values unknown at plan time cannot be
/// checked or used, so each is refused with its attribute's path.
fn raw_settings(config: &Value) -> Result<RawSettings, Diagnostics> {
    let mut diags = Diagnostics::new();
    refuse_unknowns(config, &mut AttributePath::root(), &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(from_value(config)?)
}

fn refuse_unknowns(value: &Value, path: &mut AttributePath, diags: &mut Diagnostics) {
    match value {
        Value::Unknown(_) => diags.add_attribute_error(
            path.clone(),
            "Provider setting not known during plan",
            "The s2s provider needs this value during plan; it must not depend on a resource that is created in the same apply.",
        ),
        Value::Object(attributes) => {
            for (name, v) in attributes {
                path.push(tfplugin::PathStep::Attribute(name.clone()));
                refuse_unknowns(v, path, diags);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_block_is_its_model() {
        tfplugin::model::check_model::<RawSettings>(&S2sProvider.schema())
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn unknown_settings_are_refused_at_their_path() {
        let config = Value::object([
            ("registry_url", Value::unknown()),
            ("mesh_domain", Value::from("meshproxy.example.internal")),
            ("aws", Value::object([("region", Value::unknown())])),
        ]);
        let d = raw_settings(&config).unwrap_err();
        let paths: Vec<String> = d
            .iter()
            .map(|x| x.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(paths, vec!["aws.region", "registry_url"]);
        let known = Value::object([("mesh_domain", Value::from("m.example.internal"))]);
        let raw = raw_settings(&known).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(raw.mesh_domain.as_deref(), Some("m.example.internal"));
    }
}
