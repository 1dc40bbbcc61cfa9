//! How a refused conditional Registry write is judged, the same for apps and
//! functions. Every write carries a precondition (`If-None-Match: *` on
//! create, `If-Match: <etag>` on update and delete), and one that comes back
//! refused is judged against the object as Registry has it now. The client
//! retries, so an earlier attempt of the very same call may have been
//! applied with its answer lost: then the object is as this call asked and
//! the write succeeded. Anything else is someone else's change, and nothing
//! is written over it.

use std::sync::Arc;

use registry_client::Record;
use tfplugin::Diagnostics;

/// A Registry object as the judging sees it.
pub(crate) trait Registered {
    /// The ETag it is at now.
    fn etag(&self) -> &str;
    /// The identity that wrote it last.
    fn updated_by(&self) -> Option<&str>;
}

impl<T> Registered for Record<T> {
    fn etag(&self) -> &str {
        &self.etag
    }
    fn updated_by(&self) -> Option<&str> {
        self.updated_by.as_deref()
    }
}

impl<T: Registered> Registered for Arc<T> {
    fn etag(&self) -> &str {
        (**self).etag()
    }
    fn updated_by(&self) -> Option<&str> {
        (**self).updated_by()
    }
}

/// A create refused because the object exists: it is this call's own when
/// the call made more than one attempt, the object is `as_asked` and our
/// identity (`we`) wrote it last. Otherwise it is someone else's, and is not
/// adopted.
pub(crate) fn created_by_lost_attempt<T: Registered>(
    refused: &registry_client::Error,
    now: &T,
    as_asked: bool,
    we: Option<&str>,
) -> bool {
    refused.attempts() > 1 && as_asked && now.updated_by() == we
}

/// An update refused on its ETag: the object as it is now when our write went
/// through (it is `as_asked`, at another ETag than planned), else the
/// "changed since you planned" error.
pub(crate) fn updated_by_lost_attempt<T: Registered>(
    what: &str,
    planned_etag: &str,
    now: Option<T>,
    as_asked: impl Fn(&T) -> bool,
) -> Result<T, Diagnostics> {
    match now {
        Some(now) if as_asked(&now) && now.etag() != planned_etag => Ok(now),
        now => Err(changed_since_plan(
            what,
            planned_etag,
            now.as_ref().map(Registered::etag),
        )),
    }
}

/// A delete refused on its ETag, or answered "not found": done when the
/// object is gone, else the "changed since you planned" error.
pub(crate) fn deleted_or_changed<T: Registered>(
    what: &str,
    planned_etag: &str,
    now: Option<&T>,
) -> Result<(), Diagnostics> {
    match now {
        None => Ok(()),
        Some(now) => Err(changed_since_plan(what, planned_etag, Some(now.etag()))),
    }
}

/// The error for a write whose `If-Match` failed: someone changed the object
/// between plan and apply. Nothing was written.
fn changed_since_plan(what: &str, planned_etag: &str, current: Option<&str>) -> Diagnostics {
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

#[cfg(test)]
mod tests {
    use super::*;
    use registry_client::{App, AppFields};

    fn app(etag: &str, updated_by: Option<&str>) -> App {
        App {
            value: AppFields {
                name: "payments".into(),
                spiffe_id: None,
                accounts: Vec::new(),
                certificate_generation: false,
            },
            etag: etag.into(),
            created_at: 0,
            updated_at: 0,
            updated_by: updated_by.map(str::to_owned),
        }
    }

    #[test]
    fn a_refused_update_is_ours_only_as_asked_at_a_new_etag() {
        let cases = [
            (
                "as asked, new ETag: our write went through",
                Some(app("\"2\"", None)),
                true,
                true,
            ),
            (
                "as asked, planned ETag: not our write",
                Some(app("\"1\"", None)),
                true,
                false,
            ),
            (
                "not as asked: someone else's",
                Some(app("\"2\"", None)),
                false,
                false,
            ),
            ("gone", None, true, false),
        ];
        for (case, now, as_asked, ours) in cases {
            let judged = updated_by_lost_attempt("Registry app", "\"1\"", now, |_| as_asked);
            assert_eq!(judged.is_ok(), ours, "{case}");
            if let Err(d) = judged {
                assert!(
                    d.0[0].summary.contains("changed since you planned"),
                    "{case}"
                );
            }
        }
    }

    #[test]
    fn a_refused_delete_is_done_only_when_the_object_is_gone() {
        assert!(deleted_or_changed::<App>("Registry app", "\"1\"", None).is_ok());
        let d = deleted_or_changed("Registry app", "\"1\"", Some(&app("\"3\"", None)))
            .err()
            .unwrap();
        assert!(d.0[0].detail.contains("it is now at ETag \"3\""), "{d:?}");
    }
}
