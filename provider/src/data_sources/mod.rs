//! Data sources.

mod caller_identity;
mod policy;
mod registry_app;
mod sync_schedule;

use std::sync::Arc;

use tfplugin::DataSource;

use crate::S2sData;

pub fn all() -> Vec<Arc<dyn DataSource<S2sData>>> {
    vec![
        Arc::new(sync_schedule::SyncScheduleDataSource),
        Arc::new(caller_identity::CallerIdentityDataSource),
        Arc::new(registry_app::RegistryAppDataSource),
        Arc::new(policy::PolicyDataSource),
    ]
}
