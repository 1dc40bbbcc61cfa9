//! What an app needs in Keywhiz before a secret can be granted to it: the
//! app's AWS group `<app>-aws` (the syncers of the app's accounts read what
//! is granted to it) and the app's client — the one carrying the app's SPIFFE
//! ID — as a member of it. Made sure of once per app per operation, shared by
//! every assignment of the app (single flight), and never undone: destroying
//! an assignment revokes its grant and nothing else.
//!
//! Keywhiz has no lookup by SPIFFE ID, and a real one has thousands of
//! clients, so the app's client is looked for in a fixed number of places,
//! whatever the number of clients: among the members of `<app>-aws`, as the
//! client named `<app>`, among the members of the app's own group `<app>`,
//! and as the client named `<app>-s2s` (the name the provider gives the
//! client when `<app>` belongs to another identity).

use std::collections::BTreeMap;

use keywhiz_client::{CreateClientRequest, CreateGroupRequest, ModifyGroupsRequest};
use s2s_core::keywhiz_aws_group;
use tfplugin::{Context, Diagnostics};

use crate::clients::keywhiz_error;
use crate::S2sData;

/// The name the provider gives the app's client when Keywhiz has none yet.
fn client_name(app: &str) -> String {
    app.to_owned()
}

/// The name it uses instead when `<app>` is a client with another identity.
fn fallback_client_name(app: &str) -> String {
    format!("{app}-s2s")
}

/// The app's SPIFFE ID, or why it cannot be known.
pub(crate) fn app_spiffe_id(data: &S2sData, app: &str) -> Result<String, Diagnostics> {
    let trust_domain = data
        .settings
        .trust_domain
        .as_deref()
        .ok_or_else(no_trust_domain)?;
    s2s_core::spiffe_id(trust_domain, app)
        .map_err(|e| Diagnostics::error("Invalid SPIFFE ID", e.to_string()))
}

/// The error for a provider without `trust_domain` (plan and apply alike).
pub(crate) fn no_trust_domain() -> Diagnostics {
    Diagnostics::error(
        "The provider has no trust domain",
        "s2s_secret_assignment finds and makes sure of the app's Keywhiz client by its SPIFFE ID, spiffe://<trust domain>/<app>: set `trust_domain` in the provider block or S2S_TRUST_DOMAIN.",
    )
}

/// Where the app's client is, as far as the fixed places tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lookup {
    /// The client with the app's SPIFFE ID.
    pub(crate) found: Option<String>,
    /// Whether it is a member of `<app>-aws` already.
    pub(crate) enrolled: bool,
    /// `<app>` / `<app>-s2s` are clients with another identity.
    pub(crate) name_taken: bool,
    pub(crate) fallback_taken: bool,
}

/// Looks for the app's client (read-only; every read is shared in the operation).
pub(crate) async fn find_client(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    spiffe: &str,
) -> Result<Lookup, Diagnostics> {
    let group = keywhiz_aws_group(app);
    let exists = ctx
        .run(data.reads.group_secrets(&data.clients, &group))
        .await??
        .is_some();
    look(ctx, data, app, spiffe, exists).await
}

/// [`find_client`], told whether `<app>-aws` may have members (a group just
/// created has none, so it is not asked).
async fn look(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    spiffe: &str,
    group_has_members: bool,
) -> Result<Lookup, Diagnostics> {
    let reads = &data.reads;
    let clients = &data.clients;
    let group = keywhiz_aws_group(app);
    let mut lookup = Lookup::default();
    if group_has_members {
        if let Some(members) = ctx.run(reads.group_clients(clients, &group)).await?? {
            if let Some(c) = members.iter().find(|c| c.spiffe_id() == Some(spiffe)) {
                lookup.found = Some(c.name.clone());
                lookup.enrolled = true;
                return Ok(lookup);
            }
        }
    }
    let name = client_name(app);
    match ctx.run(reads.client(clients, &name)).await?? {
        Some(c) if c.spiffe_id() == Some(spiffe) => {
            lookup.found = Some(name);
            return Ok(lookup);
        }
        Some(_) => lookup.name_taken = true,
        None => {}
    }
    if let Some(members) = ctx.run(reads.group_clients(clients, app)).await?? {
        if let Some(c) = members.iter().find(|c| c.spiffe_id() == Some(spiffe)) {
            lookup.found = Some(c.name.clone());
            return Ok(lookup);
        }
    }
    if lookup.name_taken {
        let fallback = fallback_client_name(app);
        match ctx.run(reads.client(clients, &fallback)).await?? {
            Some(c) if c.spiffe_id() == Some(spiffe) => lookup.found = Some(fallback),
            Some(_) => lookup.fallback_taken = true,
            None => {}
        }
    }
    Ok(lookup)
}

/// Makes sure the group exists and the app's client is in it; returns the
/// client's name.
pub(crate) async fn ensure(
    ctx: &Context,
    data: &S2sData,
    app: &str,
) -> Result<String, Diagnostics> {
    let spiffe = app_spiffe_id(data, app)?;
    let key = app.to_owned();
    let work = data
        .reads
        .keywhiz_ready
        .get_or_load(&key, || setup(ctx, data, app, &spiffe));
    ctx.run(work).await?
}

async fn setup(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    spiffe: &str,
) -> Result<String, Diagnostics> {
    let keywhiz = data.clients.keywhiz()?;
    let group = keywhiz_aws_group(app);
    let exists = ctx
        .run(data.reads.group_secrets(&data.clients, &group))
        .await??
        .is_some();
    if !exists {
        let req = CreateGroupRequest {
            name: group.clone(),
            description: format!("AWS accounts of app {app}: secrets granted here are synced to the app's Secrets Manager (managed by terraform-provider-s2s)"),
            metadata: BTreeMap::from([("app".to_owned(), app.to_owned())]),
        };
        match ctx.run(keywhiz.create_group(&req)).await? {
            // 409: created meanwhile, or our earlier attempt's answer was lost.
            Ok(()) => {}
            Err(e) if e.is_conflict() => {}
            Err(e) => {
                return Err(keywhiz_error(
                    &format!("Cannot create Keywhiz group {group:?}"),
                    &e,
                ))
            }
        }
        data.reads.forget_group_secrets(&group);
        data.reads.forget_group_clients(&group);
    }
    let lookup = look(ctx, data, app, spiffe, exists).await?;
    if lookup.enrolled {
        return lookup.found.ok_or_else(|| bug("enrolled without a name"));
    }
    if let Some(name) = lookup.found {
        enroll(ctx, data, &name, &group).await?;
        return Ok(name);
    }
    let name = match (lookup.name_taken, lookup.fallback_taken) {
        (false, _) => client_name(app),
        (true, false) => fallback_client_name(app),
        (true, true) => {
            return Err(Diagnostics::error(
                "No name left for the app's Keywhiz client",
                format!(
                    "Keywhiz clients {:?} and {:?} exist with identities other than {spiffe}, and no client with the app's SPIFFE ID was found as a member of {group:?} or of the app's group {app:?}. Add the app's client to {group:?} (PUT /automation/v2/clients/<name>/groups) and apply again.",
                    client_name(app),
                    fallback_client_name(app)
                ),
            ))
        }
    };
    let req = CreateClientRequest {
        name: name.clone(),
        description: format!("app {app} (managed by terraform-provider-s2s)"),
        groups: vec![group.clone()],
        spiffe_id: Some(spiffe.to_owned()),
    };
    let created = ctx.run(keywhiz.create_client(&req)).await?;
    data.reads.forget_group_clients(&group);
    match created {
        Ok(()) => Ok(name),
        Err(e) if e.is_conflict() => {
            // Our earlier attempt went through (its answer was lost), or the
            // SPIFFE ID belongs to a client the fixed places do not show.
            let now = keywhiz.client(&name).await;
            match now {
                Ok(c) if c.spiffe_id() == Some(spiffe) => {
                    enroll(ctx, data, &name, &group).await?;
                    Ok(name)
                }
                _ => {
                    let fallback = fallback_client_name(app);
                    match keywhiz.client(&fallback).await {
                        Ok(c) if c.spiffe_id() == Some(spiffe) => {
                            enroll(ctx, data, &fallback, &group).await?;
                            Ok(fallback)
                        }
                        _ => Err(Diagnostics::error(
                            "The app's Keywhiz client has a name the provider does not look for",
                            format!(
                                "Keywhiz refused to create client {name:?} with SPIFFE ID {spiffe} ({e}): SPIFFE IDs are unique in Keywhiz, so a client with this one exists under another name. The provider looks for the app's client as a member of {group:?}, as the client named {app:?} or {fallback:?}, and as a member of the app's group {app:?} — a few requests however many clients Keywhiz has. Add that client to {group:?} (PUT /automation/v2/clients/<name>/groups with addGroups [{group:?}]) and apply again."
                            ),
                        )),
                    }
                }
            }
        }
        Err(e) => Err(keywhiz_error(
            &format!("Cannot create Keywhiz client {name:?}"),
            &e,
        )),
    }
}

/// Adds the client to the group and checks Keywhiz says so.
async fn enroll(ctx: &Context, data: &S2sData, name: &str, group: &str) -> Result<(), Diagnostics> {
    let keywhiz = data.clients.keywhiz()?;
    let req = ModifyGroupsRequest {
        add_groups: vec![group.to_owned()],
        remove_groups: Vec::new(),
    };
    let groups = ctx
        .run(keywhiz.modify_client_groups(name, &req))
        .await?
        .map_err(|e| {
            keywhiz_error(
                &format!("Cannot add Keywhiz client {name:?} to group {group:?}"),
                &e,
            )
        })?;
    data.reads.forget_group_clients(group);
    if groups.iter().any(|g| g == group) {
        Ok(())
    } else {
        Err(Diagnostics::error(
            "Keywhiz did not enroll the client",
            format!("Keywhiz PUT /automation/v2/clients/{name}/groups answered without {group:?}."),
        ))
    }
}

fn bug(what: &str) -> Diagnostics {
    Diagnostics::error(
        "Provider bug",
        format!("keywhiz_setup: {what}. Please report this."),
    )
}
