//! ValidateProviderConfig, ConfigureProvider and StopProvider: the
//! provider's own configuration, and cancelling in-flight work.

use std::sync::Arc;

use magma_protocol::tfplugin6 as pb;
use tokio_util::sync::CancellationToken;

use super::respond::{ensure_error, with_warnings};
use super::validate::validate_config;
use super::ProviderService;
use crate::codec::decode_dynamic;
use crate::diag::Diagnostics;
use crate::framework::{ConfigureRequest, Provider};

pub(super) async fn validate<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_provider_config::Request,
) -> pb::validate_provider_config::Response {
    let ctx = service.call_context("ValidateProviderConfig", "", None);
    let d = validate_config(
        &ctx,
        &service.provider_schema.block,
        &service.provider_type,
        request.config.as_ref(),
        &*service.provider,
        |provider, ctx, config| provider.validate(ctx, config),
    )
    .await;
    pb::validate_provider_config::Response {
        diagnostics: with_warnings(&ctx, d),
    }
}

pub(super) async fn configure<P: Provider>(
    service: &ProviderService<P>,
    request: pb::configure_provider::Request,
) -> pb::configure_provider::Response {
    let ctx = service.call_context("ConfigureProvider", "", None);
    let d = match decode_dynamic(request.config.as_ref(), &service.provider_type) {
        Err(e) => Diagnostics::from(e),
        Ok(config) => {
            let configure = ConfigureRequest {
                config,
                terraform_version: request.terraform_version,
                write_only_attributes_allowed: request
                    .client_capabilities
                    .is_some_and(|c| c.write_only_attributes_allowed),
            };
            match service.provider.configure(&ctx, configure).await {
                Ok(data) => {
                    if let Ok(mut slot) = service.configured_data.write() {
                        *slot = Some(Arc::new(data));
                    }
                    Diagnostics::new()
                }
                Err(d) => ensure_error(d),
            }
        }
    };
    pb::configure_provider::Response {
        diagnostics: with_warnings(&ctx, d),
    }
}

/// Cancels every in-flight call's context and installs a fresh parent, so
/// a long-lived (debug) server keeps serving later Terraform runs.
pub(super) fn stop<P: Provider>(service: &ProviderService<P>) -> pb::stop_provider::Response {
    service
        .log
        .debug("StopProvider: cancelling in-flight operations");
    if let Ok(mut parent) = service.stop.write() {
        parent.cancel();
        *parent = CancellationToken::new();
    }
    pb::stop_provider::Response {
        error: String::new(),
    }
}
