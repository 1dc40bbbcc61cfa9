//! The attributes of an app's AWS presence in Registry, shared by the
//! `s2s_registry_app` resource and data source (which have the same
//! attributes): their model, the schema of `accounts`, and the model of an app
//! as Registry returns it. Neither reaches into the other for them.

use registry_client::App;
use serde::{Deserialize, Serialize};
use tfplugin::{attr_name, Attribute, Maybe, Nesting};

/// An `s2s_registry_app`, resource or data source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AppModel {
    pub(crate) id: Maybe<String>,
    pub(crate) app: Maybe<String>,
    pub(crate) accounts: Maybe<Vec<Maybe<AccountModel>>>,
    pub(crate) certificate_generation: Maybe<bool>,
    pub(crate) spiffe_id: Maybe<String>,
    pub(crate) etag: Maybe<String>,
}

/// One element of `accounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccountModel {
    pub(crate) account_id: Maybe<String>,
    pub(crate) environment: Maybe<String>,
}

/// The schema of `accounts`: a set of (account id, environment); the
/// resource makes it required, the data source computed.
pub(crate) fn accounts_attribute() -> Attribute {
    Attribute::nested(
        attr_name!(AppModel.accounts),
        Nesting::Set,
        vec![
            Attribute::string(attr_name!(AccountModel.account_id))
                .required()
                .markdown_description("The 12-digit AWS account id."),
            Attribute::string(attr_name!(AccountModel.environment))
                .required()
                .markdown_description(
                    "What the account is for: `development`, `staging`, `production` or `sandbox`.",
                ),
        ],
    )
}

impl AppModel {
    /// The state of an app as Registry returned it.
    pub(crate) fn of(app: &App) -> AppModel {
        let accounts = app
            .accounts
            .iter()
            .map(|a| {
                Maybe::Known(AccountModel {
                    account_id: Maybe::Known(a.account_id.clone()),
                    environment: Maybe::Known(a.environment.as_str().to_owned()),
                })
            })
            .collect();
        AppModel {
            id: Maybe::Known(app.name.clone()),
            app: Maybe::Known(app.name.clone()),
            accounts: Maybe::Known(accounts),
            certificate_generation: Maybe::Known(app.certificate_generation),
            spiffe_id: app.spiffe_id.clone().into(),
            etag: Maybe::Known(app.etag.clone()),
        }
    }

    /// Each account's (id, environment) as written, once all of them are
    /// known; `None` while the set or any part of it is not.
    pub(crate) fn known_accounts(&self) -> Option<Vec<(&str, &str)>> {
        self.accounts
            .known()?
            .iter()
            .map(|item| {
                let item = item.known()?;
                Some((item.account_id.as_str()?, item.environment.as_str()?))
            })
            .collect()
    }
}
