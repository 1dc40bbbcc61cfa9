//! The reads resources share within one Terraform operation (see
//! [`crate::cache`]): one `GET /v1/apps/{app}` and one
//! `GET /v1/apps/{app}/functions` per app, one
//! `GET /automation/v2/groups/{group}/secrets` per Keywhiz group, one secret
//! detail per secret and one STS GetCallerIdentity, however many resources
//! ask. Writers call the matching `forget_*` after a write.

use std::sync::Arc;

use keywhiz_client::{SanitizedSecret, SecretDetail};
use registry_client::{App, Function};

use crate::aws::{self, CallerIdentity};
use crate::cache::SharedReads;
use crate::clients::{keywhiz_error, registry_error, Clients};
use crate::settings::AwsSettings;
use tfplugin::Diagnostics;

#[derive(Default)]
pub struct Reads {
    apps: SharedReads<String, Option<Arc<App>>>,
    functions: SharedReads<String, Option<Arc<Vec<Function>>>>,
    group_secrets: SharedReads<String, Option<Arc<Vec<SanitizedSecret>>>>,
    secrets: SharedReads<String, Option<Arc<SecretDetail>>>,
    caller: SharedReads<(), Arc<CallerIdentity>>,
    /// Apps whose Keywhiz group and client were made sure of in this operation.
    pub(crate) keywhiz_ready: SharedReads<String, ()>,
}

impl Reads {
    /// The app as Registry has it now (`None`: not registered). The app's
    /// `etag` field is the ETag it was read at.
    pub async fn app(&self, clients: &Clients, app: &str) -> Result<Option<Arc<App>>, Diagnostics> {
        let registry = clients.registry()?;
        self.apps
            .get_or_load(&app.to_owned(), || async {
                match registry.get_app(app).await {
                    Ok(v) => {
                        let mut found = v.value;
                        found.etag = v.etag;
                        Ok(Some(Arc::new(found)))
                    }
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| registry_error(&format!("Cannot read app {app:?} from Registry"), &e))
    }

    pub fn forget_app(&self, app: &str) {
        self.apps.invalidate(&app.to_owned());
    }

    /// All functions of an app in one call (`None`: the app is not registered).
    pub async fn functions(
        &self,
        clients: &Clients,
        app: &str,
    ) -> Result<Option<Arc<Vec<Function>>>, Diagnostics> {
        let registry = clients.registry()?;
        self.functions
            .get_or_load(&app.to_owned(), || async {
                match registry.list_functions(app).await {
                    Ok(list) => Ok(Some(Arc::new(list))),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| {
                registry_error(
                    &format!("Cannot list the functions of app {app:?} in Registry"),
                    &e,
                )
            })
    }

    pub fn forget_functions(&self, app: &str) {
        self.functions.invalidate(&app.to_owned());
    }

    /// Every secret granted to a Keywhiz group, with checksum and expiry, in
    /// one call (`None`: the group does not exist). Never contents.
    pub async fn group_secrets(
        &self,
        clients: &Clients,
        group: &str,
    ) -> Result<Option<Arc<Vec<SanitizedSecret>>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        self.group_secrets
            .get_or_load(&group.to_owned(), || async {
                match keywhiz.group_secrets(group).await {
                    Ok(list) => Ok(Some(Arc::new(list))),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| {
                keywhiz_error(
                    &format!("Cannot list the secrets of Keywhiz group {group:?}"),
                    &e,
                )
            })
    }

    pub fn forget_group_secrets(&self, group: &str) {
        self.group_secrets.invalidate(&group.to_owned());
    }

    /// A secret's metadata (`None`: Keywhiz has no such secret). Never contents.
    pub async fn secret(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<SecretDetail>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        self.secrets
            .get_or_load(&name.to_owned(), || async {
                match keywhiz.secret_detail(name).await {
                    Ok(d) => Ok(Some(Arc::new(d))),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| keywhiz_error(&format!("Cannot read secret {name:?} from Keywhiz"), &e))
    }

    /// The AWS account this operation runs in (STS GetCallerIdentity), once.
    pub async fn caller(
        &self,
        settings: &AwsSettings,
    ) -> Result<Arc<CallerIdentity>, aws::AwsError> {
        self.caller
            .get_or_load(&(), || async {
                aws::caller_identity(settings).await.map(Arc::new)
            })
            .await
    }
}
