//! Data sources.

mod caller_identity;
mod policy;
mod registry_app;
mod sync_schedule;

use std::sync::Arc;

use tfplugin::DataSource;

use crate::S2sData;

pub(crate) fn all() -> Vec<Arc<dyn DataSource<S2sData>>> {
    vec![
        Arc::new(sync_schedule::SyncScheduleDataSource),
        Arc::new(caller_identity::CallerIdentityDataSource),
        Arc::new(registry_app::RegistryAppDataSource),
        Arc::new(policy::PolicyDataSource),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    /// Each data source has a model, and the model has exactly the schema's
    /// attributes (so no attribute is read or written outside it).
    #[test]
    fn every_data_source_is_its_model() {
        let checked = [
            (
                "s2s_sync_schedule",
                check_model::<sync_schedule::SyncScheduleModel>(
                    &sync_schedule::SyncScheduleDataSource.schema(),
                ),
            ),
            (
                "s2s_aws_caller_identity",
                check_model::<caller_identity::CallerIdentityModel>(
                    &caller_identity::CallerIdentityDataSource.schema(),
                ),
            ),
            (
                "s2s_registry_app",
                check_model::<crate::app_model::AppModel>(
                    &registry_app::RegistryAppDataSource.schema(),
                ),
            ),
            (
                "s2s_policy",
                check_model::<policy::PolicyModel>(&policy::PolicyDataSource.schema()),
            ),
        ];
        crate::model_checks::assert_every_type_checked(
            "data source",
            all().iter().map(|d| d.type_name().to_owned()),
            &checked,
        );
    }
}
