//! What this Terraform operation plans for each app, so that the checks of
//! the resources that depend on an app judge the app the configuration will
//! make, not only the one Registry holds now: adding an account and a
//! function in it in one change, or a function next to the app that turns
//! `certificate_generation` on, plan cleanly; a change that takes an account
//! or the flag away from a function is refused at the function.
//!
//! Terraform plans a resource after the resources it references, so an
//! `s2s_registry_app` is planned (and recorded here) before the functions
//! and assignments that say `app = s2s_registry_app.<name>.id`. A provider
//! configuration (alias) is its own process: an app planned under another
//! alias is not seen here, and the checks fall back to Registry.

use std::collections::HashMap;
use std::sync::Mutex;

use registry_client::{Account, App, Environment};

use crate::app_model::AppModel;

/// An app as planned in this operation; `None` where the plan does not know
/// the value yet (it depends on a resource created in the same apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedApp {
    pub accounts: Option<Vec<Account>>,
    pub certificate_generation: Option<bool>,
}

impl PlannedApp {
    /// From the planned state of an `s2s_registry_app`.
    pub(crate) fn of(planned: &AppModel) -> PlannedApp {
        let accounts = planned.known_accounts().map(|items| {
            items
                .into_iter()
                .filter_map(|(id, environment)| {
                    Some(Account {
                        account_id: id.to_owned(),
                        environment: environment.parse::<Environment>().ok()?,
                    })
                })
                .collect()
        });
        PlannedApp {
            accounts,
            certificate_generation: planned.certificate_generation.known().copied(),
        }
    }
}

/// The app a dependent resource is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppView {
    /// Planned in this operation or registered in Registry.
    Known {
        accounts: Vec<Account>,
        certificate_generation: bool,
        /// Whether this view is the plan of this operation (else Registry's).
        planned: bool,
    },
    /// Planned in this operation with values not known yet: the checks that
    /// need them run at apply.
    NotYetKnown,
    /// Neither planned here nor registered.
    Absent,
}

impl AppView {
    /// The view of an app: this operation's plan if it has one, else Registry's.
    pub fn of(planned: Option<PlannedApp>, registered: Option<&App>) -> AppView {
        match (planned, registered) {
            (Some(p), _) => match (p.accounts, p.certificate_generation) {
                (Some(accounts), Some(certificate_generation)) => AppView::Known {
                    accounts,
                    certificate_generation,
                    planned: true,
                },
                _ => AppView::NotYetKnown,
            },
            (None, Some(app)) => AppView::Known {
                accounts: app.accounts.clone(),
                certificate_generation: app.certificate_generation,
                planned: false,
            },
            (None, None) => AppView::Absent,
        }
    }
}

/// The apps planned in this operation (it lives in the data configure
/// builds, so nothing is kept across operations).
#[derive(Default)]
pub struct Plans {
    apps: Mutex<HashMap<String, PlannedApp>>,
}

impl Plans {
    pub fn record_app(&self, app: &str, planned: PlannedApp) {
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        apps.insert(app.to_owned(), planned);
    }

    pub fn app(&self, app: &str) -> Option<PlannedApp> {
        let apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        apps.get(app).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_model::AccountModel;
    use registry_client::AppFields;
    use tfplugin::Maybe;

    fn planned(accounts: Maybe<Vec<Maybe<AccountModel>>>, flag: bool) -> AppModel {
        AppModel {
            accounts,
            certificate_generation: Maybe::Known(flag),
            ..AppModel::default()
        }
    }

    fn account(id: &str, env: &str) -> Maybe<AccountModel> {
        Maybe::Known(AccountModel {
            account_id: Maybe::Known(id.into()),
            environment: Maybe::Known(env.into()),
        })
    }

    #[test]
    fn a_plan_wins_over_registry_and_unknowns_wait() {
        let p = PlannedApp::of(&planned(
            Maybe::Known(vec![account("111122223333", "staging")]),
            true,
        ));
        assert_eq!(p.accounts.as_ref().map(Vec::len), Some(1));
        let registered = App {
            value: AppFields {
                name: "payments".into(),
                spiffe_id: None,
                accounts: Vec::new(),
                certificate_generation: false,
            },
            etag: "\"1\"".into(),
            created_at: 0,
            updated_at: 0,
            updated_by: None,
        };
        assert!(matches!(
            AppView::of(Some(p), Some(&registered)),
            AppView::Known {
                certificate_generation: true,
                planned: true,
                ..
            }
        ));
        let unknown = PlannedApp::of(&planned(Maybe::unknown(), true));
        assert_eq!(AppView::of(Some(unknown), None), AppView::NotYetKnown);
        assert!(matches!(
            AppView::of(None, Some(&registered)),
            AppView::Known { planned: false, .. }
        ));
        assert_eq!(AppView::of(None, None), AppView::Absent);
    }
}
