//! Helpers shared by the resources: import ids, the lost-race message,
//! timestamps.

use tfplugin::Diagnostics;

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

/// The error for a write whose `If-Match` failed: someone changed the object
/// between plan and apply. Nothing was written.
pub(crate) fn changed_since_plan(
    what: &str,
    planned_etag: &str,
    current: Option<&str>,
) -> Diagnostics {
    let now = match current {
        Some(etag) => format!("it is now at ETag {etag}"),
        None => "it no longer exists".to_owned(),
    };
    Diagnostics::error(
        format!("{what} changed since you planned, run plan again"),
        format!(
            "{what} was at ETag {planned_etag} when this run planned, but {now}: another pipeline or person changed it in the meantime. Nothing was written. Run `terraform plan` again to see the current state, then apply."
        ),
    )
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
