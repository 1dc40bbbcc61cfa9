//! # tfplugin
//!
//! A Terraform provider runtime (plugin protocol 6, Terraform >= 1.8) and a
//! small framework for resources, data sources and functions, on tonic.
//!
//! A provider implements [`Provider`] and lists its [`Resource`]s,
//! [`DataSource`]s and [`Function`]s; its `main` calls [`serve`]:
//!
//! ```no_run
//! use std::sync::Arc;
//! use tfplugin::*;
//!
//! struct Upper;
//!
//! #[async_trait::async_trait]
//! impl Function for Upper {
//!     fn name(&self) -> &str { "upper" }
//!     fn signature(&self) -> FunctionSignature {
//!         FunctionSignature::new(Type::String).parameter(Parameter::new("s", Type::String))
//!     }
//!     async fn call(&self, _ctx: &Context, args: Vec<Value>) -> Result<Value, FunctionError> {
//!         let s = args[0].as_str().ok_or_else(|| FunctionError::argument(0, "string required"))?;
//!         Ok(s.to_uppercase().into())
//!     }
//! }
//!
//! struct Example;
//!
//! #[async_trait::async_trait]
//! impl Provider for Example {
//!     type Data = ();
//!     fn name(&self) -> &str { "example" }
//!     async fn configure(&self, _ctx: &Context, _req: ConfigureRequest) -> Result<(), Diagnostics> {
//!         Ok(())
//!     }
//!     fn functions(&self) -> Vec<Arc<dyn Function>> { vec![Arc::new(Upper)] }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     serve(Example, "registry.terraform.io/example/example")
//! }
//! ```
//!
//! See the crate README for what the runtime guarantees.

pub mod codec;
pub mod diag;
pub mod framework;
pub mod json;
pub mod logging;
pub mod model;
pub mod plan;
pub mod schema;
mod server;
mod service;
pub mod tls;
pub mod typed;
pub mod validators;
pub mod value;

pub use async_trait::async_trait;
pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use framework::{
    ConfigureRequest, Context, CreateRequest, DataSource, DeleteRequest, Function, FunctionError,
    Provider, ReadRequest, Resource, ResourcePlan, UpdateRequest, UpgradeRequest,
};
pub use logging::{Level, Logger};
pub use model::Maybe;
pub use schema::{Attribute, Block, FunctionSignature, NestedBlock, Nesting, Parameter, Schema};
pub use server::{
    handshake_line, reattach_json, serve, serve_with_version, version_line, ServeError,
    MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, MAX_MESSAGE_SIZE,
};
pub use tokio_util::sync::CancellationToken;
/// The `tracing` crate, whose events the server logs as hclog lines.
pub use tracing;
pub use typed::{from_value, to_value};
pub use value::{Number, Type, Unknown, Value, ValueError};
