//! The reads resources share within one Terraform operation (see
//! [`crate::cache`]): one `GET /v1/apps/{app}`, one
//! `GET /v1/apps/{app}/functions` and one `GET /v1/access/apps/{app}` per
//! app; one listing of a Keywhiz group's secrets and one of its clients per
//! group; one detail, one group list per secret; one detail and one group
//! list per Keywhiz client; and one STS GetCallerIdentity, however many
//! resources ask. Writers call the matching `forget_*` after a write.

use std::sync::Arc;

use keywhiz_client::{ClientDetail, ClientSummary, SanitizedSecret, SecretDetail};
use registry_client::{Access, App, Function};

use crate::aws::{self, CallerIdentity};
use crate::cache::SharedReads;
use crate::clients::{keywhiz_error, registry_error, Clients};
use crate::settings::AwsSettings;
use tfplugin::Diagnostics;

#[derive(Default)]
pub struct Reads {
    apps: SharedReads<String, Option<Arc<App>>>,
    functions: SharedReads<String, Option<Arc<Vec<Function>>>>,
    access: SharedReads<String, Arc<Access>>,
    group_secrets: SharedReads<String, Option<Arc<Vec<SanitizedSecret>>>>,
    group_clients: SharedReads<String, Option<Arc<Vec<ClientSummary>>>>,
    secrets: SharedReads<String, Option<Arc<SecretDetail>>>,
    secret_groups: SharedReads<String, Option<Arc<Vec<String>>>>,
    clients: SharedReads<String, Option<Arc<ClientDetail>>>,
    client_groups: SharedReads<String, Option<Arc<Vec<String>>>>,
    caller: SharedReads<(), Arc<CallerIdentity>>,
    /// Apps whose Keywhiz group and client were made sure of in this
    /// operation, with the name of the app's client.
    pub(crate) keywhiz_ready: SharedReads<String, String>,
}

/// One shared Keywhiz read whose 404 means "there is none".
macro_rules! keywhiz_read {
    ($self:ident, $clients:ident, $map:ident, $key:expr, $call:ident, $what:expr) => {{
        let keywhiz = $clients.keywhiz()?;
        let key: &str = $key;
        $self
            .$map
            .get_or_load(&key.to_owned(), || async {
                match keywhiz.$call(key).await {
                    Ok(v) => Ok(Some(Arc::new(v))),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| keywhiz_error(&$what, &e))
    }};
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

    /// Whether the provider's identity may change `app` in Registry (the
    /// rule Registry applies to the app's writes).
    pub async fn access(&self, clients: &Clients, app: &str) -> Result<Arc<Access>, Diagnostics> {
        let registry = clients.registry()?;
        self.access
            .get_or_load(&app.to_owned(), || async {
                registry.access(app).await.map(Arc::new)
            })
            .await
            .map_err(|e| {
                registry_error(
                    &format!("Cannot ask Registry whether this identity may change app {app:?}"),
                    &e,
                )
            })
    }

    /// Every secret granted to a Keywhiz group, with checksum and expiry, in
    /// one call (`None`: the group does not exist). Never contents.
    pub async fn group_secrets(
        &self,
        clients: &Clients,
        group: &str,
    ) -> Result<Option<Arc<Vec<SanitizedSecret>>>, Diagnostics> {
        keywhiz_read!(
            self,
            clients,
            group_secrets,
            group,
            group_secrets,
            format!("Cannot list the secrets of Keywhiz group {group:?}")
        )
    }

    pub fn forget_group_secrets(&self, group: &str) {
        self.group_secrets.invalidate(&group.to_owned());
    }

    /// The members of a Keywhiz group with their SPIFFE IDs, in one call
    /// (`None`: the group does not exist).
    pub async fn group_clients(
        &self,
        clients: &Clients,
        group: &str,
    ) -> Result<Option<Arc<Vec<ClientSummary>>>, Diagnostics> {
        keywhiz_read!(
            self,
            clients,
            group_clients,
            group,
            group_clients,
            format!("Cannot list the clients of Keywhiz group {group:?}")
        )
    }

    pub fn forget_group_clients(&self, group: &str) {
        self.group_clients.invalidate(&group.to_owned());
    }

    /// A secret's metadata (`None`: Keywhiz has no such secret). Never contents.
    pub async fn secret(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<SecretDetail>>, Diagnostics> {
        keywhiz_read!(
            self,
            clients,
            secrets,
            name,
            secret_detail,
            format!("Cannot read secret {name:?} from Keywhiz")
        )
    }

    /// The groups a secret is granted to (`None`: no such secret).
    pub async fn secret_groups(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<Vec<String>>>, Diagnostics> {
        keywhiz_read!(
            self,
            clients,
            secret_groups,
            name,
            secret_groups,
            format!("Cannot list the groups secret {name:?} is granted to")
        )
    }

    /// A Keywhiz client by name (`None`: no client of that name).
    pub async fn client(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<ClientDetail>>, Diagnostics> {
        keywhiz_read!(
            self,
            clients,
            clients,
            name,
            client,
            format!("Cannot read Keywhiz client {name:?}")
        )
    }

    /// The groups a Keywhiz client belongs to (`None`: no such client).
    pub async fn client_groups(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<Vec<String>>>, Diagnostics> {
        keywhiz_read!(
            self,
            clients,
            client_groups,
            name,
            client_groups,
            format!("Cannot list the groups of Keywhiz client {name:?}")
        )
    }

    /// The AWS account this operation runs in (STS GetCallerIdentity), once.
    pub async fn caller(
        &self,
        settings: &AwsSettings,
        timeout: std::time::Duration,
    ) -> Result<Arc<CallerIdentity>, aws::AwsError> {
        self.caller
            .get_or_load(&(), || async {
                aws::caller_identity(settings, timeout).await.map(Arc::new)
            })
            .await
    }
}
