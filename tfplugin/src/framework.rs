//! The traits a provider implements, and the [`Context`] every callback gets.
//!
//! A provider is a [`Provider`] (its configuration and the data it shares
//! with resources once configured) plus lists of [`Resource`]s,
//! [`DataSource`]s and [`Function`]s. Values are passed as dynamic
//! [`Value`]s shaped by the schema; decode them into typed models with
//! [`from_value`](crate::from_value) and encode with [`to_value`](crate::to_value)
//! (see [`model`](crate::model)). The framework takes care of
//! the protocol: it decodes and encodes values, runs validators, defaults,
//! plan modifiers and semantic equality, passes private state through, and
//! (in debug builds) checks plans and apply results the way Terraform does.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::diag::{AttributePath, Diagnostic, Diagnostics};
use crate::logging::Logger;
use crate::schema::{FunctionSignature, Schema};
use crate::value::{Type, Value};

/// What every callback gets: cancellation (Terraform's StopProvider, e.g. on
/// Ctrl-C), an optional deadline, a logger and a place for warnings.
#[derive(Debug)]
pub struct Context {
    cancel: CancellationToken,
    deadline: Option<Instant>,
    log: Logger,
    warnings: Mutex<Vec<Diagnostic>>,
}

impl Context {
    /// A context (mainly for tests of provider code).
    pub fn new(cancel: CancellationToken, deadline: Option<Instant>, log: Logger) -> Self {
        Self {
            cancel,
            deadline,
            log,
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// Cancelled when Terraform asks the provider to stop. Long operations
    /// should watch it and wind down, leaving state consistent (return what
    /// was created so it is recorded).
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Whether a stop was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The point in time by which the operation should finish, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left until the deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// The logger (hclog JSON on stderr, shown under `TF_LOG`).
    pub fn log(&self) -> &Logger {
        &self.log
    }

    /// Adds a warning shown to the user alongside the result.
    pub fn warn(&self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push_warning(Diagnostic::warning(summary, detail));
    }

    /// Adds a warning about an attribute.
    pub fn warn_at(
        &self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push_warning(Diagnostic::warning(summary, detail).with_path(path));
    }

    fn push_warning(&self, d: Diagnostic) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(d);
        }
    }

    pub(crate) fn take_warnings(&self) -> Vec<Diagnostic> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    /// Runs `fut` until it finishes, the provider is stopped, or the deadline
    /// passes, whichever comes first.
    pub async fn run<F: Future>(&self, fut: F) -> Result<F::Output, Diagnostics> {
        let sleep = async {
            match self.remaining() {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            out = fut => Ok(out),
            () = self.cancel.cancelled() => Err(Diagnostics::error(
                "Operation cancelled",
                "Terraform asked the provider to stop before the operation finished.",
            )),
            () = sleep => Err(Diagnostics::error(
                "Operation timed out",
                "The operation did not finish before its deadline.",
            )),
        }
    }
}

/// What `ConfigureProvider` passes.
#[derive(Clone, Debug)]
pub struct ConfigureRequest {
    /// The provider configuration (an object of the provider schema).
    pub config: Value,
    /// Terraform's version, e.g. `1.15.5`.
    pub terraform_version: String,
    /// Whether Terraform accepts write-only attributes.
    pub write_only_attributes_allowed: bool,
}

/// The provider: its configuration and what it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Shared by every resource and data source once configured (an API
    /// client, for example).
    type Data: Send + Sync + 'static;

    /// The provider's short name (`example` for `example_thing`); used as
    /// the log module.
    fn name(&self) -> &str;

    /// The `provider "..." {}` block schema (empty by default).
    fn schema(&self) -> Schema {
        Schema::default()
    }

    /// Extra checks of the provider configuration (which may hold unknowns);
    /// schema validators have already run.
    async fn validate(&self, _ctx: &Context, _config: &Value) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// Configures the provider and returns the shared data.
    async fn configure(
        &self,
        ctx: &Context,
        req: ConfigureRequest,
    ) -> Result<Self::Data, Diagnostics>;

    /// Managed resources.
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>> {
        Vec::new()
    }

    /// Data sources.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>> {
        Vec::new()
    }

    /// Functions (called in unconfigured provider instances).
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
}

/// A plan being made for a create or update, handed to
/// [`Resource::modify_plan`] after the framework's own planning.
#[derive(Clone, Debug)]
pub struct ResourcePlan {
    /// The prior state (null when creating).
    pub prior: Value,
    /// The configuration (may hold unknowns).
    pub config: Value,
    /// The planned new state; change it to plan computed values.
    pub planned: Value,
    /// Attributes whose change forces replacement; add to it.
    pub requires_replace: Vec<AttributePath>,
    /// Private state to carry to apply.
    pub private: Vec<u8>,
    /// The type of the resource's values (its schema's), which
    /// [`ResourcePlan::set_planned`] shapes a model to.
    pub value_type: Type,
}

impl ResourcePlan {
    /// Whether the resource is being created.
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }

    /// Sets the planned state to a typed model (see [`crate::model`]),
    /// shaped to the schema, so that it compares equal to `prior` when
    /// nothing changes.
    pub fn set_planned<M: serde::Serialize>(&mut self, model: &M) -> Result<(), Diagnostics> {
        self.planned = crate::to_value(model)?.conform(&self.value_type)?;
        Ok(())
    }
}

/// What create gets.
#[derive(Clone, Debug)]
pub struct CreateRequest {
    /// The configuration.
    pub config: Value,
    /// The planned state (unknowns are for the provider to fill in).
    pub planned: Value,
    /// Private state from the plan.
    pub private: Vec<u8>,
}

/// What update gets.
#[derive(Clone, Debug)]
pub struct UpdateRequest {
    /// The prior state.
    pub prior: Value,
    /// The configuration.
    pub config: Value,
    /// The planned state.
    pub planned: Value,
    /// Private state from the plan.
    pub private: Vec<u8>,
}

/// What delete gets.
#[derive(Clone, Debug)]
pub struct DeleteRequest {
    /// The state being destroyed.
    pub prior: Value,
    /// Private state.
    pub private: Vec<u8>,
}

/// What read gets.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    /// The current state.
    pub state: Value,
    /// Private state.
    pub private: Vec<u8>,
}

/// Stored state in an older schema version, for [`Resource::upgrade_state`].
#[derive(Clone, Debug)]
pub struct UpgradeRequest {
    /// The version the state was written with.
    pub version: i64,
    /// The state as JSON text.
    pub json: String,
}

fn unsupported(what: &str) -> Diagnostics {
    Diagnostics::error(
        format!("{what} is not supported"),
        format!("This resource type does not implement {what}."),
    )
}

/// A managed resource type.
///
/// Only `create`, `read`, `update` and `delete` are mandatory. Returned
/// state values may be loose (e.g. built with [`to_value`](crate::to_value)):
/// the framework shapes them to the schema and fills absent attributes with
/// null.
#[async_trait]
pub trait Resource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// Full type name, e.g. `example_thing`.
    fn type_name(&self) -> &str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Time limit for one create, read, update, delete or import; it becomes
    /// the [`Context::deadline`] (none by default). The framework does not
    /// abort the call: wrap the work in [`Context::run`] or check the deadline,
    /// so that whatever was created is still returned and recorded.
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Extra configuration checks (the configuration may hold unknowns).
    async fn validate(&self, _ctx: &Context, _config: &Value) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// Adjusts the framework's plan (computed values, replacement). `data` is
    /// `None` when the provider is not configured yet (its configuration
    /// depends on unknown values).
    async fn modify_plan(
        &self,
        _ctx: &Context,
        _data: Option<&D>,
        _plan: &mut ResourcePlan,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// Creates the object; returns the new state (everything known).
    async fn create(
        &self,
        ctx: &Context,
        data: &D,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics>;

    /// Reads the object; `None` means it is gone (removed from state).
    async fn read(
        &self,
        ctx: &Context,
        data: &D,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics>;

    /// Updates the object in place; returns the new state.
    async fn update(
        &self,
        ctx: &Context,
        data: &D,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics>;

    /// Deletes the object.
    async fn delete(&self, ctx: &Context, data: &D, req: DeleteRequest) -> Result<(), Diagnostics>;

    /// Imports an existing object by id; returns a state for `read` to
    /// complete (often just the id).
    async fn import(&self, _ctx: &Context, _data: &D, _id: &str) -> Result<Value, Diagnostics> {
        Err(unsupported("import"))
    }

    /// Upgrades state stored with an older schema version to the current one.
    async fn upgrade_state(
        &self,
        _ctx: &Context,
        _req: UpgradeRequest,
    ) -> Result<Value, Diagnostics> {
        Err(unsupported("state upgrade"))
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// Full type name, e.g. `example_thing`.
    fn type_name(&self) -> &str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Time limit for one read; it becomes the [`Context::deadline`].
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Extra configuration checks (the configuration may hold unknowns).
    async fn validate(&self, _ctx: &Context, _config: &Value) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// Reads: returns the configuration with computed attributes filled in.
    async fn read(&self, ctx: &Context, data: &D, config: Value) -> Result<Value, Diagnostics>;
}

/// A function error: a message, optionally about one argument.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct FunctionError {
    /// The message.
    pub text: String,
    /// The argument (0-based) it is about.
    pub argument: Option<usize>,
}

impl FunctionError {
    /// An error about the call as a whole.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            argument: None,
        }
    }

    /// An error about argument `index` (0-based).
    pub fn argument(index: usize, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            argument: Some(index),
        }
    }
}

impl From<crate::value::ValueError> for FunctionError {
    fn from(e: crate::value::ValueError) -> Self {
        // Typed decoding of an argument list reports the index as the first
        // path step.
        let argument = match e.path.steps().first() {
            Some(crate::diag::PathStep::Index(i)) => usize::try_from(*i).ok(),
            _ => None,
        };
        FunctionError {
            text: e.to_string(),
            argument,
        }
    }
}

/// A provider function, `provider::NAME::FUNCTION(...)`.
#[async_trait]
pub trait Function: Send + Sync + 'static {
    /// Function name.
    fn name(&self) -> &str;

    /// Parameters and return type.
    fn signature(&self) -> FunctionSignature;

    /// Calls the function with one value per argument (variadic arguments
    /// follow the positional ones).
    async fn call(&self, ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError>;
}
