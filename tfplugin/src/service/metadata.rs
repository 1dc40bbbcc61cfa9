//! GetMetadata, GetProviderSchema and GetFunctions: what the provider
//! offers, from the table built at start.

use std::collections::HashMap;

use magma_protocol::tfplugin6 as pb;

use super::ProviderService;
use crate::framework::Provider;

/// What this runtime implements of the protocol's optional features.
fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

pub(super) fn get_metadata<P: Provider>(
    service: &ProviderService<P>,
) -> pb::get_metadata::Response {
    use pb::get_metadata as m;
    m::Response {
        server_capabilities: Some(capabilities()),
        data_sources: service
            .data_sources
            .keys()
            .map(|type_name| m::DataSourceMetadata {
                type_name: type_name.clone(),
            })
            .collect(),
        resources: service
            .resources
            .keys()
            .map(|type_name| m::ResourceMetadata {
                type_name: type_name.clone(),
            })
            .collect(),
        functions: service
            .functions
            .keys()
            .map(|name| m::FunctionMetadata { name: name.clone() })
            .collect(),
        ..Default::default()
    }
}

pub(super) fn get_provider_schema<P: Provider>(
    service: &ProviderService<P>,
) -> pb::get_provider_schema::Response {
    pb::get_provider_schema::Response {
        provider: Some(service.provider_schema.to_proto()),
        resource_schemas: service
            .resources
            .iter()
            .map(|(type_name, entry)| (type_name.clone(), entry.schema.to_proto()))
            .collect(),
        data_source_schemas: service
            .data_sources
            .iter()
            .map(|(type_name, entry)| (type_name.clone(), entry.schema.to_proto()))
            .collect(),
        functions: function_signatures(service),
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

pub(super) fn get_functions<P: Provider>(
    service: &ProviderService<P>,
) -> pb::get_functions::Response {
    pb::get_functions::Response {
        functions: function_signatures(service),
        diagnostics: vec![],
    }
}

fn function_signatures<P: Provider>(service: &ProviderService<P>) -> HashMap<String, pb::Function> {
    service
        .functions
        .iter()
        .map(|(name, (_, signature))| (name.clone(), signature.to_proto()))
        .collect()
}
