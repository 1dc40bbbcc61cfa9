//! Helpers shared by the resources: the attributes they declare alike,
//! import ids, the refusals they share (an app nobody registers, an object
//! that is not adopted), timestamps.

use tfplugin::validators::string_rule;
use tfplugin::{Attribute, AttributePath, Diagnostics};

use crate::validation;

/// Upper bound on one create, read, update, delete or import (it becomes the
/// context deadline). Each API call inside is bounded by the provider's
/// `request_timeout_seconds`; this only stops a pathological run.
pub(crate) const OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// Splits an import id into exactly `parts.len()` pieces on `/`, with a
/// message that shows the expected form.
pub(crate) fn split_import_id<'i>(
    id: &'i str,
    form: &str,
    example: &str,
    count: usize,
    last_takes_rest: bool,
) -> Result<Vec<&'i str>, Diagnostics> {
    let pieces: Vec<&str> = if last_takes_rest {
        id.splitn(count, '/').collect()
    } else {
        id.split('/').collect()
    };
    if pieces.len() != count || pieces.iter().any(|p| p.is_empty()) {
        return Err(Diagnostics::error(
            "Invalid import ID",
            format!(
                "{id:?} is not an import ID of this resource: expected {form}, e.g. {example:?}."
            ),
        ));
    }
    Ok(pieces)
}

/// An import id piece that breaks a naming rule.
pub(crate) fn bad_import_piece(id: &str, message: impl std::fmt::Display) -> Diagnostics {
    Diagnostics::error("Invalid import ID", format!("{id:?}: {message}"))
}

/// The detail of a create refused because the object exists and is not this
/// configuration's: why it is not adopted, and the import that takes it over.
/// `exists` says what there is, `undo` what this configuration's destroy
/// would do to it.
pub(crate) fn not_adopted(exists: &str, undo: &str, import_id: &str) -> String {
    format!(
        "{exists}: another configuration (or a person) manages it, and adopting it would let this configuration's destroy {undo} it. Import it instead: `terraform import <address> {import_id}` or an `import {{ to = <address>, id = \"{import_id}\" }}` block."
    )
}

/// The error, at `attribute`, for an app that Registry does not have and no
/// `s2s_registry_app` of this provider configuration plans.
pub(crate) fn unknown_app(attribute: AttributePath, app: &str) -> Diagnostics {
    Diagnostics::attribute_error(
        attribute,
        "Unknown app",
        format!(
            "Registry has no app named {app:?}, and no s2s_registry_app of this provider configuration plans it. Register it with an `s2s_registry_app` resource and reference it here as `app = s2s_registry_app.<name>.id`. If the app is registered under another provider configuration (alias) or root module, apply that first, e.g. `terraform apply -target=s2s_registry_app.<name>`."
        ),
    )
}

/// The schema of a resource's `id`: computed, and kept across plans once known.
pub(crate) fn id_attribute(name: &str) -> Attribute {
    Attribute::string(name).computed().use_state_for_unknown()
}

/// The schema of the app a resource belongs to: required, a DNS label, and
/// another app is another object (replacement).
pub(crate) fn app_attribute(name: &str) -> Attribute {
    Attribute::string(name)
        .required()
        .requires_replace()
        .validator(string_rule(validation::check_app_name))
}

/// `YYYY-MM-DD` of an epoch second (UTC), for messages.
pub(crate) fn utc_date(epoch: i64) -> String {
    s2s_core::UtcDateTime::from_epoch(epoch).date()
}

/// Seconds since the epoch, now.
pub(crate) fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_767_225_600), "2026-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
    }

    #[test]
    fn import_ids() {
        assert_eq!(
            split_import_id("payments/db:pw/x", "<app>/<secret>", "", 2, true).unwrap(),
            vec!["payments", "db:pw/x"]
        );
        assert!(split_import_id("payments", "<app>/<secret>", "", 2, true).is_err());
        assert!(split_import_id("a/b/c/d", "<a>/<b>/<c>", "", 3, false).is_err());
        assert!(split_import_id("a//c", "<a>/<b>/<c>", "", 3, false).is_err());
    }
}
