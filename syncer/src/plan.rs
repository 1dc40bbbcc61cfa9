//! The diff: what Keywhiz lists against what Secrets Manager holds, decided
//! from checksums, tags and version ids only. Pure, so every rule is unit-tested.

use std::collections::{BTreeMap, BTreeSet};

use crate::inventory::Existing;
use crate::source::Listed;
use crate::tags;

/// A Keywhiz secret and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub keywhiz_name: String,
    pub sm_name: String,
    pub checksum: String,
    pub expiry: Option<i64>,
    pub expiring: bool,
    /// Digest of the resource policy the secret must carry (when one is configured).
    pub policy: Option<String>,
}

impl Target {
    /// Every tag the secret should end with, the policy digest included.
    pub fn tags(&self, checksum: &str) -> BTreeMap<String, String> {
        let mut t = tags::desired(&self.keywhiz_name, checksum, self.expiry, self.expiring);
        if let Some(d) = &self.policy {
            t.insert(tags::KEYWHIZ_POLICY.to_owned(), d.clone());
        }
        t
    }
}

/// Why a value must be (re)written; each needs the content from Keywhiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteReason {
    /// Keywhiz's checksum differs from the tag.
    Changed,
    /// Keywhiz gave no checksum (old rows): only the content can tell.
    Unverified,
    /// AWSCURRENT was moved off the syncer's version (out-of-band edit) and
    /// that version is gone, so the value has to be written again.
    Drift,
}

/// What to do to one secret (after a restore, if it is pending deletion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// No secret by this name: fetch and CreateSecret.
    Create,
    /// Fetch and PutSecretValue, then fix the tags.
    Write(WriteReason),
    /// The version for this checksum exists (out-of-band edit, or a rotation
    /// back to an earlier value): move AWSCURRENT to it; no content needed.
    Restage {
        from: Option<String>,
    },
    /// Only the tags are off (e.g. the expiry warning started).
    Retag,
    Keep,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub target: Target,
    /// The secret is in its deletion recovery window: RestoreSecret first.
    pub restore: bool,
    pub step: Step,
    /// The secret as listed (absent for a create).
    pub existing: Option<Existing>,
    /// Put the resource policy (a create, or its digest tag is missing or stale).
    pub put_policy: bool,
}

impl Task {
    pub fn needs_content(&self) -> bool {
        matches!(self.step, Step::Create | Step::Write(_))
    }
}

/// When deletes are allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeleteGuard {
    /// Largest share of the synced secrets one run may delete (0..=1).
    pub max_share: f64,
    /// Allow a listing that removes every synced secret (operator override).
    pub allow_all: bool,
}

impl Default for DeleteGuard {
    fn default() -> Self {
        Self {
            max_share: 0.5,
            allow_all: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Everything Keywhiz lists that maps to a usable name, `Keep` included.
    pub tasks: Vec<Task>,
    /// Synced secrets no longer listed (to delete with a recovery window).
    pub deletes: Vec<String>,
    /// Set when the guard refused `deletes`; nothing is deleted then.
    pub deletes_refused: Option<String>,
    /// Listed names whose `keywhiz/` secret exists without the syncer's tag.
    pub unmanaged: Vec<String>,
    /// Listed names that are not valid Keywhiz names (cannot be mapped).
    pub invalid_names: Vec<String>,
    /// Synced secrets not pending deletion, before this run.
    pub synced_before: usize,
}

impl Plan {
    pub fn count(&self, f: impl Fn(&Task) -> bool) -> usize {
        self.tasks.iter().filter(|t| f(t)).count()
    }
}

/// Build the plan. `now` and `warn_secs` decide the expiry warning; `policy`
/// is the digest of the resource policy every secret must carry, if any.
pub fn plan(
    listed: &[Listed],
    existing: &[Existing],
    now: i64,
    warn_secs: i64,
    guard: DeleteGuard,
    policy: Option<&str>,
) -> Plan {
    let by_name: BTreeMap<&str, &Existing> =
        existing.iter().map(|e| (e.sm_name.as_str(), e)).collect();
    let mut out = Plan {
        synced_before: existing
            .iter()
            .filter(|e| e.managed() && !e.deleted)
            .count(),
        ..Plan::default()
    };
    let mut wanted = BTreeSet::new();
    for l in listed {
        let Ok(sm_name) = s2s_core::secretsmanager_name_for_keywhiz(&l.name) else {
            out.invalid_names.push(l.name.clone());
            continue;
        };
        wanted.insert(sm_name.clone());
        let target = Target {
            keywhiz_name: l.name.clone(),
            sm_name,
            checksum: l.checksum.clone(),
            expiry: l.expiry,
            expiring: l
                .expiry
                .is_some_and(|e| keywhiz_client::expiry::is_expiring(e, now, warn_secs)),
            policy: policy.map(str::to_owned),
        };
        match by_name.get(target.sm_name.as_str()) {
            None => out.tasks.push(Task {
                put_policy: policy.is_some(),
                target,
                restore: false,
                step: Step::Create,
                existing: None,
            }),
            Some(e) if !e.managed() => out.unmanaged.push(target.keywhiz_name),
            Some(e) => {
                let step = step_for(&target, e);
                let put_policy = policy.is_some_and(|d| {
                    e.tags.get(tags::KEYWHIZ_POLICY).map(String::as_str) != Some(d)
                });
                out.tasks.push(Task {
                    target,
                    restore: e.deleted,
                    step,
                    existing: Some((*e).clone()),
                    put_policy,
                });
            }
        }
    }
    out.deletes = existing
        .iter()
        .filter(|e| e.managed() && !e.deleted && !wanted.contains(&e.sm_name))
        .map(|e| e.sm_name.clone())
        .collect();
    out.deletes_refused = refuse(out.deletes.len(), out.synced_before, guard);
    out
}

fn step_for(t: &Target, e: &Existing) -> Step {
    if t.checksum.is_empty() {
        return Step::Write(WriteReason::Unverified);
    }
    // The version id is derived from the checksum, so AWSCURRENT alone says
    // whether the right value is live; the checksum tag only names the reason.
    let ours = tags::version_id(&t.keywhiz_name, &t.checksum);
    if e.current_version.as_deref() != Some(ours.as_str()) {
        return if e.versions.contains(&ours) {
            Step::Restage {
                from: e.current_version.clone(),
            }
        } else if e.checksum() != Some(t.checksum.as_str()) {
            Step::Write(WriteReason::Changed)
        } else {
            Step::Write(WriteReason::Drift)
        };
    }
    let (set, remove) = tags::delta(&e.tags, &t.tags(&t.checksum));
    if set.is_empty() && remove.is_empty() {
        Step::Keep
    } else {
        Step::Retag
    }
}

/// The delete guard: an empty or shrunken listing is more likely a Keywhiz
/// or ACL accident than an intent, and losing secrets is an outage.
fn refuse(deletes: usize, synced: usize, guard: DeleteGuard) -> Option<String> {
    if deletes == 0 {
        return None;
    }
    if deletes >= synced && !guard.allow_all {
        return Some(format!(
            "the listing would delete all {synced} synced secrets"
        ));
    }
    // Precision is irrelevant at these magnitudes.
    let share = deletes as f64 / synced.max(1) as f64;
    if share > guard.max_share && deletes < synced {
        return Some(format!(
            "the listing would delete {deletes} of {synced} synced secrets ({:.0}% > {:.0}%)",
            share * 100.0,
            guard.max_share * 100.0
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    const DAY: i64 = 86_400;

    fn listed(name: &str, checksum: &str) -> Listed {
        Listed {
            name: name.into(),
            checksum: checksum.into(),
            expiry: None,
        }
    }

    fn synced(name: &str, checksum: &str) -> Existing {
        let sm_name = s2s_core::secretsmanager_name_for_keywhiz(name).expect("name");
        let v = tags::version_id(name, checksum);
        Existing {
            sm_name,
            tags: tags::desired(name, checksum, None, false),
            deleted: false,
            current_version: Some(v.clone()),
            versions: [v].into(),
        }
    }

    fn run(l: &[Listed], e: &[Existing]) -> Plan {
        plan(l, e, NOW, 30 * DAY, DeleteGuard::default(), None)
    }

    fn steps(p: &Plan) -> Vec<(String, Step, bool)> {
        p.tasks
            .iter()
            .map(|t| (t.target.keywhiz_name.clone(), t.step.clone(), t.restore))
            .collect()
    }

    #[test]
    fn unchanged_secrets_need_nothing() {
        let p = run(&[listed("a:b", "X")], &[synced("a:b", "X")]);
        assert_eq!(steps(&p), vec![("a:b".into(), Step::Keep, false)]);
        assert!(p.deletes.is_empty());
    }

    #[test]
    fn new_and_changed_need_content() {
        let p = run(
            &[listed("new", "N"), listed("old", "Y")],
            &[synced("old", "X")],
        );
        assert_eq!(
            steps(&p),
            vec![
                ("new".into(), Step::Create, false),
                ("old".into(), Step::Write(WriteReason::Changed), false)
            ]
        );
        assert_eq!(p.count(Task::needs_content), 2);
    }

    #[test]
    fn rotation_back_to_a_kept_version_only_moves_the_label() {
        let mut e = synced("s", "B");
        e.versions.insert(tags::version_id("s", "A"));
        let p = run(&[listed("s", "A")], &[e.clone()]);
        assert_eq!(
            steps(&p),
            vec![(
                "s".into(),
                Step::Restage {
                    from: e.current_version.clone()
                },
                false
            )]
        );
    }

    #[test]
    fn out_of_band_edits_are_repaired() {
        let mut e = synced("s", "A");
        e.current_version = Some("11111111-2222-3333-4444-555555555555".into());
        e.versions
            .insert("11111111-2222-3333-4444-555555555555".into());
        let p = run(&[listed("s", "A")], &[e.clone()]);
        assert!(matches!(p.tasks[0].step, Step::Restage { .. }));
        // The syncer's version is gone: write it again.
        e.versions = [e.current_version.clone().unwrap_or_default()].into();
        let p = run(&[listed("s", "A")], &[e]);
        assert_eq!(p.tasks[0].step, Step::Write(WriteReason::Drift));
    }

    #[test]
    fn empty_checksums_are_verified_by_content() {
        let p = run(&[listed("s", "")], &[synced("s", "sha256:x")]);
        assert_eq!(p.tasks[0].step, Step::Write(WriteReason::Unverified));
    }

    #[test]
    fn unmanaged_secrets_are_never_touched() {
        let mut hand = synced("hand", "X");
        hand.tags.clear();
        let p = run(&[listed("hand", "Y")], &[hand.clone()]);
        assert!(p.tasks.is_empty());
        assert_eq!(p.unmanaged, vec!["hand".to_owned()]);
        // Not listed either: still not deleted.
        let p = run(
            &[listed("other", "Y")],
            &[hand, synced("x", "1"), synced("y", "1")],
        );
        assert!(!p.deletes.contains(&"keywhiz/hand".to_owned()));
    }

    #[test]
    fn returning_names_are_restored() {
        let mut e = synced("s", "A");
        e.deleted = true;
        let p = run(&[listed("s", "A")], &[e.clone()]);
        assert_eq!(steps(&p), vec![("s".into(), Step::Keep, true)]);
        let p = run(&[listed("s", "B")], &[e]);
        assert_eq!(
            steps(&p),
            vec![("s".into(), Step::Write(WriteReason::Changed), true)]
        );
    }

    #[test]
    fn expiry_warning_is_a_tag() {
        let mut l = listed("s", "A");
        l.expiry = Some(NOW + 10 * DAY);
        let p = run(&[l.clone()], &[synced("s", "A")]);
        assert!(p.tasks[0].target.expiring);
        assert_eq!(p.tasks[0].step, Step::Retag);
        l.expiry = Some(NOW + 40 * DAY);
        let p = run(&[l], &[synced("s", "A")]);
        assert!(!p.tasks[0].target.expiring);
        assert_eq!(p.tasks[0].step, Step::Retag, "the expiry date tag is new");
    }

    #[test]
    fn invalid_names_are_skipped() {
        let p = run(&[listed("a b", "X"), listed(".hidden", "X")], &[]);
        assert!(p.tasks.is_empty());
        assert_eq!(p.invalid_names.len(), 2);
    }

    #[test]
    fn guard_refuses_empty_and_shrunken_listings() {
        let all: Vec<Existing> = (0..10).map(|i| synced(&format!("s{i}"), "X")).collect();
        let p = run(&[], &all);
        assert_eq!(p.deletes.len(), 10);
        assert!(p.deletes_refused.is_some());
        let keep2: Vec<Listed> = (0..2).map(|i| listed(&format!("s{i}"), "X")).collect();
        assert!(run(&keep2, &all).deletes_refused.is_some());
        let keep6: Vec<Listed> = (0..6).map(|i| listed(&format!("s{i}"), "X")).collect();
        let p = run(&keep6, &all);
        assert_eq!(p.deletes.len(), 4);
        assert!(p.deletes_refused.is_none());
        let lenient = DeleteGuard {
            max_share: 1.0,
            allow_all: true,
        };
        assert!(plan(&[], &all, NOW, 0, lenient, None)
            .deletes_refused
            .is_none());
    }

    #[test]
    fn a_missing_or_stale_policy_digest_means_put_the_policy() {
        let with = |e: &Existing| {
            plan(
                &[listed("s", "A")],
                std::slice::from_ref(e),
                NOW,
                0,
                DeleteGuard::default(),
                Some("d1"),
            )
        };
        let mut e = synced("s", "A");
        let p = with(&e);
        assert!(p.tasks[0].put_policy, "no digest tag yet");
        assert_eq!(p.tasks[0].step, Step::Retag, "and the tag follows");
        e.tags.insert(tags::KEYWHIZ_POLICY.into(), "d0".into());
        assert!(with(&e).tasks[0].put_policy, "a stale digest");
        e.tags.insert(tags::KEYWHIZ_POLICY.into(), "d1".into());
        let p = with(&e);
        assert!(!p.tasks[0].put_policy);
        assert_eq!(p.tasks[0].step, Step::Keep, "a no-op needs no call");
        let p = plan(
            &[listed("new", "N")],
            &[],
            NOW,
            0,
            DeleteGuard::default(),
            Some("d1"),
        );
        assert!(p.tasks[0].put_policy, "a create carries the policy");
        assert!(!run(&[listed("s", "A")], &[synced("s", "A")]).tasks[0].put_policy);
    }

    #[test]
    fn pending_deletions_are_not_deleted_again() {
        let mut e = synced("gone", "X");
        e.deleted = true;
        let p = run(&[listed("s", "A")], &[e, synced("s", "A")]);
        assert!(p.deletes.is_empty());
        assert_eq!(p.synced_before, 1);
    }
}
