//! s2s-policy: a typed model of the IAM policy language with shape, size and lint checks,
//! an evaluator that follows AWS's decision logic across SCPs, RCPs, identity, boundary and
//! resource policies, and the tools to prove claims about the s2s policy bundle.
#![warn(missing_docs)]

pub mod arn;
pub mod condition;
pub mod context;
mod date;
pub mod error;
pub mod eval;
mod ip;
pub mod model;
pub mod pattern;
pub mod vars;

pub use context::{Context, Value as ContextValue};
pub use error::{Error, Result};
pub use eval::{evaluate, Decision, NamedPolicy, PolicySet, Request, RequestPrincipal};
pub use model::{Effect, Policy, Statement};
pub mod check;
pub mod kind;
pub mod limits;
pub mod lint;
pub mod render;
pub mod schema;

pub use check::check;
pub use kind::{Finding, PolicyType, Severity};
pub use limits::minify;
pub use render::render;
pub mod bundle;
pub use bundle::Bundle;
pub mod world;
pub use world::World;
pub mod chains;
pub mod claims;
pub mod whocan;
