//! The data-source RPCs: validate and read.

use magma_protocol::tfplugin6 as pb;

use super::respond::{encode_value, ensure_error, with_warnings};
use super::validate::validate_entry;
use super::ProviderService;
use crate::codec::decode_dynamic;
use crate::diag::{AttributePath, Diagnostics};
use crate::framework::Provider;
use crate::schema::Block;
use crate::value::Value;

const KIND: &str = "data source";

pub(super) async fn validate<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    let ctx = service.call_context("ValidateDataResourceConfig", &request.type_name, None);
    let d = validate_entry(
        &ctx,
        &service.data_sources,
        KIND,
        &request.type_name,
        request.config.as_ref(),
        |data_source, ctx, config| data_source.validate(ctx, config),
    )
    .await;
    pb::validate_data_resource_config::Response {
        diagnostics: with_warnings(&ctx, d),
    }
}

pub(super) async fn read<P: Provider>(
    service: &ProviderService<P>,
    request: pb::read_data_source::Request,
) -> pb::read_data_source::Response {
    let (ctx, configured) = service.configured(
        &service.data_sources,
        KIND,
        "ReadDataSource",
        &request.type_name,
    );
    let mut d = Diagnostics::new();
    let mut state = None;
    match configured {
        Err(x) => d = x,
        Ok(target) => {
            let entry = target.entry;
            let ty = &entry.value_type;
            match decode_dynamic(request.config.as_ref(), ty) {
                Err(x) => d = x.into(),
                Ok(config) => match entry
                    .implementation
                    .read(&ctx, &target.data, config.clone())
                    .await
                    .and_then(|result| result.conform(ty).map_err(Diagnostics::from))
                {
                    Ok(result) => {
                        if cfg!(debug_assertions) {
                            check_configured_values_kept(
                                &entry.schema.block,
                                &config,
                                &result,
                                &mut d,
                            );
                        }
                        if !d.has_errors() {
                            state = encode_value(&result, ty, &mut d);
                        }
                    }
                    Err(x) => d = ensure_error(x),
                },
            }
        }
    }
    pb::read_data_source::Response {
        state,
        diagnostics: with_warnings(&ctx, d),
        deferred: None,
    }
}

/// Terraform refuses a data source result that changed a configured value;
/// say so as the provider bug it is, at the attribute.
fn check_configured_values_kept(block: &Block, config: &Value, state: &Value, d: &mut Diagnostics) {
    for attribute in &block.attributes {
        let configured = config.attr(&attribute.name);
        if !configured.is_null()
            && configured.is_fully_known()
            && state.attr(&attribute.name) != configured
        {
            d.add_attribute_error(
                AttributePath::attr(attribute.name.clone()),
                "Provider produced an invalid data source result",
                "A configured value was changed by the read. This is a provider bug.",
            );
        }
    }
}
