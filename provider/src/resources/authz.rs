//! Who may touch an app: the provider's Keywhiz identity is an automation
//! client, which Keywhiz lets do anything, so the provider asks Registry —
//! the same per-app rule Registry applies to the app's own writes — before it
//! grants, revokes or reads anything of an app in Keywhiz, and before it
//! plans a Registry write Registry would refuse (ARCHITECTURE.md, "Who may assign
//! a secret").

use tfplugin::{AttributePath, Context, Diagnostics};

use crate::S2sData;

/// Refuses, on `app_attribute` (the resource's attribute that names the
/// app), unless Registry lets the provider's identity change `app`. `doing`
/// says what was about to happen ("grant secrets of").
pub(crate) async fn require_may_change(
    ctx: &Context,
    data: &S2sData,
    app: &str,
    app_attribute: AttributePath,
    doing: &str,
) -> Result<(), Diagnostics> {
    let registry = data.clients.registry().map_err(|d| {
        let mut out = Diagnostics::error(
            "Registry is needed to check who may change the app",
            format!(
                "Before the provider {doing} app {app:?} it asks Registry whether this pipeline may change the app (GET /v1/access/apps/{app}), so it needs `registry_url` and an identity."
            ),
        );
        out.extend(d);
        out
    })?;
    let access = ctx.run(data.reads.access(&data.clients, app)).await??;
    if access.may_write {
        return Ok(());
    }
    Err(Diagnostics::attribute_error(
        app_attribute,
        "Not allowed to change this app",
        format!(
            "Registry does not let the provider's identity change app {app:?}, so the provider will not {doing} it. Registry says: {}. The provider presented its {}. Grants, revocations and reads of an app's Keywhiz secrets need the same permission as the app's Registry writes (its CI identity spiffe://<trust domain>/ci/{app}, or a platform admin), so that one app's pipeline cannot touch another app's secrets.",
            access.reason,
            registry.presented()
        ),
    ))
}
