//! Provider functions: pure, offline, and callable without provider
//! configuration, as Terraform requires. Each argument is checked against the
//! s2s contracts; an error names the argument (Terraform adds its name) and
//! says what is allowed.

use std::sync::Arc;

use tfplugin::{
    async_trait, Context, Function, FunctionError, FunctionSignature, Number, Parameter, Type,
    Value,
};

pub(crate) fn all() -> Vec<Arc<dyn Function>> {
    vec![
        Arc::new(SyncOffset),
        Arc::new(SyncSchedule),
        Arc::new(MeshHostname),
        Arc::new(SpiffeId),
    ]
}

/// The string argument at `index` (Terraform has already checked the type
/// and refused null, since no parameter allows it).
fn string_arg(args: &[Value], index: usize) -> Result<&str, FunctionError> {
    args.get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| FunctionError::argument(index, "a string is required"))
}

fn app_arg(args: &[Value], index: usize) -> Result<&str, FunctionError> {
    let app = string_arg(args, index)?;
    s2s_core::validate_app(app).map_err(|e| FunctionError::argument(index, e.to_string()))?;
    Ok(app)
}

fn app_parameter() -> Parameter {
    Parameter::new("app", Type::String)
        .description("The application's name in Registry: a DNS label (`^[a-z][a-z0-9-]{0,62}$`, no trailing hyphen).")
}

struct SyncOffset;

#[async_trait]
impl Function for SyncOffset {
    fn name(&self) -> &str {
        "sync_offset"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature::new(Type::Number)
            .summary("Minute offset (0-14) of an app's secrets syncer")
            .markdown_description(
                "Returns `parseint(substr(sha256(app), 0, 4), 16) % 15`: the minute within each quarter hour at which the app's syncer runs, so accounts spread evenly over the 15 minutes.",
            )
            .parameter(app_parameter())
    }

    async fn call(&self, _ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
        let app = app_arg(&args, 0)?;
        Ok(Number::from(u32::from(s2s_core::sync_offset(app))).into())
    }
}

struct SyncSchedule;

#[async_trait]
impl Function for SyncSchedule {
    fn name(&self) -> &str {
        "sync_schedule"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature::new(Type::String)
            .summary("EventBridge schedule expression of an app's secrets syncer")
            .markdown_description(
                "Returns `cron(<offset>/15 * * * ? *)` where the offset is `sync_offset(app)`.",
            )
            .parameter(app_parameter())
    }

    async fn call(&self, _ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
        let app = app_arg(&args, 0)?;
        Ok(s2s_core::sync_schedule(app).into())
    }
}

struct MeshHostname;

#[async_trait]
impl Function for MeshHostname {
    fn name(&self) -> &str {
        "mesh_hostname"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature::new(Type::String)
            .summary("The SNI name of an app in the mesh")
            .markdown_description("Returns `<environment>.<app>.<mesh_domain>`.")
            .parameter(
                Parameter::new("environment", Type::String)
                    .description("One of development, staging, production, sandbox."),
            )
            .parameter(app_parameter())
            .parameter(Parameter::new("mesh_domain", Type::String).description(
                "The DNS domain the mesh gateway routes, e.g. meshproxy.example.internal.",
            ))
    }

    async fn call(&self, _ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
        let environment = string_arg(&args, 0)?
            .parse::<s2s_core::Environment>()
            .map_err(|e| FunctionError::argument(0, e.to_string()))?;
        let app = app_arg(&args, 1)?;
        let mesh_domain = string_arg(&args, 2)?;
        s2s_core::validate_mesh_domain(mesh_domain)
            .map_err(|e| FunctionError::argument(2, e.to_string()))?;
        s2s_core::mesh_hostname(environment, app, mesh_domain)
            .map(Value::from)
            .map_err(|e| FunctionError::new(e.to_string()))
    }
}

struct SpiffeId;

#[async_trait]
impl Function for SpiffeId {
    fn name(&self) -> &str {
        "spiffe_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature::new(Type::String)
            .summary("The SPIFFE ID of an app")
            .markdown_description("Returns `spiffe://<trust_domain>/<app>`.")
            .parameter(
                Parameter::new("trust_domain", Type::String)
                    .description("The SPIFFE trust domain, e.g. example.internal (no scheme)."),
            )
            .parameter(app_parameter())
    }

    async fn call(&self, _ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
        let trust_domain = string_arg(&args, 0)?;
        s2s_core::validate_trust_domain(trust_domain)
            .map_err(|e| FunctionError::argument(0, e.to_string()))?;
        let app = app_arg(&args, 1)?;
        s2s_core::spiffe_id(trust_domain, app)
            .map(Value::from)
            .map_err(|e| FunctionError::new(e.to_string()))
    }
}
