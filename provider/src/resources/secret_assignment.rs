//! `s2s_secret_assignment`: opts one Keywhiz secret in for sync to an app's
//! AWS accounts, by granting it to the app's Keywhiz group `<app>-aws`.
//! Destroy revokes that grant and nothing else. The provider reads metadata
//! only (checksum, expiry) — never a secret's contents.

use keywhiz_client::{KeywhizClient, ModifyGroupsRequest, SanitizedSecret};
use tfplugin::{
    async_trait, Attribute, AttributePath, Block, Context, CreateRequest, DeleteRequest,
    Diagnostics, Number, ReadRequest, Resource, ResourcePlan, Schema, UpdateRequest, Value,
};

use super::common::{
    bad_import_piece, known_str, now_epoch, required_str, split_import_id, utc_date,
    OPERATION_TIMEOUT,
};
use super::keywhiz_setup::{self, group_name};
use crate::clients::keywhiz_error;
use crate::validation;
use crate::S2sData;

pub struct SecretAssignmentResource;

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
                    "Opts one Keywhiz secret in for sync to an app's AWS accounts: grants the secret to the app's Keywhiz group `<app>-aws`, which the syncer of each of the app's accounts reads. On create the provider also makes sure the group exists and that a Keywhiz client with the app's SPIFFE ID (an existing one, found by SPIFFE ID, or a new one named `<app>`) is a member of it. Destroy revokes the grant and nothing else. The provider reads the secret's checksum and expiry, never its contents, so no secret value reaches state, plan or logs.",
                )
                .attribute(
                    Attribute::string("id")
                        .computed()
                        .use_state_for_unknown()
                        .markdown_description("`<app>/<secret>`; also the import ID."),
                )
                .attribute(
                    Attribute::string("app")
                        .required()
                        .requires_replace()
                        .validator(validation::app_name)
                        .markdown_description("The application's name (a DNS label). Reference the app's registration, `s2s_registry_app.<name>.id`, so the app exists first."),
                )
                .attribute(
                    Attribute::string("secret")
                        .required()
                        .requires_replace()
                        .validator(validation::secret_name)
                        .markdown_description("The Keywhiz secret's name (letters, digits, `_`, `-`, `.`, `:`; not starting with `.`). It must exist in Keywhiz."),
                )
                .attribute(
                    Attribute::string("secretsmanager_name")
                        .computed()
                        .use_state_for_unknown()
                        .markdown_description("Where the syncer writes the secret in each of the app's accounts: `keywhiz/<secret>` with `:` written as `@` (Secrets Manager does not allow `:`)."),
                )
                .attribute(
                    Attribute::string("checksum")
                        .computed()
                        .markdown_description("Keywhiz's checksum (HMAC) of the current version; changes when the secret is rotated. Not the contents."),
                )
                .attribute(
                    Attribute::number("expiry")
                        .computed()
                        .markdown_description("When the secret expires, in seconds since the epoch; null when it does not expire. Plan warns when it is within the provider's `expiry_warning_days`."),
                ),
        )
    }

    async fn modify_plan(
        &self,
        ctx: &Context,
        data: Option<&S2sData>,
        plan: &mut ResourcePlan,
    ) -> Result<(), Diagnostics> {
        let (Some(app), Some(secret)) = (
            known_str(&plan.planned, "app").map(str::to_owned),
            known_str(&plan.planned, "secret").map(str::to_owned),
        ) else {
            return Ok(());
        };
        plan.planned
            .set_attr("id", format!("{app}/{secret}").into());
        if let Ok(name) = s2s_core::secretsmanager_name_for_keywhiz(&secret) {
            plan.planned.set_attr("secretsmanager_name", name.into());
        }
        let Some(data) = data else {
            return Ok(());
        };
        let expiry = if plan.is_create() {
            // Before granting: the secret and the app must exist.
            let detail = ctx.run(data.reads.secret(&data.clients, &secret)).await??;
            let Some(detail) = detail else {
                return Err(Diagnostics::attribute_error(
                    AttributePath::attr("secret"),
                    "Unknown secret",
                    format!("Keywhiz has no secret named {secret:?}. Check the name (it is case-sensitive) or create the secret in Keywhiz first; the provider only grants existing secrets."),
                ));
            };
            if data.clients.registry().is_ok()
                && ctx
                    .run(data.reads.app(&data.clients, &app))
                    .await??
                    .is_none()
            {
                return Err(Diagnostics::attribute_error(
                    AttributePath::attr("app"),
                    "Unknown app",
                    format!("Registry has no app named {app:?}. Register it with an `s2s_registry_app` resource and reference it here as `app = s2s_registry_app.<name>.id`."),
                ));
            }
            Some(detail.expiry)
        } else {
            plan.prior.attr("expiry").as_i64()
        };
        if let Some(expiry) = expiry.filter(|e| *e > 0) {
            warn_if_expiring(ctx, data, &secret, expiry);
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: CreateRequest,
    ) -> Result<Value, Diagnostics> {
        let app = required_str(&req.planned, "app")?;
        let secret = required_str(&req.planned, "secret")?;
        keywhiz_setup::ensure(ctx, data, &app).await?;
        let keywhiz = data.clients.keywhiz()?;
        let group = group_name(&app);
        let grant = ModifyGroupsRequest {
            add_groups: vec![group.clone()],
            remove_groups: Vec::new(),
        };
        let result = ctx
            .run(keywhiz.modify_secret_groups(&secret, &grant))
            .await?;
        data.reads.forget_group_secrets(&group);
        match result {
            Ok(groups) if groups.contains(&group) => {}
            Ok(_) => {
                return Err(Diagnostics::error(
                    "Keywhiz did not grant the secret",
                    format!("Keywhiz PUT /automation/v2/secrets/{secret}/groups answered without group {group:?}."),
                ))
            }
            Err(e) if e.is_not_found() => return Err(unknown_secret(&secret)),
            Err(e) => {
                return Err(keywhiz_error(
                    &format!("Cannot grant secret {secret:?} to group {group:?}"),
                    &e,
                ))
            }
        }
        read_back(ctx, keywhiz, &app, &secret).await
    }

    async fn read(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        let app = required_str(&req.state, "app")?;
        let secret = required_str(&req.state, "secret")?;
        let granted = ctx
            .run(data.reads.group_secrets(&data.clients, &group_name(&app)))
            .await??;
        // No group, or the secret is not granted (revoked or deleted): gone.
        Ok(granted.and_then(|list| {
            find(&list, &secret).map(|s| state(&app, &secret, &s.checksum, s.expiry))
        }))
    }

    async fn update(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: UpdateRequest,
    ) -> Result<Value, Diagnostics> {
        // Every configurable attribute forces replacement; an update only
        // refreshes the computed values.
        let app = required_str(&req.planned, "app")?;
        let secret = required_str(&req.planned, "secret")?;
        let keywhiz = data.clients.keywhiz()?;
        read_back(ctx, keywhiz, &app, &secret).await
    }

    async fn delete(
        &self,
        ctx: &Context,
        data: &S2sData,
        req: DeleteRequest,
    ) -> Result<(), Diagnostics> {
        let app = required_str(&req.prior, "app")?;
        let secret = required_str(&req.prior, "secret")?;
        let keywhiz = data.clients.keywhiz()?;
        let group = group_name(&app);
        let revoke = ModifyGroupsRequest {
            add_groups: Vec::new(),
            remove_groups: vec![group.clone()],
        };
        let result = ctx
            .run(keywhiz.modify_secret_groups(&secret, &revoke))
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

    async fn import(
        &self,
        _ctx: &Context,
        _data: &S2sData,
        id: &str,
    ) -> Result<Value, Diagnostics> {
        let pieces = split_import_id(id, "<app>/<secret>", "payments/db:password", 2, true)?;
        s2s_core::validate_app(pieces[0]).map_err(|e| bad_import_piece(id, e))?;
        validation::check_secret_name(pieces[1]).map_err(|e| bad_import_piece(id, e))?;
        Ok(Value::object([
            ("app", Value::from(pieces[0])),
            ("secret", Value::from(pieces[1])),
        ]))
    }
}

fn find<'a>(list: &'a [SanitizedSecret], name: &str) -> Option<&'a SanitizedSecret> {
    list.iter().find(|s| s.name == name)
}

fn unknown_secret(secret: &str) -> Diagnostics {
    Diagnostics::attribute_error(
        AttributePath::attr("secret"),
        "Unknown secret",
        format!("Keywhiz has no secret named {secret:?}."),
    )
}

/// The state after a write: the secret's metadata as Keywhiz has it now.
async fn read_back(
    ctx: &Context,
    keywhiz: &KeywhizClient,
    app: &str,
    secret: &str,
) -> Result<Value, Diagnostics> {
    let detail = ctx
        .run(keywhiz.secret_detail(secret))
        .await?
        .map_err(|e| keywhiz_error(&format!("Cannot read secret {secret:?} from Keywhiz"), &e))?;
    Ok(state(app, secret, &detail.checksum, detail.expiry))
}

fn state(app: &str, secret: &str, checksum: &str, expiry: i64) -> Value {
    Value::object([
        ("id", Value::from(format!("{app}/{secret}"))),
        ("app", Value::from(app)),
        ("secret", Value::from(secret)),
        (
            "secretsmanager_name",
            s2s_core::secretsmanager_name_for_keywhiz(secret)
                .map(Value::from)
                .unwrap_or(Value::Null),
        ),
        ("checksum", Value::from(checksum)),
        (
            "expiry",
            if expiry > 0 {
                Value::from(Number::from(expiry))
            } else {
                Value::Null
            },
        ),
    ])
}

fn warn_if_expiring(ctx: &Context, data: &S2sData, secret: &str, expiry: i64) {
    let days = i64::from(data.settings.expiry_warning_days);
    let left = expiry - now_epoch();
    let date = utc_date(expiry);
    if left <= 0 {
        ctx.warn_at(
            AttributePath::attr("secret"),
            "Secret has expired",
            format!("Keywhiz secret {secret:?} expired on {date}. Rotate it in Keywhiz; the syncer keeps copying the expired value."),
        );
    } else if left < days * 86_400 {
        ctx.warn_at(
            AttributePath::attr("secret"),
            "Secret expires soon",
            format!(
                "Keywhiz secret {secret:?} expires on {date}, in {} day(s) (the provider warns {days} days ahead: expiry_warning_days). Rotate it in Keywhiz before then.",
                left / 86_400
            ),
        );
    }
}
