//! The reads resources share within one Terraform operation (see
//! [`crate::cache`]): one `GET /v1/apps/{app}`, one
//! `GET /v1/apps/{app}/functions` and one `GET /v1/access/apps/{app}` per
//! app; one listing of a Keywhiz group's secrets and one of its clients per
//! group; one detail, one group list per secret; one detail and one group
//! list per Keywhiz client; and one STS GetCallerIdentity, however many
//! resources ask. Writers call the matching `forget_*` after a write.

use std::future::Future;
use std::sync::Arc;

use keywhiz_client::{ClientDetail, ClientSummary, SanitizedSecret, SecretDetail};
use registry_client::{Access, App, Function};

use crate::aws::{self, CallerIdentity};
use crate::cache::SharedReads;
use crate::clients::{keywhiz_error, registry_error, Clients};
use crate::settings::AwsSettings;
use tfplugin::Diagnostics;

#[derive(Default)]
pub(crate) struct Reads {
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

/// An error that can say "there is no such thing" (HTTP 404).
trait NotFound {
    fn is_not_found(&self) -> bool;
}

impl NotFound for registry_client::Error {
    fn is_not_found(&self) -> bool {
        registry_client::Error::is_not_found(self)
    }
}

impl NotFound for keywhiz_client::Error {
    fn is_not_found(&self) -> bool {
        keywhiz_client::Error::is_not_found(self)
    }
}

/// One read of `key` shared in the operation, whose "not found" means there
/// is none (`None`).
async fn shared_optional<T, E, Fut>(
    reads: &SharedReads<String, Option<Arc<T>>>,
    key: &str,
    read: impl FnOnce() -> Fut,
) -> Result<Option<Arc<T>>, E>
where
    E: NotFound,
    Fut: Future<Output = Result<T, E>>,
{
    reads
        .get_or_load(&key.to_owned(), || async {
            match read().await {
                Ok(v) => Ok(Some(Arc::new(v))),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
}

impl Reads {
    /// The app as Registry has it now (`None`: not registered), carrying
    /// the ETag it was read at.
    pub(crate) async fn app(
        &self,
        clients: &Clients,
        app: &str,
    ) -> Result<Option<Arc<App>>, Diagnostics> {
        let registry = clients.registry()?;
        shared_optional(&self.apps, app, || registry.get_app(app))
            .await
            .map_err(|e| registry_error(&format!("Cannot read app {app:?} from Registry"), &e))
    }

    /// The app as Registry has it now, read past what this operation read
    /// before (to judge a write that failed).
    pub(crate) async fn fresh_app(
        &self,
        clients: &Clients,
        app: &str,
    ) -> Result<Option<Arc<App>>, Diagnostics> {
        self.forget_app(app);
        self.app(clients, app).await
    }

    pub(crate) fn forget_app(&self, app: &str) {
        self.apps.invalidate(&app.to_owned());
    }

    /// All functions of an app in one call (`None`: the app is not registered).
    pub(crate) async fn functions(
        &self,
        clients: &Clients,
        app: &str,
    ) -> Result<Option<Arc<Vec<Function>>>, Diagnostics> {
        let registry = clients.registry()?;
        shared_optional(&self.functions, app, || registry.list_functions(app))
            .await
            .map_err(|e| {
                registry_error(
                    &format!("Cannot list the functions of app {app:?} in Registry"),
                    &e,
                )
            })
    }

    /// The app's functions as Registry has them now, read past what this
    /// operation read before.
    pub(crate) async fn fresh_functions(
        &self,
        clients: &Clients,
        app: &str,
    ) -> Result<Option<Arc<Vec<Function>>>, Diagnostics> {
        self.forget_functions(app);
        self.functions(clients, app).await
    }

    pub(crate) fn forget_functions(&self, app: &str) {
        self.functions.invalidate(&app.to_owned());
    }

    /// Whether the provider's identity may change `app` in Registry (the
    /// rule Registry applies to the app's writes).
    pub(crate) async fn access(
        &self,
        clients: &Clients,
        app: &str,
    ) -> Result<Arc<Access>, Diagnostics> {
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
    pub(crate) async fn group_secrets(
        &self,
        clients: &Clients,
        group: &str,
    ) -> Result<Option<Arc<Vec<SanitizedSecret>>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        shared_optional(&self.group_secrets, group, || keywhiz.group_secrets(group))
            .await
            .map_err(|e| {
                keywhiz_error(
                    &format!("Cannot list the secrets of Keywhiz group {group:?}"),
                    &e,
                )
            })
    }

    pub(crate) fn forget_group_secrets(&self, group: &str) {
        self.group_secrets.invalidate(&group.to_owned());
    }

    /// The members of a Keywhiz group with their SPIFFE IDs, in one call
    /// (`None`: the group does not exist).
    pub(crate) async fn group_clients(
        &self,
        clients: &Clients,
        group: &str,
    ) -> Result<Option<Arc<Vec<ClientSummary>>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        shared_optional(&self.group_clients, group, || keywhiz.group_clients(group))
            .await
            .map_err(|e| {
                keywhiz_error(
                    &format!("Cannot list the clients of Keywhiz group {group:?}"),
                    &e,
                )
            })
    }

    pub(crate) fn forget_group_clients(&self, group: &str) {
        self.group_clients.invalidate(&group.to_owned());
    }

    /// A secret's metadata (`None`: Keywhiz has no such secret). Never contents.
    pub(crate) async fn secret(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<SecretDetail>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        shared_optional(&self.secrets, name, || keywhiz.secret_detail(name))
            .await
            .map_err(|e| keywhiz_error(&format!("Cannot read secret {name:?} from Keywhiz"), &e))
    }

    /// The groups a secret is granted to (`None`: no such secret).
    pub(crate) async fn secret_groups(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<Vec<String>>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        shared_optional(&self.secret_groups, name, || keywhiz.secret_groups(name))
            .await
            .map_err(|e| {
                keywhiz_error(
                    &format!("Cannot list the groups secret {name:?} is granted to"),
                    &e,
                )
            })
    }

    /// A Keywhiz client by name (`None`: no client of that name).
    pub(crate) async fn client(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<ClientDetail>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        shared_optional(&self.clients, name, || keywhiz.client(name))
            .await
            .map_err(|e| keywhiz_error(&format!("Cannot read Keywhiz client {name:?}"), &e))
    }

    /// The groups a Keywhiz client belongs to (`None`: no such client).
    pub(crate) async fn client_groups(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<Option<Arc<Vec<String>>>, Diagnostics> {
        let keywhiz = clients.keywhiz()?;
        shared_optional(&self.client_groups, name, || keywhiz.client_groups(name))
            .await
            .map_err(|e| {
                keywhiz_error(
                    &format!("Cannot list the groups of Keywhiz client {name:?}"),
                    &e,
                )
            })
    }

    /// The AWS account this operation runs in (STS GetCallerIdentity), once.
    pub(crate) async fn caller(
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
