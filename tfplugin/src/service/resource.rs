//! The managed-resource RPCs: validate, upgrade state, read, plan, apply
//! (create, update, delete) and import. The framework's share of each —
//! decoding, shaping results to the schema, semantic equality, write-only
//! nulling and (in debug builds) Terraform's own plan/apply checks — is here,
//! so resources only write their CRUD.

use magma_protocol::tfplugin6 as pb;

use super::respond::{encode_value, ensure_error, unknown_type, with_warnings};
use super::validate::validate_entry;
use super::ProviderService;
use crate::codec::decode_dynamic;
use crate::diag::{AttributePath, Diagnostics};
use crate::framework::{
    CreateRequest, DeleteRequest, Provider, ReadRequest, ResourcePlan, UpdateRequest,
    UpgradeRequest,
};
use crate::json::Json;
use crate::plan;
use crate::value::{Type, Value};

const KIND: &str = "resource";

pub(super) async fn validate<P: Provider>(
    service: &ProviderService<P>,
    request: pb::validate_resource_config::Request,
) -> pb::validate_resource_config::Response {
    let ctx = service.call_context("ValidateResourceConfig", &request.type_name, None);
    let d = validate_entry(
        &ctx,
        &service.resources,
        KIND,
        &request.type_name,
        request.config.as_ref(),
        |resource, ctx, config| resource.validate(ctx, config),
    )
    .await;
    pb::validate_resource_config::Response {
        diagnostics: with_warnings(&ctx, d),
    }
}

/// State of the current schema version is decoded as is (attributes the
/// schema dropped are ignored); older versions go to the resource's upgrade.
pub(super) async fn upgrade_state<P: Provider>(
    service: &ProviderService<P>,
    request: pb::upgrade_resource_state::Request,
) -> pb::upgrade_resource_state::Response {
    let ctx = service.call_context("UpgradeResourceState", &request.type_name, None);
    let mut d = Diagnostics::new();
    let mut upgraded_state = None;
    match service.resources.get(&request.type_name) {
        None => d = unknown_type(KIND, &request.type_name),
        Some(entry) => {
            let raw = request.raw_state.unwrap_or_default();
            let ty = &entry.value_type;
            if raw.json.is_empty() {
                if !raw.flatmap.is_empty() {
                    d.add_error(
                        "Unsupported state format",
                        "State written before Terraform 0.12 (flatmap) cannot be upgraded by this provider.",
                    );
                }
            } else if request.version == entry.schema.version {
                match decode_current_state(&raw.json, ty) {
                    Ok(state) => upgraded_state = encode_value(&state, ty, &mut d),
                    Err(x) => d.extend(x),
                }
            } else {
                let upgrade = UpgradeRequest {
                    version: request.version,
                    json: String::from_utf8_lossy(&raw.json).into_owned(),
                };
                match entry
                    .implementation
                    .upgrade_state(&ctx, upgrade)
                    .await
                    .and_then(|state| state.conform(ty).map_err(Diagnostics::from))
                {
                    Ok(state) => upgraded_state = encode_value(&state, ty, &mut d),
                    Err(x) => d.extend(ensure_error(x)),
                }
            }
        }
    }
    pb::upgrade_resource_state::Response {
        upgraded_state,
        diagnostics: with_warnings(&ctx, d),
    }
}

/// A read that returns `None` (the object is gone) removes it from state.
pub(super) async fn read<P: Provider>(
    service: &ProviderService<P>,
    request: pb::read_resource::Request,
) -> pb::read_resource::Response {
    let (ctx, configured) =
        service.configured(&service.resources, KIND, "ReadResource", &request.type_name);
    let mut d = Diagnostics::new();
    let mut new_state = None;
    let private = request.private.clone();
    match configured {
        Err(x) => d = x,
        Ok(target) => {
            let entry = target.entry;
            let ty = &entry.value_type;
            match decode_dynamic(request.current_state.as_ref(), ty) {
                Err(x) => d = x.into(),
                Ok(state) if state.is_null() => new_state = encode_value(&Value::Null, ty, &mut d),
                Ok(state) => {
                    let read = ReadRequest {
                        state: state.clone(),
                        private: request.private,
                    };
                    match entry.implementation.read(&ctx, &target.data, read).await {
                        Ok(None) => new_state = encode_value(&Value::Null, ty, &mut d),
                        Ok(Some(found)) => match found.conform(ty) {
                            Ok(mut found) => {
                                plan::keep_semantically_equal(
                                    &entry.schema.block,
                                    &state,
                                    &mut found,
                                );
                                plan::null_write_only(&entry.schema.block, &mut found);
                                new_state = encode_value(&found, ty, &mut d);
                            }
                            Err(x) => d = x.into(),
                        },
                        Err(x) => d = ensure_error(x),
                    }
                }
            }
        }
    }
    pb::read_resource::Response {
        new_state,
        diagnostics: with_warnings(&ctx, d),
        private,
        ..Default::default()
    }
}

/// The framework plans (defaults, unknown computed values, plan modifiers,
/// replacement), then the resource's `modify_plan` adjusts it. A destroy
/// (null proposed state) plans null without asking the resource.
pub(super) async fn plan<P: Provider>(
    service: &ProviderService<P>,
    request: pb::plan_resource_change::Request,
) -> pb::plan_resource_change::Response {
    let ctx = service.call_context("PlanResourceChange", &request.type_name, None);
    let mut d = Diagnostics::new();
    let mut planned_state = None;
    let mut requires_replace = Vec::new();
    let mut planned_private = request.prior_private.clone();
    match service.resources.get(&request.type_name) {
        None => d = unknown_type(KIND, &request.type_name),
        Some(entry) => {
            let ty = &entry.value_type;
            let decoded = decode_dynamic(request.prior_state.as_ref(), ty).and_then(|prior| {
                Ok((
                    prior,
                    decode_dynamic(request.proposed_new_state.as_ref(), ty)?,
                    decode_dynamic(request.config.as_ref(), ty)?,
                ))
            });
            match decoded {
                Err(x) => d = x.into(),
                Ok((_, proposed, _)) if proposed.is_null() => {
                    planned_state = encode_value(&Value::Null, ty, &mut d);
                }
                Ok((prior, proposed, config)) => {
                    let framework_plan =
                        plan::plan_resource(&entry.schema.block, &prior, &config, proposed);
                    let mut resource_plan = ResourcePlan {
                        prior,
                        config,
                        planned: framework_plan.planned,
                        requires_replace: framework_plan.requires_replace,
                        private: request.prior_private,
                        value_type: ty.clone(),
                    };
                    let data = service.configured_data();
                    match entry
                        .implementation
                        .modify_plan(&ctx, data.as_deref(), &mut resource_plan)
                        .await
                    {
                        Err(x) => d = ensure_error(x),
                        Ok(()) => match resource_plan.planned.conform(ty) {
                            Err(x) => d = x.into(),
                            Ok(planned) => {
                                if cfg!(debug_assertions) {
                                    plan::check_plan(
                                        &entry.schema.block,
                                        &resource_plan.prior,
                                        &resource_plan.config,
                                        &planned,
                                        &mut AttributePath::root(),
                                        &mut d,
                                    );
                                }
                                if !d.has_errors() {
                                    planned_state = encode_value(&planned, ty, &mut d);
                                    requires_replace = resource_plan.requires_replace;
                                    planned_private = resource_plan.private;
                                }
                            }
                        },
                    }
                }
            }
        }
    }
    pb::plan_resource_change::Response {
        planned_state,
        requires_replace: requires_replace
            .iter()
            .map(AttributePath::to_proto)
            .collect(),
        planned_private,
        diagnostics: with_warnings(&ctx, d),
        ..Default::default()
    }
}

/// Null planned state deletes; null prior state creates; else updates. A
/// failed delete answers null with errors, which Terraform reads as "keep
/// the prior state".
pub(super) async fn apply<P: Provider>(
    service: &ProviderService<P>,
    request: pb::apply_resource_change::Request,
) -> pb::apply_resource_change::Response {
    let (ctx, configured) = service.configured(
        &service.resources,
        KIND,
        "ApplyResourceChange",
        &request.type_name,
    );
    let mut d = Diagnostics::new();
    let mut new_state = None;
    let private = request.planned_private.clone();
    match configured {
        Err(x) => d = x,
        Ok(target) => {
            let entry = target.entry;
            let ty = &entry.value_type;
            let decoded = decode_dynamic(request.prior_state.as_ref(), ty).and_then(|prior| {
                Ok((
                    prior,
                    decode_dynamic(request.planned_state.as_ref(), ty)?,
                    decode_dynamic(request.config.as_ref(), ty)?,
                ))
            });
            match decoded {
                Err(x) => d = x.into(),
                Ok((prior, planned, _)) if planned.is_null() => {
                    let delete = DeleteRequest {
                        prior,
                        private: request.planned_private,
                    };
                    match entry
                        .implementation
                        .delete(&ctx, &target.data, delete)
                        .await
                    {
                        Ok(()) => new_state = encode_value(&Value::Null, ty, &mut d),
                        Err(x) => d = ensure_error(x),
                    }
                }
                Ok((prior, planned, config)) => {
                    let result = if prior.is_null() {
                        let create = CreateRequest {
                            config,
                            planned: planned.clone(),
                            private: request.planned_private,
                        };
                        entry
                            .implementation
                            .create(&ctx, &target.data, create)
                            .await
                    } else {
                        let update = UpdateRequest {
                            prior,
                            config,
                            planned: planned.clone(),
                            private: request.planned_private,
                        };
                        entry
                            .implementation
                            .update(&ctx, &target.data, update)
                            .await
                    };
                    match result.and_then(|state| state.conform(ty).map_err(Diagnostics::from)) {
                        Ok(mut state) => {
                            plan::keep_semantically_equal(
                                &entry.schema.block,
                                &planned,
                                &mut state,
                            );
                            plan::null_write_only(&entry.schema.block, &mut state);
                            if cfg!(debug_assertions) {
                                plan::check_apply(
                                    &entry.schema.block,
                                    &planned,
                                    &state,
                                    &mut AttributePath::root(),
                                    &mut d,
                                );
                            }
                            new_state = encode_value(&state, ty, &mut d);
                        }
                        Err(x) => d = ensure_error(x),
                    }
                }
            }
        }
    }
    pb::apply_resource_change::Response {
        new_state,
        private,
        diagnostics: with_warnings(&ctx, d),
        ..Default::default()
    }
}

pub(super) async fn import<P: Provider>(
    service: &ProviderService<P>,
    request: pb::import_resource_state::Request,
) -> pb::import_resource_state::Response {
    let (ctx, configured) = service.configured(
        &service.resources,
        KIND,
        "ImportResourceState",
        &request.type_name,
    );
    let mut d = Diagnostics::new();
    let mut imported_resources = Vec::new();
    match configured {
        Err(x) => d = x,
        Ok(target) => {
            let ty = &target.entry.value_type;
            match target
                .entry
                .implementation
                .import(&ctx, &target.data, &request.id)
                .await
                .and_then(|state| state.conform(ty).map_err(Diagnostics::from))
            {
                Ok(state) => {
                    if let Some(state) = encode_value(&state, ty, &mut d) {
                        imported_resources.push(pb::import_resource_state::ImportedResource {
                            type_name: request.type_name.clone(),
                            state: Some(state),
                            ..Default::default()
                        });
                    }
                }
                Err(x) => d = ensure_error(x),
            }
        }
    }
    pb::import_resource_state::Response {
        imported_resources,
        diagnostics: with_warnings(&ctx, d),
        deferred: None,
    }
}

/// Decodes stored JSON state of the current schema version, dropping
/// top-level attributes the schema no longer has.
fn decode_current_state(json: &[u8], ty: &Type) -> Result<Value, Diagnostics> {
    let text = std::str::from_utf8(json)
        .map_err(|_| Diagnostics::error("Invalid stored state", "The state is not UTF-8."))?;
    let mut stored =
        Json::parse(text).map_err(|e| Diagnostics::error("Invalid stored state", e.to_string()))?;
    if let (Json::Object(object), Type::Object { attributes, .. }) = (&mut stored, ty) {
        object.retain(|name, _| attributes.contains_key(name));
    }
    Ok(crate::codec::decode_json(stored.to_text().as_bytes(), ty)?)
}
