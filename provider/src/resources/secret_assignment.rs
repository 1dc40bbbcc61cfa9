//! `s2s_secret_assignment`: opts one Keywhiz secret in for sync to an app's
//! AWS accounts, by granting it to the app's Keywhiz group `<app>-aws`.
//! Destroy revokes that grant and nothing else. The provider reads metadata
//! only (checksum, expiry) — never a secret's contents.
//!
//! Who may assign what: the pipeline must be allowed to change the app in
//! Registry ([`super::authz`]), and the app must already be able to read the
//! secret in the datacenter ([`super::ownership`]); both are checked at plan
//! and again at apply. An existing grant is never adopted: import it.

use keywhiz_client::{expiry, ModifyGroupsRequest, SanitizedSecret, SecretDetail};
use s2s_core::keywhiz_aws_group;
use serde::{Deserialize, Serialize};
use tfplugin::validators::string_rule;
use tfplugin::{
    async_trait, attr_name, attr_path, from_value, required, to_value, Attribute, AttributePath,
    Block, Context, CreateRequest, DeleteRequest, Diagnostics, Maybe, ReadRequest, Resource,
    ResourcePlan, Schema, UpdateRequest, Value,
};

use super::authz::require_may_change;
use super::common::{
    app_attribute, bad_import_piece, id_attribute, not_adopted, now_epoch, split_import_id,
    unknown_app, utc_date, OPERATION_TIMEOUT,
};
use super::keywhiz_setup::{self, app_spiffe_id, no_trust_domain};
use super::ownership::require_readable;
use crate::clients::keywhiz_error;
use crate::plans::AppView;
use crate::validation;
use crate::S2sData;

pub(crate) struct SecretAssignmentResource;

/// The resource's attributes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SecretAssignmentModel {
    pub(crate) id: Maybe<String>,
    pub(crate) app: Maybe<String>,
    pub(crate) secret: Maybe<String>,
    pub(crate) secretsmanager_name: Maybe<String>,
    pub(crate) keywhiz_client: Maybe<String>,
    pub(crate) checksum: Maybe<String>,
    pub(crate) expiry: Maybe<i64>,
}

/// Where an assignment's refusal about the app points.
fn app_path() -> AttributePath {
    attr_path!(SecretAssignmentModel.app)
}

impl SecretAssignmentModel {
    /// The app and the secret, which every operation after plan has.
    fn app_and_secret(&self) -> Result<(&str, &str), Diagnostics> {
        Ok((required!(self.app)?, required!(self.secret)?))
    }
}

#[async_trait]
impl Resource<S2sData> for SecretAssignmentResource {
    fn type_name(&self) -> &str {
        "s2s_secret_assignment"
    }

    fn timeout(&self) -> Option<std::time::Duration> {
        Some(OPERATION_TIMEOUT)
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .markdown_description(
                    "Opts one Keywhiz secret in for sync to an app's AWS accounts: grants the secret to the app's Keywhiz group `<app>-aws`, which the syncer of each of the app's accounts reads. Only a secret the app may already read in the datacenter can be assigned — its Keywhiz owner is the app's own group `<app>` (or a group the app's client is in), or it is granted to a group the app's client belongs to — and only by a pipeline that Registry lets change the app; anything else is refused at plan. A secret already granted to `<app>-aws` is not adopted: import it. On create the provider also makes sure the group exists and that the app's Keywhiz client (the one with the app's SPIFFE ID) is a member of it. It finds that client as a member of `<app>-aws`, as the client named `<app>`, as a member of the group `<app>`, or as the client named `<app>-s2s`; when there is none it creates one named `<app>`, or `<app>-s2s` if `<app>` is a client with another identity. Destroy revokes the grant and nothing else. The provider reads the secret's checksum and expiry, never its contents, so no secret value reaches state, plan or logs.",
                )
                .attribute(
                    id_attribute(attr_name!(SecretAssignmentModel.id))
                        .markdown_description("`<app>/<secret>`; also the import ID."),
                )
                .attribute(
                    app_attribute(attr_name!(SecretAssignmentModel.app))
                        .markdown_description("The application's name (a DNS label). Reference the app's registration, `s2s_registry_app.<name>.id`, so the app exists first."),
                )
                .attribute(
                    Attribute::string(attr_name!(SecretAssignmentModel.secret))
                        .required()
                        .requires_replace()
                        .validator(string_rule(validation::check_secret_name))
                        .markdown_description("The Keywhiz secret's name (letters, digits, `_`, `-`, `.`, `:`; not starting with `.`). It must exist in Keywhiz and the app must be able to read it already."),
                )
                .attribute(
                    Attribute::string(attr_name!(SecretAssignmentModel.secretsmanager_name))
                        .computed()
                        .use_state_for_unknown()
                        .markdown_description("Where the syncer writes the secret in each of the app's accounts: `keywhiz/<secret>` with `:` written as `@` (Secrets Manager does not allow `:`)."),
                )
                .attribute(
                    Attribute::string(attr_name!(SecretAssignmentModel.keywhiz_client))
                        .computed()
                        .markdown_description("The app's Keywhiz client (the one with the app's SPIFFE ID) that is a member of `<app>-aws`; the syncers present its identity. Null after a refresh that finds it removed from the group: the plan then repairs the membership."),
                )
                .attribute(
                    Attribute::string(attr_name!(SecretAssignmentModel.checksum))
                        .computed()
                        .markdown_description("Keywhiz's checksum (HMAC) of the current version; changes when the secret is rotated. Not the contents. Null once the secret was deleted in Keywhiz."),
                )
                .attribute(
                    Attribute::number(attr_name!(SecretAssignmentModel.expiry))
                        .computed()
                        .markdown_description("When the secret expires, in seconds since the epoch: Keywhiz's `expiry`, or else the secret's `expiry` metadata key (which is what the syncer can see and tags); null when it does not expire. Plan warns when it is within the provider's `expiry_warning_days`."),
                ),
        )
    }

    async fn modify_plan(
        &self,
        ctx: &Context,
        data: Option<&S2sData>,
        plan: &mut ResourcePlan,
    ) -> Result<(), Diagnostics> {
        let mut planned: SecretAssignmentModel = from_value(&plan.planned)?;
        let app = planned.app.known().cloned();
        let secret = planned.secret.known().cloned();
        if let (Some(app), Some(secret)) = (&app, &secret) {
            planned.id = Maybe::Known(format!("{app}/{secret}"));
        }
        if let Some(name) = secret
            .as_deref()
            .and_then(|s| s2s_core::secretsmanager_name_for_keywhiz(s).ok())
        {
            planned.secretsmanager_name = Maybe::Known(name);
        }
        plan.set_planned(&planned)?;
        let (Some(data), Some(secret)) = (data, secret) else {
            return Ok(());
        };
        if !plan.is_create() {
            return plan_existing(ctx, data, plan, &secret);
        }
        let Some(app) = app else {
            // The app is not known yet: the secret can still be checked.
            existing_secret(ctx, data, &secret).await?;
            return Ok(());
        };
        data.settings
            .trust_domain
            .as_ref()
            .ok_or_else(no_trust_domain)?;
        require_may_change(ctx, data, &app, app_path(), "grant secrets to").await?;
        require_app(ctx, data, &app).await?;
        let detail = existing_secret(ctx, data, &secret).await?;
        require_readable(ctx, data, &app, &detail).await?;
        if is_granted(ctx, data, &app, &secret).await? {
            ctx.warn_at(
                attr_path!(SecretAssignmentModel.secret),
                "Secret already granted",
                already_granted(&app, &secret),
            );
        }
        let e = expiry::of(&detail.info);
        if let Some(at) = e.at() {
            warn_if_expiring(ctx, data, &secret, at, e.hidden_from_apps());
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let planned: SecretAssignmentModel = from_value(&req.planned)?;
        let (app, secret) = planned.app_and_secret()?;
        require_may_change(ctx, data, app, app_path(), "grant secrets to").await?;
        let detail = existing_secret(ctx, data, secret).await?;
        require_readable(ctx, data, app, &detail).await?;
        if is_granted(ctx, data, app, secret).await? {
            return Err(Diagnostics::attribute_error(
                attr_path!(SecretAssignmentModel.secret),
                "Secret already granted, import it",
                already_granted(app, secret),
            ));
        }
        let client = keywhiz_setup::ensure(ctx, data, app).await?;
        let keywhiz = data.clients.keywhiz()?;
        let group = keywhiz_aws_group(app);
        let grant = ModifyGroupsRequest {
            add_groups: vec![group.clone()],
            remove_groups: Vec::new(),
        };
        // The group's listing is not forgotten: it still says rightly whether
        // any other secret of this operation is granted (only its own create
        // grants it), and re-reading it after each of N grants would cost N
        // ever longer listings.
        let result = ctx
            .run(keywhiz.modify_secret_groups(secret, &grant))
            .await?;
        match result {
            Ok(groups) if groups.contains(&group) => {}
            Ok(_) => {
                return Err(Diagnostics::error(
                    "Keywhiz did not grant the secret",
                    format!("Keywhiz PUT /automation/v2/secrets/{secret}/groups answered without group {group:?}."),
                ))
            }
            Err(e) if e.is_not_found() => return Err(unknown_secret(secret)),
            Err(e) => {
                return Err(keywhiz_error(
                    &format!("Cannot grant secret {secret:?} to group {group:?}"),
                    &e,
                ))
            }
        }
        Ok(to_value(&state(
            app,
            secret,
            &detail_metadata(&detail),
            Some(&client),
        ))?)
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        let stored: SecretAssignmentModel = from_value(&req.state)?;
        let (app, secret) = stored.app_and_secret()?;
        require_may_change(ctx, data, app, app_path(), "read the secret assignments of").await?;
        let group = keywhiz_aws_group(app);
        let granted = ctx
            .run(data.reads.group_secrets(&data.clients, &group))
            .await??;
        if let Some(found) = granted.as_deref().and_then(|list| find(list, secret)) {
            let client = enrolled_client(ctx, data, app, &stored).await?;
            let meta = Metadata {
                checksum: Some(found.info.checksum.clone()),
                expiry: expiry::of(&found.info).at(),
            };
            return Ok(Some(to_value(&state(
                app,
                secret,
                &meta,
                client.as_deref(),
            ))?));
        }
        // Not granted (or no group at all): revoked, which the plan grants
        // again, or deleted in Keywhiz, which no plan can repair. A deleted
        // one stays in state with a null checksum, so that plan and destroy
        // are not refused by the create-time "unknown secret" check; the plan
        // warns instead.
        match ctx.run(data.reads.secret(&data.clients, secret)).await?? {
            Some(_) => Ok(None),
            None => {
                let mut kept = stored.clone();
                kept.checksum = Maybe::Null;
                Ok(Some(to_value(&kept)?))
            }
        }
    }

    async fn update(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        // Every configurable attribute forces replacement: an update repairs
        // the client's membership and refreshes the computed values.
        let planned: SecretAssignmentModel = from_value(&req.planned)?;
        let (app, secret) = planned.app_and_secret()?;
        require_may_change(
            ctx,
            data,
            app,
            app_path(),
            "repair the secret assignments of",
        )
        .await?;
        let client = keywhiz_setup::ensure(ctx, data, app).await?;
        let detail = existing_secret(ctx, data, secret).await?;
        Ok(to_value(&state(
            app,
            secret,
            &detail_metadata(&detail),
            Some(&client),
        ))?)
    }

    async fn delete(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: DeleteRequest,
    ) -> Result<(), Diagnostics> {
        let prior: SecretAssignmentModel = from_value(&req.prior)?;
        let (app, secret) = prior.app_and_secret()?;
        require_may_change(ctx, data, app, app_path(), "revoke secrets of").await?;
        let keywhiz = data.clients.keywhiz()?;
        let group = keywhiz_aws_group(app);
        let revoke = ModifyGroupsRequest {
            add_groups: Vec::new(),
            remove_groups: vec![group.clone()],
        };
        let result = ctx
            .run(keywhiz.modify_secret_groups(secret, &revoke))
            .await?;
        data.reads.forget_group_secrets(&group);
        match result {
            Ok(_) => Ok(()),
            // The secret is gone from Keywhiz: so is the grant.
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(keywhiz_error(
                &format!("Cannot revoke secret {secret:?} from group {group:?}"),
                &e,
            )),
        }
    }

    async fn import(&self, ctx: &Context, data: &S2sData, id: &str) -> Result<Value, Diagnostics> {
        let pieces = split_import_id(id, "<app>/<secret>", "payments/db:password", 2, true)?;
        let (app, secret) = (pieces[0], pieces[1]);
        s2s_core::validate_app(app).map_err(|e| bad_import_piece(id, e))?;
        validation::check_secret_name(secret).map_err(|e| bad_import_piece(id, e))?;
        require_may_change(
            ctx,
            data,
            app,
            app_path(),
            "import the secret assignments of",
        )
        .await?;
        let Some(detail) = ctx.run(data.reads.secret(&data.clients, secret)).await?? else {
            return Err(Diagnostics::error(
                "Cannot import: no such secret",
                format!("Keywhiz has no secret named {secret:?}, so there is no assignment {id:?} to import. Check the name (it is case-sensitive)."),
            ));
        };
        require_readable(ctx, data, app, &detail).await?;
        if !is_granted(ctx, data, app, secret).await? {
            return Err(Diagnostics::error(
                "Cannot import: the secret is not granted",
                format!(
                    "Keywhiz secret {secret:?} exists but is not granted to {:?}, so there is no assignment {id:?} to import. Remove the import (or the import block): Terraform creates the assignment, which grants the secret.",
                    keywhiz_aws_group(app)
                ),
            ));
        }
        Ok(to_value(&SecretAssignmentModel {
            app: Maybe::Known(app.to_owned()),
            secret: Maybe::Known(secret.to_owned()),
            ..SecretAssignmentModel::default()
        })?)
    }
}

/// The plan of an assignment that exists: repair a removed membership; warn
/// about a secret deleted in Keywhiz (kept in state by `read`) and about one
/// that expires soon.
fn plan_existing(
    ctx: &Context,
    data: &S2sData,
    plan: &mut ResourcePlan,
    secret: &str,
) -> Result<(), Diagnostics> {
    let prior: SecretAssignmentModel = from_value(&plan.prior)?;
    if prior.checksum.is_null() {
        ctx.warn_at(
            attr_path!(SecretAssignmentModel.secret),
            "Secret deleted in Keywhiz",
            format!("Keywhiz no longer has a secret named {secret:?}, so its grant is gone too and the syncers delete their copy. Remove this s2s_secret_assignment from the configuration (destroying it changes nothing in Keywhiz)."),
        );
        return Ok(());
    }
    if prior.keywhiz_client.is_null() {
        let mut planned: SecretAssignmentModel = from_value(&plan.planned)?;
        planned.keywhiz_client = Maybe::unknown();
        plan.set_planned(&planned)?;
    }
    if let Some(at) = prior.expiry.known() {
        warn_if_expiring(ctx, data, secret, *at, false);
    }
    Ok(())
}

/// The app must be registered, or planned in this operation.
async fn require_app(ctx: &Context, data: &S2sData, app: &str) -> Result<(), Diagnostics> {
    let registered = ctx.run(data.reads.app(&data.clients, app)).await??;
    if AppView::of(data.plans.app(app), registered.as_deref()) != AppView::Absent {
        return Ok(());
    }
    Err(unknown_app(app_path(), app))
}

/// The secret's metadata, or the "unknown secret" error.
async fn existing_secret(
    ctx: &Context,
    data: &S2sData,
    secret: &str,
) -> Result<std::sync::Arc<SecretDetail>, Diagnostics> {
    ctx.run(data.reads.secret(&data.clients, secret))
        .await??
        .ok_or_else(|| {
            Diagnostics::attribute_error(
                attr_path!(SecretAssignmentModel.secret),
                "Unknown secret",
                format!("Keywhiz has no secret named {secret:?}. Check the name (it is case-sensitive) or create the secret in Keywhiz first; the provider only grants existing secrets."),
            )
        })
}

/// Whether the secret is granted to `<app>-aws` already.
async fn is_granted(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    secret: &str,
) -> Result<bool, Diagnostics> {
    let listed = ctx
        .run(
            data.reads
                .group_secrets(&data.clients, &keywhiz_aws_group(app)),
        )
        .await??;
    Ok(listed.is_some_and(|l| find(&l, secret).is_some()))
}

fn already_granted(app: &str, secret: &str) -> String {
    let detail = not_adopted(
        &format!(
            "Keywhiz secret {secret:?} is already granted to {:?}",
            keywhiz_aws_group(app)
        ),
        "revoke",
        &format!("{app}/{secret}"),
    );
    format!("{detail} Nothing was granted.")
}

/// The name of the app's client if it is a member of `<app>-aws` (None when
/// it was removed), or the state's value when the SPIFFE ID is unknown.
async fn enrolled_client(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    stored: &SecretAssignmentModel,
) -> Result<Option<String>, Diagnostics> {
    let Ok(spiffe) = app_spiffe_id(data, app) else {
        return Ok(stored.keywhiz_client.known().cloned());
    };
    let members = ctx
        .run(
            data.reads
                .group_clients(&data.clients, &keywhiz_aws_group(app)),
        )
        .await??;
    Ok(members.and_then(|m| {
        m.iter()
            .find(|c| c.spiffe_id() == Some(spiffe.as_str()))
            .map(|c| c.name.clone())
    }))
}

fn find<'a>(list: &'a [SanitizedSecret], name: &str) -> Option<&'a SanitizedSecret> {
    list.iter().find(|s| s.info.name == name)
}

fn unknown_secret(secret: &str) -> Diagnostics {
    Diagnostics::attribute_error(
        attr_path!(SecretAssignmentModel.secret),
        "Unknown secret",
        format!("Keywhiz has no secret named {secret:?}."),
    )
}

/// What the state records of the secret itself.
struct Metadata {
    checksum: Option<String>,
    expiry: Option<i64>,
}

fn detail_metadata(d: &SecretDetail) -> Metadata {
    Metadata {
        checksum: Some(d.info.checksum.clone()),
        expiry: expiry::of(&d.info).at(),
    }
}

fn state(app: &str, secret: &str, meta: &Metadata, client: Option<&str>) -> SecretAssignmentModel {
    SecretAssignmentModel {
        id: Maybe::Known(format!("{app}/{secret}")),
        app: Maybe::Known(app.to_owned()),
        secret: Maybe::Known(secret.to_owned()),
        secretsmanager_name: s2s_core::secretsmanager_name_for_keywhiz(secret)
            .ok()
            .into(),
        keywhiz_client: client.map(str::to_owned).into(),
        checksum: meta.checksum.clone().into(),
        expiry: meta.expiry.into(),
    }
}

/// The expiry warning, by the rule the syncer tags by ([`expiry`]).
fn warn_if_expiring(ctx: &Context, data: &S2sData, secret: &str, at: i64, hidden_from_apps: bool) {
    let days = i64::from(data.settings.expiry_warning_days);
    let now = now_epoch();
    if !expiry::is_expiring(at, now, expiry::window(days)) {
        return;
    }
    let date = utc_date(at);
    let syncer_note = if hidden_from_apps {
        format!(" Only Keywhiz's own expiry field carries this date, which app clients cannot read, so the syncers' keywhiz-expiry tag will not show it: set the secret's metadata key `expiry` to {at} in Keywhiz to make them agree.")
    } else {
        String::new()
    };
    if at <= now {
        ctx.warn_at(
            attr_path!(SecretAssignmentModel.secret),
            "Secret has expired",
            format!("Keywhiz secret {secret:?} expired on {date}. Rotate it in Keywhiz; the syncer keeps copying the expired value.{syncer_note}"),
        );
    } else {
        let left = expiry::days_left(at, now);
        let unit = if left == 1 { "day" } else { "days" };
        ctx.warn_at(
            attr_path!(SecretAssignmentModel.secret),
            "Secret expires soon",
            format!(
                "Keywhiz secret {secret:?} expires on {date}, in {left} {unit} (the provider warns {days} days ahead: expiry_warning_days). Rotate it in Keywhiz before then.{syncer_note}"
            ),
        );
    }
}
