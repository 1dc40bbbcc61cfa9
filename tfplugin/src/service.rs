//! The tfplugin6 `Provider` gRPC service, dispatching to the framework traits.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use magma_protocol::tfplugin6 as pb;
use pb::provider_server::Provider as ProviderRpc;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::codec::{decode_dynamic, encode_dynamic};
use crate::diag::{AttributePath, Diagnostics};
use crate::framework::{
    ConfigureRequest, Context, CreateRequest, DataSource, DeleteRequest, Function, Provider,
    ReadRequest, Resource, ResourcePlan, UpdateRequest, UpgradeRequest,
};
use crate::logging::Logger;
use crate::plan;
use crate::schema::{self, Schema};
use crate::validators::validate_block;
use crate::value::{Type, Value};

type Stream<T> = Pin<Box<dyn tokio_stream::Stream<Item = Result<T, Status>> + Send>>;

struct Entry<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Entry<T> {
    fn new(imp: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Self { imp, schema, ty }
    }
}

/// The gRPC service for provider `P`.
pub(crate) struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_ty: Type,
    resources: HashMap<String, Entry<dyn Resource<P::Data>>>,
    data_sources: HashMap<String, Entry<dyn DataSource<P::Data>>>,
    functions: HashMap<String, (Arc<dyn Function>, crate::schema::FunctionSignature)>,
    data: RwLock<Option<Arc<P::Data>>>,
    /// Parent of every call's cancellation token. StopProvider cancels it and
    /// installs a fresh one, so a long-lived (debug) server keeps working
    /// for later Terraform runs.
    stop: RwLock<CancellationToken>,
    log: Logger,
}

fn diags_only<T>(r: Result<T, Diagnostics>) -> Diagnostics {
    match r {
        Ok(_) => Diagnostics::new(),
        Err(d) => ensure_error(d),
    }
}

/// An `Err` must carry an error; add a generic one if the callback forgot.
fn ensure_error(mut d: Diagnostics) -> Diagnostics {
    if !d.has_errors() {
        d.add_error(
            "Operation failed",
            "The provider reported a failure without details.",
        );
    }
    d
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostics::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}."),
    )
}

fn not_configured() -> Diagnostics {
    Diagnostics::error(
        "Provider not configured",
        "The provider was used before ConfigureProvider; this is a Terraform or provider bug.",
    )
}

fn with_warnings(ctx: &Context, mut d: Diagnostics) -> Vec<pb::Diagnostic> {
    for w in ctx.take_warnings() {
        d.push(w);
    }
    d.to_proto()
}

impl<P: Provider> ProviderService<P> {
    pub(crate) fn new(provider: P) -> Result<Self, Vec<String>> {
        let log = Logger::new(provider.name());
        let provider_schema = provider.schema();
        let mut problems: Vec<String> = schema::check_block(&provider_schema.block)
            .into_iter()
            .map(|p| format!("provider: {p}"))
            .collect();
        let mut resources = HashMap::new();
        for r in provider.resources() {
            let s = r.schema();
            problems.extend(
                schema::check_block(&s.block)
                    .into_iter()
                    .map(|p| format!("{}: {p}", r.type_name())),
            );
            resources.insert(r.type_name().to_string(), Entry::new(r, s));
        }
        let mut data_sources = HashMap::new();
        for d in provider.data_sources() {
            let s = d.schema();
            problems.extend(
                schema::check_block(&s.block)
                    .into_iter()
                    .map(|p| format!("{}: {p}", d.type_name())),
            );
            data_sources.insert(d.type_name().to_string(), Entry::new(d, s));
        }
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| (f.name().to_string(), (f.clone(), f.signature())))
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            provider_ty: provider_schema.value_type(),
            provider_schema,
            provider: Arc::new(provider),
            resources,
            data_sources,
            functions,
            data: RwLock::new(None),
            stop: RwLock::new(CancellationToken::new()),
            log,
        })
    }

    fn ctx_with_timeout(
        &self,
        rpc: &str,
        type_name: &str,
        timeout: Option<std::time::Duration>,
    ) -> Context {
        let mut c = self.ctx(rpc, type_name);
        if let Some(t) = timeout {
            c = Context::new(
                c.cancellation().clone(),
                Some(std::time::Instant::now() + t),
                c.log().clone(),
            );
        }
        c
    }

    fn ctx(&self, rpc: &str, type_name: &str) -> Context {
        let mut log = self.log.with("tf_rpc", rpc);
        if !type_name.is_empty() {
            log = log.with("tf_resource_type", type_name);
        }
        let token = self
            .stop
            .read()
            .map(|t| t.child_token())
            .unwrap_or_default();
        Context::new(token, None, log)
    }

    fn data(&self) -> Option<Arc<P::Data>> {
        self.data.read().ok().and_then(|d| d.clone())
    }

    fn capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: false,
            generate_resource_config: false,
        }
    }

    fn encode(v: &Value, ty: &Type, d: &mut Diagnostics) -> Option<pb::DynamicValue> {
        match encode_dynamic(v, ty) {
            Ok(dv) => Some(dv),
            Err(e) => {
                d.push(
                    crate::diag::Diagnostic::error(
                        "Provider returned an invalid value",
                        format!("{}: {}. This is a provider bug.", e.path, e.message),
                    )
                    .with_path(e.path),
                );
                None
            }
        }
    }

    async fn validate_config(
        &self,
        ctx: &Context,
        block: &schema::Block,
        ty: &Type,
        config: Option<&pb::DynamicValue>,
    ) -> Result<Value, Diagnostics> {
        let config = decode_dynamic(config, ty)?;
        let mut d = Diagnostics::new();
        validate_block(block, &config, &mut AttributePath::root(), &mut d);
        let _ = ctx;
        d.into_result(config)
    }
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for ProviderService<P> {
    async fn get_metadata(
        &self,
        _r: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata as m;
        Ok(Response::new(m::Response {
            server_capabilities: Some(Self::capabilities()),
            diagnostics: vec![],
            data_sources: self
                .data_sources
                .keys()
                .map(|k| m::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|k| m::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            functions: self
                .functions
                .keys()
                .map(|k| m::FunctionMetadata { name: k.clone() })
                .collect(),
            ephemeral_resources: vec![],
            list_resources: vec![],
            state_stores: vec![],
            actions: vec![],
        }))
    }

    async fn get_provider_schema(
        &self,
        _r: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(self.provider_schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(k, e)| (k.clone(), e.schema.to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(k, e)| (k.clone(), e.schema.to_proto()))
                .collect(),
            functions: self
                .functions
                .iter()
                .map(|(k, (_, s))| (k.clone(), s.to_proto()))
                .collect(),
            ephemeral_resource_schemas: HashMap::new(),
            list_resource_schemas: HashMap::new(),
            state_store_schemas: HashMap::new(),
            action_schemas: HashMap::new(),
            diagnostics: vec![],
            provider_meta: None,
            server_capabilities: Some(Self::capabilities()),
        }))
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("ValidateProviderConfig", "");
        let d = match self
            .validate_config(
                &ctx,
                &self.provider_schema.block,
                &self.provider_ty,
                r.config.as_ref(),
            )
            .await
        {
            Ok(cfg) => diags_only(self.provider.validate(&ctx, &cfg).await),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: with_warnings(&ctx, d),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("ValidateResourceConfig", &r.type_name);
        let d = match self.resources.get(&r.type_name) {
            None => unknown_type("resource", &r.type_name),
            Some(e) => match self
                .validate_config(&ctx, &e.schema.block, &e.ty, r.config.as_ref())
                .await
            {
                Ok(cfg) => diags_only(e.imp.validate(&ctx, &cfg).await),
                Err(d) => d,
            },
        };
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: with_warnings(&ctx, d),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("ValidateDataResourceConfig", &r.type_name);
        let d = match self.data_sources.get(&r.type_name) {
            None => unknown_type("data source", &r.type_name),
            Some(e) => match self
                .validate_config(&ctx, &e.schema.block, &e.ty, r.config.as_ref())
                .await
            {
                Ok(cfg) => diags_only(e.imp.validate(&ctx, &cfg).await),
                Err(d) => d,
            },
        };
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: with_warnings(&ctx, d),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("UpgradeResourceState", &r.type_name);
        let mut d = Diagnostics::new();
        let mut upgraded = None;
        match self.resources.get(&r.type_name) {
            None => d = unknown_type("resource", &r.type_name),
            Some(e) => {
                let raw = r.raw_state.unwrap_or_default();
                if raw.json.is_empty() {
                    if !raw.flatmap.is_empty() {
                        d.add_error(
                            "Unsupported state format",
                            "State written before Terraform 0.12 (flatmap) cannot be upgraded by this provider.",
                        );
                    }
                } else if r.version == e.schema.version {
                    match decode_current_state(&raw.json, &e.ty) {
                        Ok(v) => upgraded = Self::encode(&v, &e.ty, &mut d),
                        Err(x) => d.extend(x),
                    }
                } else {
                    let json = String::from_utf8_lossy(&raw.json).into_owned();
                    match e
                        .imp
                        .upgrade_state(
                            &ctx,
                            UpgradeRequest {
                                version: r.version,
                                json,
                            },
                        )
                        .await
                        .and_then(|v| v.conform(&e.ty).map_err(Diagnostics::from))
                    {
                        Ok(v) => upgraded = Self::encode(&v, &e.ty, &mut d),
                        Err(x) => d.extend(ensure_error(x)),
                    }
                }
            }
        }
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: upgraded,
            diagnostics: with_warnings(&ctx, d),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _r: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: HashMap::new(),
            diagnostics: vec![],
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        _r: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: Diagnostics::error(
                "Resource identity is not supported",
                "This provider does not define resource identities.",
            )
            .to_proto(),
        }))
    }

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("ConfigureProvider", "");
        let d = match decode_dynamic(r.config.as_ref(), &self.provider_ty) {
            Err(e) => Diagnostics::from(e),
            Ok(config) => {
                let req = ConfigureRequest {
                    config,
                    terraform_version: r.terraform_version,
                    write_only_attributes_allowed: r
                        .client_capabilities
                        .is_some_and(|c| c.write_only_attributes_allowed),
                };
                match self.provider.configure(&ctx, req).await {
                    Ok(data) => {
                        if let Ok(mut slot) = self.data.write() {
                            *slot = Some(Arc::new(data));
                        }
                        Diagnostics::new()
                    }
                    Err(d) => ensure_error(d),
                }
            }
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: with_warnings(&ctx, d),
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx_with_timeout(
            "ReadResource",
            &r.type_name,
            self.resources
                .get(&r.type_name)
                .and_then(|e| e.imp.timeout()),
        );
        let mut d = Diagnostics::new();
        let mut new_state = None;
        let private = r.private.clone();
        match (self.resources.get(&r.type_name), self.data()) {
            (None, _) => d = unknown_type("resource", &r.type_name),
            (Some(_), None) => d = not_configured(),
            (Some(e), Some(data)) => match decode_dynamic(r.current_state.as_ref(), &e.ty) {
                Err(x) => d = x.into(),
                Ok(state) if state.is_null() => {
                    new_state = Self::encode(&Value::Null, &e.ty, &mut d);
                }
                Ok(state) => {
                    let req = ReadRequest {
                        state: state.clone(),
                        private: r.private,
                    };
                    match e.imp.read(&ctx, &data, req).await {
                        Ok(None) => new_state = Self::encode(&Value::Null, &e.ty, &mut d),
                        Ok(Some(v)) => match v.conform(&e.ty) {
                            Ok(mut v) => {
                                plan::keep_semantically_equal(&e.schema.block, &state, &mut v);
                                plan::null_write_only(&e.schema.block, &mut v);
                                new_state = Self::encode(&v, &e.ty, &mut d);
                            }
                            Err(x) => d = x.into(),
                        },
                        Err(x) => d = ensure_error(x),
                    }
                }
            },
        }
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: with_warnings(&ctx, d),
            private,
            deferred: None,
            new_identity: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("PlanResourceChange", &r.type_name);
        let mut d = Diagnostics::new();
        let mut planned_state = None;
        let mut requires_replace = Vec::new();
        let mut planned_private = r.prior_private.clone();
        if let Some(e) = self.resources.get(&r.type_name) {
            let decoded = decode_dynamic(r.prior_state.as_ref(), &e.ty).and_then(|p| {
                Ok((
                    p,
                    decode_dynamic(r.proposed_new_state.as_ref(), &e.ty)?,
                    decode_dynamic(r.config.as_ref(), &e.ty)?,
                ))
            });
            match decoded {
                Err(x) => d = x.into(),
                Ok((_, proposed, _)) if proposed.is_null() => {
                    // Destroy: nothing to plan.
                    planned_state = Self::encode(&Value::Null, &e.ty, &mut d);
                }
                Ok((prior, proposed, config)) => {
                    let out = plan::plan_resource(&e.schema.block, &prior, &config, proposed);
                    let mut rp = ResourcePlan {
                        prior,
                        config,
                        planned: out.planned,
                        requires_replace: out.requires_replace,
                        private: r.prior_private,
                    };
                    let data = self.data();
                    match e.imp.modify_plan(&ctx, data.as_deref(), &mut rp).await {
                        Err(x) => d = ensure_error(x),
                        Ok(()) => match rp.planned.conform(&e.ty) {
                            Err(x) => d = x.into(),
                            Ok(planned) => {
                                if cfg!(debug_assertions) {
                                    plan::check_plan(
                                        &e.schema.block,
                                        &rp.prior,
                                        &rp.config,
                                        &planned,
                                        &mut AttributePath::root(),
                                        &mut d,
                                    );
                                }
                                if !d.has_errors() {
                                    planned_state = Self::encode(&planned, &e.ty, &mut d);
                                    requires_replace = rp.requires_replace;
                                    planned_private = rp.private;
                                }
                            }
                        },
                    }
                }
            }
        } else {
            d = unknown_type("resource", &r.type_name);
        }
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: requires_replace
                .iter()
                .map(AttributePath::to_proto)
                .collect(),
            planned_private,
            diagnostics: with_warnings(&ctx, d),
            legacy_type_system: false,
            deferred: None,
            planned_identity: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx_with_timeout(
            "ApplyResourceChange",
            &r.type_name,
            self.resources
                .get(&r.type_name)
                .and_then(|e| e.imp.timeout()),
        );
        let mut d = Diagnostics::new();
        let mut new_state = None;
        let private = r.planned_private.clone();
        match (self.resources.get(&r.type_name), self.data()) {
            (None, _) => d = unknown_type("resource", &r.type_name),
            (Some(_), None) => d = not_configured(),
            (Some(e), Some(data)) => {
                let decoded = decode_dynamic(r.prior_state.as_ref(), &e.ty).and_then(|p| {
                    Ok((
                        p,
                        decode_dynamic(r.planned_state.as_ref(), &e.ty)?,
                        decode_dynamic(r.config.as_ref(), &e.ty)?,
                    ))
                });
                match decoded {
                    Err(x) => d = x.into(),
                    Ok((prior, planned, _)) if planned.is_null() => {
                        let req = DeleteRequest {
                            prior,
                            private: r.planned_private,
                        };
                        match e.imp.delete(&ctx, &data, req).await {
                            Ok(()) => new_state = Self::encode(&Value::Null, &e.ty, &mut d),
                            // A null new state with errors keeps the prior one.
                            Err(x) => d = ensure_error(x),
                        }
                    }
                    Ok((prior, planned, config)) => {
                        let result = if prior.is_null() {
                            let req = CreateRequest {
                                config,
                                planned: planned.clone(),
                                private: r.planned_private,
                            };
                            e.imp.create(&ctx, &data, req).await
                        } else {
                            let req = UpdateRequest {
                                prior,
                                config,
                                planned: planned.clone(),
                                private: r.planned_private,
                            };
                            e.imp.update(&ctx, &data, req).await
                        };
                        match result.and_then(|v| v.conform(&e.ty).map_err(Diagnostics::from)) {
                            Ok(mut v) => {
                                plan::keep_semantically_equal(&e.schema.block, &planned, &mut v);
                                plan::null_write_only(&e.schema.block, &mut v);
                                if cfg!(debug_assertions) {
                                    plan::check_apply(
                                        &e.schema.block,
                                        &planned,
                                        &v,
                                        &mut AttributePath::root(),
                                        &mut d,
                                    );
                                }
                                new_state = Self::encode(&v, &e.ty, &mut d);
                            }
                            Err(x) => d = ensure_error(x),
                        }
                    }
                }
            }
        }
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private,
            diagnostics: with_warnings(&ctx, d),
            legacy_type_system: false,
            new_identity: None,
        }))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx_with_timeout(
            "ImportResourceState",
            &r.type_name,
            self.resources
                .get(&r.type_name)
                .and_then(|e| e.imp.timeout()),
        );
        let mut d = Diagnostics::new();
        let mut imported = Vec::new();
        match (self.resources.get(&r.type_name), self.data()) {
            (None, _) => d = unknown_type("resource", &r.type_name),
            (Some(_), None) => d = not_configured(),
            (Some(e), Some(data)) => match e
                .imp
                .import(&ctx, &data, &r.id)
                .await
                .and_then(|v| v.conform(&e.ty).map_err(Diagnostics::from))
            {
                Ok(v) => {
                    if let Some(state) = Self::encode(&v, &e.ty, &mut d) {
                        imported.push(pb::import_resource_state::ImportedResource {
                            type_name: r.type_name.clone(),
                            state: Some(state),
                            private: vec![],
                            identity: None,
                        });
                    }
                }
                Err(x) => d = ensure_error(x),
            },
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: with_warnings(&ctx, d),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        _r: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        Ok(Response::new(pb::move_resource_state::Response {
            target_state: None,
            diagnostics: Diagnostics::error(
                "Moving resource state is not supported",
                "This provider does not support `moved` blocks between resource types.",
            )
            .to_proto(),
            target_private: vec![],
            target_identity: None,
        }))
    }

    async fn read_data_source(
        &self,
        r: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx_with_timeout(
            "ReadDataSource",
            &r.type_name,
            self.data_sources
                .get(&r.type_name)
                .and_then(|e| e.imp.timeout()),
        );
        let mut d = Diagnostics::new();
        let mut state = None;
        match (self.data_sources.get(&r.type_name), self.data()) {
            (None, _) => d = unknown_type("data source", &r.type_name),
            (Some(_), None) => d = not_configured(),
            (Some(e), Some(data)) => match decode_dynamic(r.config.as_ref(), &e.ty) {
                Err(x) => d = x.into(),
                Ok(config) => {
                    match e
                        .imp
                        .read(&ctx, &data, config.clone())
                        .await
                        .and_then(|v| v.conform(&e.ty).map_err(Diagnostics::from))
                    {
                        Ok(v) => {
                            if cfg!(debug_assertions) {
                                check_data_source(&e.schema.block, &config, &v, &mut d);
                            }
                            if !d.has_errors() {
                                state = Self::encode(&v, &e.ty, &mut d);
                            }
                        }
                        Err(x) => d = ensure_error(x),
                    }
                }
            },
        }
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: with_warnings(&ctx, d),
            deferred: None,
        }))
    }

    async fn generate_resource_config(
        &self,
        _r: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        Ok(Response::new(pb::generate_resource_config::Response {
            config: None,
            diagnostics: Diagnostics::error(
                "Generating configuration is not supported",
                "This provider does not implement GenerateResourceConfig.",
            )
            .to_proto(),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: unknown_type("ephemeral resource", &r.into_inner().type_name)
                    .to_proto(),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: unknown_type("ephemeral resource", &r.into_inner().type_name).to_proto(),
            renew_at: None,
            result: None,
            private: None,
            deferred: None,
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: unknown_type("ephemeral resource", &r.into_inner().type_name).to_proto(),
            renew_at: None,
            private: None,
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: unknown_type("ephemeral resource", &r.into_inner().type_name).to_proto(),
        }))
    }

    type ListResourceStream = Stream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        _r: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        Err(Status::unimplemented(
            "list resources are not supported by this provider",
        ))
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: unknown_type("list resource", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn get_functions(
        &self,
        _r: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self
                .functions
                .iter()
                .map(|(k, (_, s))| (k.clone(), s.to_proto()))
                .collect(),
            diagnostics: vec![],
        }))
    }

    async fn call_function(
        &self,
        r: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let r = r.into_inner();
        let ctx = self.ctx("CallFunction", "");
        let result = call_function(&self.functions, &ctx, r).await;
        Ok(Response::new(match result {
            Ok(v) => pb::call_function::Response {
                result: Some(v),
                error: None,
            },
            Err(e) => pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: e.text,
                    function_argument: e.argument.and_then(|i| i64::try_from(i).ok()),
                }),
            },
        }))
    }

    async fn validate_state_store_config(
        &self,
        r: Request<pb::validate_state_store::Request>,
    ) -> Result<Response<pb::validate_state_store::Response>, Status> {
        Ok(Response::new(pb::validate_state_store::Response {
            diagnostics: unknown_type("state store", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn configure_state_store(
        &self,
        r: Request<pb::configure_state_store::Request>,
    ) -> Result<Response<pb::configure_state_store::Response>, Status> {
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: unknown_type("state store", &r.into_inner().type_name).to_proto(),
            capabilities: None,
        }))
    }

    type ReadStateBytesStream = Stream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _r: Request<pb::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        Err(Status::unimplemented(
            "state stores are not supported by this provider",
        ))
    }

    async fn write_state_bytes(
        &self,
        _r: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<pb::write_state_bytes::Response>, Status> {
        Err(Status::unimplemented(
            "state stores are not supported by this provider",
        ))
    }

    async fn lock_state(
        &self,
        r: Request<pb::lock_state::Request>,
    ) -> Result<Response<pb::lock_state::Response>, Status> {
        Ok(Response::new(pb::lock_state::Response {
            lock_id: String::new(),
            diagnostics: unknown_type("state store", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn unlock_state(
        &self,
        r: Request<pb::unlock_state::Request>,
    ) -> Result<Response<pb::unlock_state::Response>, Status> {
        Ok(Response::new(pb::unlock_state::Response {
            diagnostics: unknown_type("state store", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn get_states(
        &self,
        r: Request<pb::get_states::Request>,
    ) -> Result<Response<pb::get_states::Response>, Status> {
        Ok(Response::new(pb::get_states::Response {
            state_id: vec![],
            diagnostics: unknown_type("state store", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn delete_state(
        &self,
        r: Request<pb::delete_state::Request>,
    ) -> Result<Response<pb::delete_state::Response>, Status> {
        Ok(Response::new(pb::delete_state::Response {
            diagnostics: unknown_type("state store", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn plan_action(
        &self,
        r: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: unknown_type("action", &r.into_inner().action_type).to_proto(),
            deferred: None,
        }))
    }

    type InvokeActionStream = Stream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _r: Request<pb::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        Err(Status::unimplemented(
            "actions are not supported by this provider",
        ))
    }

    async fn validate_action_config(
        &self,
        r: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: unknown_type("action", &r.into_inner().type_name).to_proto(),
        }))
    }

    async fn stop_provider(
        &self,
        _r: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        self.log
            .debug("StopProvider: cancelling in-flight operations");
        if let Ok(mut t) = self.stop.write() {
            t.cancel();
            *t = CancellationToken::new();
        }
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

/// Decodes stored JSON state of the current schema version, dropping
/// top-level attributes the schema no longer has.
fn decode_current_state(json: &[u8], ty: &Type) -> Result<Value, Diagnostics> {
    use crate::json::Json;
    let text = std::str::from_utf8(json)
        .map_err(|_| Diagnostics::error("Invalid stored state", "The state is not UTF-8."))?;
    let mut j =
        Json::parse(text).map_err(|e| Diagnostics::error("Invalid stored state", e.to_string()))?;
    if let (Json::Object(o), Type::Object { attributes, .. }) = (&mut j, ty) {
        o.retain(|k, _| attributes.contains_key(k));
    }
    Ok(crate::codec::decode_json(j.to_text().as_bytes(), ty)?)
}

/// Data source results must keep every configured value.
fn check_data_source(block: &schema::Block, config: &Value, state: &Value, d: &mut Diagnostics) {
    for a in &block.attributes {
        let c = config.attr(&a.name);
        if !c.is_null() && c.is_fully_known() && state.attr(&a.name) != c {
            d.add_attribute_error(
                AttributePath::attr(a.name.clone()),
                "Provider produced an invalid data source result",
                "A configured value was changed by the read. This is a provider bug.",
            );
        }
    }
}

async fn call_function(
    functions: &HashMap<String, (Arc<dyn Function>, crate::schema::FunctionSignature)>,
    ctx: &Context,
    r: pb::call_function::Request,
) -> Result<pb::DynamicValue, crate::framework::FunctionError> {
    use crate::framework::FunctionError;
    let (f, sig) = functions
        .get(&r.name)
        .ok_or_else(|| FunctionError::new(format!("this provider has no function {:?}", r.name)))?;
    let mut args = Vec::with_capacity(r.arguments.len());
    for (i, a) in r.arguments.iter().enumerate() {
        let p = sig.parameter_for(i).ok_or_else(|| {
            FunctionError::new(format!("too many arguments ({})", r.arguments.len()))
        })?;
        let v = decode_dynamic(Some(a), &p.ty).map_err(|e| {
            FunctionError::argument(i, format!("invalid argument {:?}: {}", p.name, e))
        })?;
        args.push(v);
    }
    if args.len() < sig.parameters.len() {
        return Err(FunctionError::new(format!(
            "{} arguments required, got {}",
            sig.parameters.len(),
            args.len()
        )));
    }
    let out = f.call(ctx, args).await?;
    let out = out
        .conform(&sig.return_type)
        .map_err(|e| FunctionError::new(format!("the function returned an invalid value: {e}")))?;
    encode_dynamic(&out, &sig.return_type)
        .map_err(|e| FunctionError::new(format!("the function returned an invalid value: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_msgpack, encode_msgpack};
    use crate::framework::FunctionError;
    use crate::schema::{Attribute, Block, FunctionSignature, Parameter};

    struct Thing;

    #[async_trait::async_trait]
    impl Resource<String> for Thing {
        fn type_name(&self) -> &str {
            "t_thing"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                Block::new()
                    .attribute(Attribute::string("id").computed().use_state_for_unknown())
                    .attribute(Attribute::string("name").required().requires_replace())
                    .attribute(Attribute::string("note").optional()),
            )
        }
        async fn create(
            &self,
            _: &Context,
            data: &String,
            r: CreateRequest,
        ) -> Result<Value, Diagnostics> {
            let mut v = r.planned;
            v.set_attr("id", format!("{data}-1").into());
            Ok(v)
        }
        async fn read(
            &self,
            _: &Context,
            _: &String,
            r: ReadRequest,
        ) -> Result<Option<Value>, Diagnostics> {
            Ok((r.state.attr("note").as_str() != Some("gone")).then_some(r.state))
        }
        async fn update(
            &self,
            _: &Context,
            _: &String,
            r: UpdateRequest,
        ) -> Result<Value, Diagnostics> {
            Ok(r.planned)
        }
        async fn delete(
            &self,
            _: &Context,
            _: &String,
            _: DeleteRequest,
        ) -> Result<(), Diagnostics> {
            Ok(())
        }
    }

    struct Half;

    #[async_trait::async_trait]
    impl Function for Half {
        fn name(&self) -> &str {
            "half"
        }
        fn signature(&self) -> crate::schema::FunctionSignature {
            FunctionSignature::new(Type::Number).parameter(Parameter::new("n", Type::Number))
        }
        async fn call(&self, _: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
            match args[0].as_i64() {
                Some(n) if n % 2 == 0 => Ok((n / 2).into()),
                _ => Err(FunctionError::argument(0, "an even number is required")),
            }
        }
    }

    struct P;

    #[async_trait::async_trait]
    impl Provider for P {
        type Data = String;
        fn name(&self) -> &str {
            "t"
        }
        async fn configure(&self, _: &Context, _: ConfigureRequest) -> Result<String, Diagnostics> {
            Ok("thing".into())
        }
        fn resources(&self) -> Vec<Arc<dyn Resource<String>>> {
            vec![Arc::new(Thing)]
        }
        fn functions(&self) -> Vec<Arc<dyn Function>> {
            vec![Arc::new(Half)]
        }
    }

    fn ty() -> Type {
        Thing.schema().value_type()
    }

    fn dv(v: &Value) -> Option<pb::DynamicValue> {
        Some(pb::DynamicValue {
            msgpack: encode_msgpack(v, &ty()).unwrap(),
            json: vec![],
        })
    }

    fn val(d: Option<pb::DynamicValue>) -> Value {
        decode_msgpack(&d.unwrap().msgpack, &ty()).unwrap()
    }

    async fn configured() -> ProviderService<P> {
        let s = ProviderService::new(P).unwrap();
        let r = s
            .configure_provider(Request::new(pb::configure_provider::Request {
                terraform_version: "1.15.5".into(),
                config: Some(pb::DynamicValue {
                    msgpack: vec![0x80],
                    json: vec![],
                }),
                client_capabilities: None,
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(r.diagnostics.is_empty());
        s
    }

    async fn plan(
        s: &ProviderService<P>,
        prior: &Value,
        config: &Value,
        proposed: &Value,
    ) -> pb::plan_resource_change::Response {
        s.plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "t_thing".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(proposed),
            config: dv(config),
            prior_private: b"private".to_vec(),
            provider_meta: None,
            client_capabilities: None,
            prior_identity: None,
        }))
        .await
        .unwrap()
        .into_inner()
    }

    #[tokio::test]
    async fn create_then_noop_plan_then_replace() {
        let s = configured().await;
        let config = Value::object([("name", "a".into())])
            .conform(&ty())
            .unwrap();
        let p = plan(&s, &Value::Null, &config, &config).await;
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let planned = val(p.planned_state);
        assert!(planned.attr("id").is_unknown());
        assert_eq!(p.planned_private, b"private");

        let a = s
            .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "t_thing".into(),
                prior_state: dv(&Value::Null),
                planned_state: dv(&planned),
                config: dv(&config),
                planned_private: b"private".to_vec(),
                provider_meta: None,
                planned_identity: None,
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        let state = val(a.new_state);
        assert_eq!(state.attr("id"), &Value::from("thing-1"));
        assert_eq!(a.private, b"private");

        // Proposed = prior with config values: an empty plan.
        let p = plan(&s, &state, &config, &state).await;
        assert_eq!(val(p.planned_state), state);
        assert!(p.requires_replace.is_empty());

        // Changing name forces replacement and keeps the id.
        let mut config2 = config.clone();
        config2.set_attr("name", "b".into());
        let mut proposed = state.clone();
        proposed.set_attr("name", "b".into());
        let p = plan(&s, &state, &config2, &proposed).await;
        assert_eq!(p.requires_replace.len(), 1);
        assert_eq!(val(p.planned_state).attr("id"), &Value::from("thing-1"));

        // Destroy plans null.
        let p = plan(&s, &state, &Value::Null, &Value::Null).await;
        assert!(val(p.planned_state).is_null());
    }

    #[tokio::test]
    async fn read_none_removes_and_unknown_types_are_diagnosed() {
        let s = configured().await;
        let gone = Value::object([
            ("id", "x".into()),
            ("name", "a".into()),
            ("note", "gone".into()),
        ]);
        let r = s
            .read_resource(Request::new(pb::read_resource::Request {
                type_name: "t_thing".into(),
                current_state: dv(&gone),
                private: vec![],
                provider_meta: None,
                client_capabilities: None,
                current_identity: None,
            }))
            .await
            .unwrap()
            .into_inner();
        assert!(val(r.new_state).is_null());
        let r = s
            .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                type_name: "t_nope".into(),
                config: None,
                client_capabilities: None,
            }))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.diagnostics.len(), 1);
    }

    #[tokio::test]
    async fn function_errors_carry_the_argument_index() {
        let s = ProviderService::new(P).unwrap();
        let call = |n: i64| pb::call_function::Request {
            name: "half".into(),
            arguments: vec![pb::DynamicValue {
                msgpack: encode_msgpack(&n.into(), &Type::Number).unwrap(),
                json: vec![],
            }],
        };
        let ok = s
            .call_function(Request::new(call(42)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            decode_msgpack(&ok.result.unwrap().msgpack, &Type::Number).unwrap(),
            Value::from(21i64)
        );
        let err = s
            .call_function(Request::new(call(3)))
            .await
            .unwrap()
            .into_inner();
        let e = err.error.unwrap();
        assert_eq!(e.function_argument, Some(0));
        assert!(e.text.contains("even"));
    }

    #[tokio::test]
    async fn schema_response_is_complete() {
        let s = ProviderService::new(P).unwrap();
        let r = s
            .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
            .await
            .unwrap()
            .into_inner();
        assert!(r.provider.is_some());
        assert!(r.server_capabilities.unwrap().get_provider_schema_optional);
        assert!(r.functions["half"].r#return.is_some());
        assert!(r.resource_schemas.contains_key("t_thing"));
    }

    #[tokio::test]
    async fn stop_cancels_in_flight_contexts_only() {
        let s = ProviderService::new(P).unwrap();
        let before = s.ctx("x", "");
        s.stop_provider(Request::new(pb::stop_provider::Request {}))
            .await
            .unwrap();
        assert!(before.is_cancelled());
        assert!(!s.ctx("y", "").is_cancelled());
    }
}
