//! Managed resources, and the small pieces they share.

mod authz;
mod common;
mod keywhiz_setup;
mod lambda_function;
mod ownership;
mod registry_app;
mod registry_writes;
mod secret_assignment;

use std::sync::Arc;

use tfplugin::Resource;

use crate::S2sData;

pub(crate) fn all() -> Vec<Arc<dyn Resource<S2sData>>> {
    vec![
        Arc::new(registry_app::RegistryAppResource),
        Arc::new(lambda_function::LambdaFunctionResource),
        Arc::new(secret_assignment::SecretAssignmentResource),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    /// Each resource has a model, and the model has exactly the schema's
    /// attributes (so no attribute is read or written outside it).
    #[test]
    fn every_resource_is_its_model() {
        let checked = [
            (
                "s2s_registry_app",
                check_model::<crate::app_model::AppModel>(
                    &registry_app::RegistryAppResource.schema(),
                ),
            ),
            (
                "s2s_lambda_function",
                check_model::<lambda_function::LambdaFunctionModel>(
                    &lambda_function::LambdaFunctionResource.schema(),
                ),
            ),
            (
                "s2s_secret_assignment",
                check_model::<secret_assignment::SecretAssignmentModel>(
                    &secret_assignment::SecretAssignmentResource.schema(),
                ),
            ),
        ];
        crate::model_checks::assert_every_type_checked(
            "resource",
            all().iter().map(|r| r.type_name().to_owned()),
            &checked,
        );
    }
}
