//! `s2s_registry_app`: an application's AWS presence in Registry — its
//! accounts (id + environment) and the opt-in `certificate_generation` flag.
//! Every write carries the ETag the plan was made at (`If-Match`), so a
//! write that lost a race to another pipeline fails and changes nothing. An
//! app Registry already has is never adopted: import it. The plan records
//! what it makes of the app ([`crate::plans`]) for the resources that depend
//! on it, and a change that would take an account or the certificate flag
//! away from registered functions is refused before anything is written.

use std::collections::BTreeSet;

use registry_client::{Account, App, AppSpec, Environment, Function};
use tfplugin::{
    async_trait, attr_name, attr_path, from_value, required, to_value, Attribute, Block, Context,
    CreateRequest, DeleteRequest, Diagnostics, Maybe, ReadRequest, Resource, ResourcePlan, Schema,
    UpdateRequest, Value,
};

use super::authz::require_may_change;
use super::common::{
    app_attribute, bad_import_piece, id_attribute, not_adopted, split_import_id, OPERATION_TIMEOUT,
};
use super::registry_writes::{
    created_by_lost_attempt, deleted_or_changed, updated_by_lost_attempt,
};
use crate::app_model::{accounts_attribute, AppModel};
use crate::clients::registry_error;
use crate::plans::PlannedApp;
use crate::validation;
use crate::S2sData;

pub(crate) struct RegistryAppResource;

#[async_trait]
impl Resource<S2sData> for RegistryAppResource {
    fn type_name(&self) -> &str {
        "s2s_registry_app"
    }

    fn timeout(&self) -> Option<std::time::Duration> {
        Some(OPERATION_TIMEOUT)
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .markdown_description(
                    "An application's AWS presence in Registry: the AWS accounts it runs in (each with its environment) and whether short-lived certificates are issued for it. Writes are conditional on the ETag read at plan time, so two pipelines cannot silently overwrite each other: the one that loses fails with *changed since you planned, run plan again* and writes nothing. An app Registry already has is not adopted: creating it fails with *already registered, import it*. The `id` is the app name, known at plan, so the functions and assignments that reference it are checked at plan against the app as this plan makes it. A change that takes an account, its environment or `certificate_generation` away from a registered function is refused: at that function's plan when it is in this configuration (removing the function in the same change is fine: Terraform destroys it first), at apply before anything is written when it is registered elsewhere.",
                )
                .attribute(
                    id_attribute(attr_name!(AppModel.id))
                        .markdown_description("The app name; also the import ID."),
                )
                .attribute(
                    app_attribute(attr_name!(AppModel.app))
                        .markdown_description("The application's name in Registry: a DNS label (`^[a-z][a-z0-9-]{0,62}$`). Changing it registers a different app (replacement)."),
                )
                .attribute(
                    accounts_attribute()
                        .required()
                        .markdown_description("The AWS accounts the app runs in. A set: order does not matter; an account appears at most once."),
                )
                .attribute(
                    Attribute::bool(attr_name!(AppModel.certificate_generation))
                        .optional()
                        .computed()
                        .default(false)
                        .markdown_description("Whether the certificate issuer issues short-lived mTLS certificates for the app (into `s2s/<app>/tls` of each account). Certificates are powerful, so this is off unless you turn it on. `s2s_lambda_function` requires it."),
                )
                .attribute(
                    Attribute::string(attr_name!(AppModel.spiffe_id))
                        .computed()
                        .use_state_for_unknown()
                        .markdown_description("The app's identity, `spiffe://<trust domain>/<app>`, as Registry reports it."),
                )
                .attribute(
                    Attribute::string(attr_name!(AppModel.etag))
                        .computed()
                        .markdown_description("The Registry ETag of the app as last written or read; the next write is conditional on it."),
                ),
        )
    }

    async fn validate(&self, _ctx: &Context, config: &Value) -> Result<(), Diagnostics> {
        let config: AppModel = from_value(config)?;
        let mut diags = Diagnostics::new();
        check_accounts(&config, &mut diags);
        diags.into_result(())
    }

    async fn modify_plan(
        &self,
        ctx: &Context,
        data: Option<&S2sData>,
        plan: &mut ResourcePlan,
    ) -> Result<(), Diagnostics> {
        let mut planned: AppModel = from_value(&plan.planned)?;
        let Some(app) = planned.app.known().cloned() else {
            return Ok(());
        };
        // The id is the app name: known now, so references to it are too.
        planned.id = Maybe::Known(app.clone());
        plan.set_planned(&planned)?;
        let Some(data) = data else {
            return Ok(());
        };
        data.plans.record_app(&app, PlannedApp::of(&planned));
        if !plan.is_create() && plan.planned == plan.prior {
            return Ok(());
        }
        require_may_change(
            ctx,
            data,
            &app,
            attr_path!(AppModel.app),
            "register or change",
        )
        .await?;
        let current = ctx.run(data.reads.app(&data.clients, &app)).await??;
        if plan.is_create() {
            if current.is_some() {
                ctx.warn_at(
                    attr_path!(AppModel.app),
                    "App already registered",
                    already_registered(&app),
                );
            }
            return Ok(());
        }
        let Some(current) = current else {
            return Ok(());
        };
        // The checks wait for apply while the accounts are not known.
        let Ok(spec) = spec_of(&planned) else {
            return Ok(());
        };
        let functions = ctx.run(data.reads.functions(&data.clients, &app)).await??;
        let affected = affected_functions(
            &current,
            &spec,
            functions.as_deref().map(Vec::as_slice).unwrap_or_default(),
        );
        if !affected.is_empty() {
            ctx.warn_at(
                attr_path!(AppModel.accounts),
                "Registered functions rely on what this change removes",
                format!(
                    "{} Terraform destroys the ones removed from this configuration before it updates the app; any other is refused at apply and nothing is written.",
                    describe_affected(&app, &affected)
                ),
            );
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let planned: AppModel = from_value(&req.planned)?;
        let app = required!(planned.app)?;
        let spec = spec_of(&planned)?;
        let registry = data.clients.registry()?;
        let result = ctx.run(registry.create_app(app, &spec)).await?;
        data.reads.forget_app(app);
        let written = match result {
            Ok(written) => written,
            Err(e) if e.is_conflict() => {
                // An earlier attempt of this call may have gone through with
                // its answer lost: then the app is ours, as we wrote it.
                // Otherwise it is someone else's and is not adopted.
                let we = registry.presented().spiffe_id.as_deref();
                match ctx.run(data.reads.fresh_app(&data.clients, app)).await?? {
                    Some(now)
                        if created_by_lost_attempt(&e, &now, spec_matches(&now, &spec), we) =>
                    {
                        (*now).clone()
                    }
                    _ => {
                        return Err(Diagnostics::attribute_error(
                            attr_path!(AppModel.app),
                            "App already registered, import it",
                            already_registered(app),
                        ))
                    }
                }
            }
            Err(e) => return Err(registry_error(&format!("Cannot register app {app:?}"), &e)),
        };
        Ok(to_value(&AppModel::of(&written))?)
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        let state: AppModel = from_value(&req.state)?;
        let app = required!(state.app)?;
        let found = ctx.run(data.reads.app(&data.clients, app)).await??;
        found
            .map(|a| to_value(&AppModel::of(&a)))
            .transpose()
            .map_err(Into::into)
    }

    async fn update(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        let planned: AppModel = from_value(&req.planned)?;
        let prior: AppModel = from_value(&req.prior)?;
        let app = required!(planned.app)?;
        let etag = required!(prior.etag)?;
        let spec = spec_of(&planned)?;
        let registry = data.clients.registry()?;
        // Terraform has destroyed the functions this configuration removes by
        // now; what is left in Registry must not lose its account or flag.
        if let Some(now) = ctx.run(data.reads.fresh_app(&data.clients, app)).await?? {
            let functions = ctx
                .run(data.reads.fresh_functions(&data.clients, app))
                .await??;
            let affected = affected_functions(
                &now,
                &spec,
                functions.as_deref().map(Vec::as_slice).unwrap_or_default(),
            );
            if !affected.is_empty() {
                return Err(Diagnostics::attribute_error(
                    attr_path!(AppModel.accounts),
                    "Registered functions rely on what this change removes",
                    format!(
                        "{} Destroy those s2s_lambda_function resources first (they may be managed by another configuration), then apply this change. Nothing was written.",
                        describe_affected(app, &affected)
                    ),
                ));
            }
        }
        let result = ctx.run(registry.update_app(app, &spec, etag)).await?;
        data.reads.forget_app(app);
        let written = match result {
            Ok(written) => written,
            Err(e) if e.is_conflict() => {
                let now = ctx.run(data.reads.fresh_app(&data.clients, app)).await??;
                let now = updated_by_lost_attempt(&format!("Registry app {app:?}"), etag, now, |now| {
                    spec_matches(now, &spec)
                })?;
                (*now).clone()
            }
            Err(e) if e.status() == Some(409) => {
                return Err(Diagnostics::attribute_error(
                    attr_path!(AppModel.accounts),
                    "Account still has functions",
                    format!(
                        "{e}. Remove (destroy) the s2s_lambda_function resources registered in the account first, then the account."
                    ),
                ))
            }
            Err(e) => return Err(registry_error(&format!("Cannot update app {app:?}"), &e)),
        };
        Ok(to_value(&AppModel::of(&written))?)
    }

    async fn delete(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: DeleteRequest,
    ) -> Result<(), Diagnostics> {
        let prior: AppModel = from_value(&req.prior)?;
        let app = required!(prior.app)?;
        let etag = required!(prior.etag)?;
        let registry = data.clients.registry()?;
        let result = ctx.run(registry.delete_app(app, etag)).await?;
        data.reads.forget_app(app);
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.is_conflict() || e.is_not_found() => {
                let now = ctx.run(data.reads.fresh_app(&data.clients, app)).await??;
                deleted_or_changed(&format!("Registry app {app:?}"), etag, now.as_ref())
            }
            Err(e) if e.status() == Some(409) => Err(Diagnostics::error(
                "App still has functions",
                format!(
                    "{e}. Destroy the app's s2s_lambda_function resources first (reference the app as `app = s2s_registry_app.<name>.id` so Terraform orders this itself)."
                ),
            )),
            Err(e) => Err(registry_error(&format!("Cannot delete app {app:?}"), &e)),
        }
    }

    async fn import(
        &self,
        _ctx: &Context,
        _data: &S2sData,
        id: &str,
    ) -> Result<Value, Diagnostics> {
        let pieces = split_import_id(id, "<app>", "payments", 1, false)?;
        s2s_core::validate_app(pieces[0]).map_err(|e| bad_import_piece(id, e))?;
        Ok(to_value(&AppModel {
            app: Maybe::Known(pieces[0].to_owned()),
            ..AppModel::default()
        })?)
    }
}

fn already_registered(app: &str) -> String {
    not_adopted(
        &format!("Registry already has an app named {app:?}"),
        "delete",
        app,
    )
}

/// A registered function and what the planned app takes away from it.
struct Affected<'f> {
    function: &'f Function,
    why: String,
}

/// The functions that would lose their account, their account's
/// environment, or the certificate flag if the app became `spec`.
fn affected_functions<'f>(
    now: &App,
    spec: &AppSpec,
    functions: &'f [Function],
) -> Vec<Affected<'f>> {
    let mut out = Vec::new();
    for f in functions {
        let why = match spec.accounts.iter().find(|a| a.account_id == f.account_id) {
            None => format!("account {} is removed", f.account_id),
            Some(a) if a.environment != f.environment => format!(
                "account {} changes from {} to {}",
                f.account_id,
                f.environment.as_str(),
                a.environment.as_str()
            ),
            Some(_) if now.certificate_generation && !spec.certificate_generation => {
                "certificate_generation is turned off, so its certificate would stop being renewed"
                    .to_owned()
            }
            Some(_) => continue,
        };
        out.push(Affected { function: f, why });
    }
    out
}

fn describe_affected(app: &str, affected: &[Affected<'_>]) -> String {
    let list: Vec<String> = affected
        .iter()
        .map(|a| format!("{} ({})", a.function.id, a.why))
        .collect();
    format!(
        "App {app:?} has functions registered that this change leaves without what they rely on: {}.",
        list.join(", ")
    )
}

fn spec_matches(app: &App, spec: &AppSpec) -> bool {
    let have: BTreeSet<&Account> = app.accounts.iter().collect();
    let want: BTreeSet<&Account> = spec.accounts.iter().collect();
    have == want && app.certificate_generation == spec.certificate_generation
}

/// The Registry write body from a planned state (all known at apply).
fn spec_of(planned: &AppModel) -> Result<AppSpec, Diagnostics> {
    let items = planned.known_accounts().ok_or_else(|| {
        Diagnostics::attribute_error(
            attr_path!(AppModel.accounts),
            "Missing value",
            "The accounts must be known at this point. This is a provider bug.",
        )
    })?;
    let mut accounts = Vec::new();
    for (id, env) in items {
        let environment = env.parse::<Environment>().map_err(|_| {
            Diagnostics::attribute_error(
                attr_path!(AppModel.accounts),
                "Invalid environment",
                validation::check_environment(env).err().unwrap_or_default(),
            )
        })?;
        accounts.push(Account {
            account_id: id.to_owned(),
            environment,
        });
    }
    accounts.sort();
    Ok(AppSpec {
        accounts,
        certificate_generation: planned
            .certificate_generation
            .known()
            .copied()
            .unwrap_or(false),
    })
}

/// Account ids of 12 digits, known environments, each account once. Set
/// elements have no path of their own in Terraform, so errors point at
/// `accounts` and name the element.
fn check_accounts(config: &AppModel, diags: &mut Diagnostics) {
    let Some(items) = config.accounts.known() else {
        return;
    };
    let path = attr_path!(AppModel.accounts);
    let mut seen = BTreeSet::new();
    for item in items.iter().filter_map(Maybe::known) {
        if let Some(id) = item.account_id.as_str() {
            if let Err(e) = validation::check_account_id(id) {
                diags.add_attribute_error(path.clone(), "Invalid account id", e);
            } else if !seen.insert(id.to_owned()) {
                diags.add_attribute_error(
                    path.clone(),
                    "Account listed twice",
                    format!("Account {id} appears more than once. An account has one environment: list it once."),
                );
            }
        }
        if let Some(env) = item.environment.as_str() {
            if let Err(e) = validation::check_environment(env) {
                diags.add_attribute_error(path.clone(), "Invalid environment", e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_model::AccountModel;
    use registry_client::AppFields;

    fn account(id: &str, env: &str) -> Maybe<AccountModel> {
        Maybe::Known(AccountModel {
            account_id: Maybe::Known(id.into()),
            environment: Maybe::Known(env.into()),
        })
    }

    fn app_with(accounts: Vec<Maybe<AccountModel>>) -> AppModel {
        AppModel {
            accounts: Maybe::Known(accounts),
            certificate_generation: Maybe::Known(true),
            ..AppModel::default()
        }
    }

    #[test]
    fn accounts_are_checked() {
        let mut d = Diagnostics::new();
        check_accounts(
            &app_with(vec![
                account("111122223333", "staging"),
                account("111122223333", "production"),
                account("1234", "staging"),
                account("222233334444", "prod"),
                Maybe::Known(AccountModel {
                    account_id: Maybe::unknown(),
                    environment: Maybe::unknown(),
                }),
                Maybe::unknown(),
            ]),
            &mut d,
        );
        let summaries: Vec<&str> = d.iter().map(|x| x.summary.as_str()).collect();
        assert_eq!(
            summaries,
            vec![
                "Account listed twice",
                "Invalid account id",
                "Invalid environment"
            ]
        );
    }

    #[test]
    fn spec_is_sorted_and_compared_as_a_set() {
        let planned = app_with(vec![
            account("222233334444", "production"),
            account("111122223333", "staging"),
        ]);
        let spec = spec_of(&planned).unwrap();
        assert_eq!(spec.accounts[0].account_id, "111122223333");
        let app = App {
            value: AppFields {
                name: "payments".into(),
                spiffe_id: None,
                accounts: spec.accounts.iter().rev().cloned().collect(),
                certificate_generation: true,
            },
            etag: "\"1\"".into(),
            created_at: 0,
            updated_at: 0,
            updated_by: None,
        };
        assert!(spec_matches(&app, &spec));
        // Accounts not all known yet: no body to write.
        assert!(spec_of(&app_with(vec![Maybe::unknown()])).is_err());
    }
}
