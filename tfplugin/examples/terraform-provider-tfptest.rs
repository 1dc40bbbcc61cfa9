//! `tfptest`: a tiny provider that exercises the tfplugin runtime.
//!
//! - functions `provider::tfptest::double(n)` and `provider::tfptest::echo(v)`;
//! - data source `tfptest_echo { in -> out }`;
//! - resource `tfptest_slow { name, delay_ms, payload }` whose create waits
//!   `delay_ms`, or until StopProvider, and completes either way, so a Ctrl-C
//!   during create still records the resource in state. With
//!   `TFPTEST_MARKER_DIR` set it leaves proof in that directory: `<name>.creating`
//!   when the create starts, `<name>.created` (`stopped` or `not stopped`) when it ends;
//! - resource `tfptest_blob { content, json }` for large attribute round trips
//!   (several MiB) and semantic JSON equality;
//! - a debug log line on configure (visible with `TF_LOG=debug`).
//!
//! Build: `cargo build -p tfplugin --example terraform-provider-tfptest`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tfplugin::schema::{Attribute, Block, FunctionSignature, Parameter, Schema};
use tfplugin::{
    async_trait, from_value, to_value, validators, ConfigureRequest, Context, CreateRequest,
    DataSource, DeleteRequest, Diagnostics, Function, FunctionError, Number, Provider, ReadRequest,
    Resource, Type, UpdateRequest, Value,
};

/// What configure hands to resources and data sources.
struct Configured {
    label: String,
}

struct TfpTest;

#[async_trait]
impl Provider for TfpTest {
    type Data = Configured;

    fn name(&self) -> &str {
        "tfptest"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new().attribute(
                Attribute::string("label")
                    .optional()
                    .description("Prefix added to tfptest_echo outputs."),
            ),
        )
    }

    async fn configure(
        &self,
        ctx: &Context,
        req: ConfigureRequest,
    ) -> Result<Configured, Diagnostics> {
        ctx.log()
            .with("terraform_version", &req.terraform_version)
            .debug("configuring tfptest provider");
        let label = req
            .config
            .attr("label")
            .as_str()
            .unwrap_or_default()
            .to_string();
        // The `tracing` macros work too; their events become hclog lines.
        tfplugin::tracing::debug!(label = %label, "tfptest provider configured");
        Ok(Configured { label })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Configured>>> {
        vec![Arc::new(Slow), Arc::new(Blob)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Configured>>> {
        vec![Arc::new(Echo)]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Double), Arc::new(EchoFn)]
    }
}

// --- functions -------------------------------------------------------------

struct Double;

#[async_trait]
impl Function for Double {
    fn name(&self) -> &str {
        "double"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature::new(Type::Number)
            .summary("Multiplies a number by two")
            .parameter(Parameter::new("n", Type::Number).description("The number to double."))
    }

    async fn call(&self, _ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
        let n = args
            .first()
            .and_then(Value::as_number)
            .ok_or_else(|| FunctionError::argument(0, "a number is required"))?;
        let doubled = match n.as_i64().and_then(|i| i.checked_mul(2)) {
            Some(i) => Number::from(i),
            None => Number::from(n.as_f64() * 2.0),
        };
        Ok(doubled.into())
    }
}

struct EchoFn;

#[async_trait]
impl Function for EchoFn {
    fn name(&self) -> &str {
        "echo"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature::new(Type::Dynamic)
            .summary("Returns its argument")
            .parameter(Parameter::new("value", Type::Dynamic).allow_null())
    }

    async fn call(&self, _ctx: &Context, mut args: Vec<Value>) -> Result<Value, FunctionError> {
        Ok(args.pop().unwrap_or_default())
    }
}

// --- data source -----------------------------------------------------------

struct Echo;

#[async_trait]
impl DataSource<Configured> for Echo {
    fn type_name(&self) -> &str {
        "tfptest_echo"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .description("Echoes `in` to `out` (with the provider label as prefix).")
                .attribute(Attribute::string("in").required())
                .attribute(Attribute::string("out").computed()),
        )
    }

    async fn read(
        &self,
        _ctx: &Context,
        data: &Configured,
        mut config: Value,
    ) -> Result<Value, Diagnostics> {
        let input = config.attr("in").as_str().unwrap_or_default().to_string();
        config.set_attr("out", format!("{}{input}", data.label).into());
        Ok(config)
    }
}

// --- tfptest_slow ----------------------------------------------------------

#[derive(Debug, Deserialize, Serialize)]
struct SlowState {
    id: Option<String>,
    name: String,
    delay_ms: u64,
    payload: Option<String>,
}

struct Slow;

#[async_trait]
impl Resource<Configured> for Slow {
    fn type_name(&self) -> &str {
        "tfptest_slow"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .description("A resource whose create takes `delay_ms` and always completes.")
                .attribute(Attribute::string("id").computed().use_state_for_unknown())
                .attribute(
                    Attribute::string("name")
                        .required()
                        .requires_replace()
                        .validator(validators::string_regex(
                            "^[a-z][a-z0-9-]*$",
                            "use lowercase letters, digits and dashes",
                        )),
                )
                .attribute(
                    Attribute::number("delay_ms")
                        .default(0i64)
                        .validator(validators::int_between(0, 600_000)),
                )
                .attribute(Attribute::string("payload").optional()),
        )
    }

    async fn create(
        &self,
        ctx: &Context,
        _data: &Configured,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let mut s: SlowState = from_value(&req.planned)?;
        ctx.log()
            .with("name", &s.name)
            .debug("creating tfptest_slow");
        mark(&s.name, "creating", "")?;
        // A stop request (Ctrl-C) ends the wait but not the create: the resource
        // is made and returned, so Terraform records it instead of losing it.
        let stopped = tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(s.delay_ms)) => ctx.is_cancelled(),
            () = ctx.cancellation().cancelled() => true,
        };
        if stopped {
            ctx.log()
                .info("stop requested during create; finishing it so it is recorded");
        }
        s.id = Some(format!("slow-{}", s.name));
        mark(
            &s.name,
            "created",
            if stopped { "stopped" } else { "not stopped" },
        )?;
        Ok(to_value(&s)?)
    }

    async fn read(
        &self,
        _ctx: &Context,
        _data: &Configured,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        Ok(Some(req.state))
    }

    async fn update(
        &self,
        _ctx: &Context,
        _data: &Configured,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        Ok(req.planned)
    }

    async fn delete(
        &self,
        _ctx: &Context,
        _data: &Configured,
        _req: DeleteRequest,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &Context,
        _data: &Configured,
        id: &str,
    ) -> Result<Value, Diagnostics> {
        let name = id.strip_prefix("slow-").ok_or_else(|| {
            Diagnostics::error(
                "Invalid import id",
                format!("expected slow-<name>, got {id:?}"),
            )
        })?;
        Ok(to_value(&SlowState {
            id: Some(id.to_string()),
            name: name.to_string(),
            delay_ms: 0,
            payload: None,
        })?)
    }
}

/// Writes `<name>.<step>` into `TFPTEST_MARKER_DIR`, when it is set: what a test
/// reads to know the create was in flight, and whether a stop reached it.
fn mark(name: &str, step: &str, contents: &str) -> Result<(), Diagnostics> {
    let Some(dir) = std::env::var_os("TFPTEST_MARKER_DIR").map(PathBuf::from) else {
        return Ok(());
    };
    let path = dir.join(format!("{name}.{step}"));
    std::fs::write(&path, contents).map_err(|e| {
        Diagnostics::error(
            "Cannot write the test marker",
            format!("{}: {e}", path.display()),
        )
    })
}

// --- tfptest_blob ----------------------------------------------------------

struct Blob;

#[async_trait]
impl Resource<Configured> for Blob {
    fn type_name(&self) -> &str {
        "tfptest_blob"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .description("Stores `content` (any size) and reports its length.")
                .attribute(Attribute::string("id").computed().use_state_for_unknown())
                .attribute(Attribute::string("content").required())
                .attribute(Attribute::number("length").computed())
                .attribute(Attribute::json("json").optional()),
        )
    }

    async fn create(
        &self,
        _ctx: &Context,
        _data: &Configured,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let mut v = req.planned;
        let len = content_length(&v);
        v.set_attr("id", format!("blob-{len}").into());
        v.set_attr("length", len.into());
        Ok(v)
    }

    async fn read(
        &self,
        _ctx: &Context,
        _data: &Configured,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        Ok(Some(req.state))
    }

    async fn update(
        &self,
        _ctx: &Context,
        _data: &Configured,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        let mut v = req.planned;
        v.set_attr("length", content_length(&v).into());
        Ok(v)
    }

    async fn delete(
        &self,
        _ctx: &Context,
        _data: &Configured,
        _req: DeleteRequest,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
}

/// A blob's computed `length`: that of its `content`.
fn content_length(v: &Value) -> i64 {
    v.attr("content").as_str().map_or(0, |c| c.len() as i64)
}

fn main() -> ExitCode {
    tfplugin::serve(TfpTest, "registry.terraform.io/s2s/tfptest")
}
