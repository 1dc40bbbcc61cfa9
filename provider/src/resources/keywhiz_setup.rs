//! What an app needs in Keywhiz before a secret can be granted to it: the
//! app's AWS group `<app>-aws` (the syncers of the app's accounts read what
//! is granted to it) and a client carrying the app's SPIFFE ID that is a
//! member of the group. Made sure of once per app per operation, shared by
//! every assignment of the app (single flight), and never undone: destroying
//! an assignment revokes its grant and nothing else.

use std::collections::BTreeMap;

use keywhiz_client::{
    CreateClientRequest, CreateGroupRequest, Error as KwError, KeywhizClient, ModifyGroupsRequest,
};
use tfplugin::{Context, Diagnostics};

use crate::clients::keywhiz_error;
use crate::S2sData;

/// The Keywhiz group whose grants are synced to the app's AWS accounts.
pub fn group_name(app: &str) -> String {
    format!("{app}-aws")
}

/// The name of the client the provider creates for an app when Keywhiz has
/// no client with the app's SPIFFE ID yet (an existing one is reused).
pub fn client_name(app: &str) -> String {
    app.to_owned()
}

/// Makes sure the group and a client with the app's SPIFFE ID in it exist.
pub async fn ensure(ctx: &Context, data: &S2sData, app: &str) -> Result<(), Diagnostics> {
    let keywhiz = data.clients.keywhiz()?;
    let trust_domain = data.settings.trust_domain.as_deref().ok_or_else(|| {
        Diagnostics::error(
            "The provider has no trust domain",
            "Granting a secret makes sure Keywhiz has a client with the app's SPIFFE ID, spiffe://<trust domain>/<app>: set `trust_domain` in the provider block or S2S_TRUST_DOMAIN.",
        )
    })?;
    let spiffe = s2s_core::spiffe_id(trust_domain, app)
        .map_err(|e| Diagnostics::error("Invalid SPIFFE ID", e.to_string()))?;
    let key = app.to_owned();
    let work = data
        .reads
        .keywhiz_ready
        .get_or_load(&key, || setup(keywhiz, app, &spiffe));
    ctx.run(work).await?
}

async fn setup(keywhiz: &KeywhizClient, app: &str, spiffe: &str) -> Result<(), Diagnostics> {
    let group = group_name(app);
    let fail = |what: String| move |e: KwError| keywhiz_error(&what, &e);
    let members = match keywhiz.group(&group).await {
        Ok(g) => g.clients,
        Err(e) if e.is_not_found() => {
            let req = CreateGroupRequest {
                name: group.clone(),
                description: format!("AWS accounts of app {app}: secrets granted here are synced to the app's Secrets Manager (managed by terraform-provider-s2s)"),
                metadata: BTreeMap::from([("app".to_owned(), app.to_owned())]),
            };
            match keywhiz.create_group(&req).await {
                // 409: created meanwhile, or our earlier attempt's answer was lost.
                Ok(()) => Vec::new(),
                Err(e) if e.is_conflict() => Vec::new(),
                Err(e) => return Err(fail(format!("Cannot create Keywhiz group {group:?}"))(e)),
            }
        }
        Err(e) => return Err(fail(format!("Cannot read Keywhiz group {group:?}"))(e)),
    };
    // A member with the SPIFFE ID already: nothing to do.
    for name in &members {
        if has_spiffe_id(keywhiz, name, spiffe).await? {
            return Ok(());
        }
    }
    let existing = match find_client(keywhiz, app, spiffe, &members).await? {
        Some(name) => name,
        None => {
            let preferred = client_name(app);
            let name = match keywhiz.client(&preferred).await {
                Err(e) if e.is_not_found() => preferred,
                // The name is taken by a client with another identity.
                Ok(_) => format!("{preferred}-s2s"),
                Err(e) => return Err(fail(format!("Cannot read Keywhiz client {preferred:?}"))(e)),
            };
            let req = CreateClientRequest {
                name: name.clone(),
                description: format!("app {app} (managed by terraform-provider-s2s)"),
                groups: vec![group.clone()],
                spiffe_id: Some(spiffe.to_owned()),
            };
            match keywhiz.create_client(&req).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_conflict() => name,
                Err(e) => return Err(fail(format!("Cannot create Keywhiz client {name:?}"))(e)),
            }
        }
    };
    let req = ModifyGroupsRequest {
        add_groups: vec![group.clone()],
        remove_groups: Vec::new(),
    };
    let groups = keywhiz
        .modify_client_groups(&existing, &req)
        .await
        .map_err(fail(format!(
            "Cannot add Keywhiz client {existing:?} to group {group:?}"
        )))?;
    if groups.contains(&group) {
        Ok(())
    } else {
        Err(Diagnostics::error(
            "Keywhiz did not enroll the client",
            format!(
                "Keywhiz PUT /automation/v2/clients/{existing}/groups answered without {group:?}."
            ),
        ))
    }
}

async fn has_spiffe_id(
    keywhiz: &KeywhizClient,
    name: &str,
    spiffe: &str,
) -> Result<bool, Diagnostics> {
    match keywhiz.client(name).await {
        Ok(c) => Ok(c.spiffe_id() == Some(spiffe)),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(keywhiz_error(
            &format!("Cannot read Keywhiz client {name:?}"),
            &e,
        )),
    }
}

/// The existing client with `spiffe`: the conventional name first, then
/// every client (Keywhiz has no lookup by SPIFFE ID).
async fn find_client(
    keywhiz: &KeywhizClient,
    app: &str,
    spiffe: &str,
    checked: &[String],
) -> Result<Option<String>, Diagnostics> {
    let preferred = client_name(app);
    if !checked.contains(&preferred) && has_spiffe_id(keywhiz, &preferred, spiffe).await? {
        return Ok(Some(preferred));
    }
    let all = keywhiz
        .list_clients()
        .await
        .map_err(|e| keywhiz_error("Cannot list Keywhiz clients", &e))?;
    for name in all {
        if name == preferred || checked.contains(&name) {
            continue;
        }
        if has_spiffe_id(keywhiz, &name, spiffe).await? {
            return Ok(Some(name));
        }
    }
    Ok(None)
}
