//! Managed resources, and the small pieces they share.

mod authz;
mod common;
mod keywhiz_setup;
mod lambda_function;
mod ownership;
mod registry_app;
mod secret_assignment;

use std::sync::Arc;

use tfplugin::Resource;

use crate::S2sData;

pub use keywhiz_setup::{client_name, fallback_client_name, group_name};
pub use lambda_function::ENVIRONMENT_VARIABLES;
pub use registry_app::{accounts_attribute, state_of as app_state};

pub fn all() -> Vec<Arc<dyn Resource<S2sData>>> {
    vec![
        Arc::new(registry_app::RegistryAppResource),
        Arc::new(lambda_function::LambdaFunctionResource),
        Arc::new(secret_assignment::SecretAssignmentResource),
    ]
}
