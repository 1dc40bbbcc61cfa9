//! Which secrets an assignment may mirror (ARCHITECTURE.md, "Who may assign a
//! secret"): only one the app may already read in the datacenter. The
//! provider's identity is a Keywhiz automation client, which Keywhiz lets do
//! anything, so this check — with the Registry permission in
//! [`super::authz`] — is what keeps one app's pipeline away from another
//! app's secrets.
//!
//! App A may read secret S when S's Keywhiz `owner` is A's own group (the
//! group named `A`, or any group A's client is a member of — Keywhiz's own
//! ownership rule), or when S is granted to a group A's client belongs to.
//! `A-aws` never counts: the provider manages that group itself, so a grant
//! there proves nothing.

use keywhiz_client::SecretDetail;
use s2s_core::keywhiz_aws_group;
use tfplugin::{attr_path, Context, Diagnostics};

use super::keywhiz_setup::{app_spiffe_id, find_client};
use super::secret_assignment::SecretAssignmentModel;
use crate::S2sData;

/// Refuses, on the assignment's `secret`, unless `app` may already read it.
pub(crate) async fn require_readable(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    detail: &SecretDetail,
) -> Result<(), Diagnostics> {
    let owner = detail.info.owner.as_deref().filter(|o| !o.is_empty());
    if owner == Some(app) {
        return Ok(());
    }
    let secret = detail.info.name.as_str();
    let aws = keywhiz_aws_group(app);
    let spiffe = app_spiffe_id(data, app)?;
    let lookup = find_client(ctx, data, app, &spiffe).await?;
    let Some(client) = lookup.found else {
        return Err(refused(
            app,
            secret,
            owner,
            &format!("Keywhiz has no client with the app's SPIFFE ID {spiffe} (looked for as a member of {aws:?}, as {app:?} or \"{app}-s2s\", and in the group {app:?}), so the app reads nothing in the datacenter"),
        ));
    };
    let groups: Vec<String> = ctx
        .run(data.reads.client_groups(&data.clients, &client))
        .await??
        .map(|g| g.iter().filter(|g| **g != aws).cloned().collect())
        .unwrap_or_default();
    if owner.is_some_and(|o| groups.iter().any(|g| g == o)) {
        return Ok(());
    }
    let granted = ctx
        .run(data.reads.secret_groups(&data.clients, secret))
        .await??
        .unwrap_or_default();
    if granted.iter().any(|g| *g != aws && groups.contains(g)) {
        return Ok(());
    }
    let member_of = if groups.is_empty() {
        "no group".to_owned()
    } else {
        format!("the groups {}", groups.join(", "))
    };
    Err(refused(
        app,
        secret,
        owner,
        &format!("the app's Keywhiz client {client:?} belongs to {member_of} (besides {aws:?}), none of which owns the secret or has it granted"),
    ))
}

fn refused(app: &str, secret: &str, owner: Option<&str>, why: &str) -> Diagnostics {
    let owned = match owner {
        Some(o) => format!("is owned by the Keywhiz group {o:?}"),
        None => "has no owner group".to_owned(),
    };
    Diagnostics::attribute_error(
        attr_path!(SecretAssignmentModel.secret),
        "Secret not readable by the app",
        format!(
            "Keywhiz secret {secret:?} {owned}, and app {app:?} may not read it in the datacenter: {why}. An assignment only mirrors into the app's AWS accounts a secret the app can already read: one owned by the app's own group {app:?}, or granted to a group the app's Keywhiz client belongs to ({:?} does not count; the provider manages it). Ask the secret's owner to grant it to one of the app's groups, or assign one of the app's own secrets.",
            keywhiz_aws_group(app)
        ),
    )
}
