//! The pure decision of a run: from Registry's targets, the ledger and the
//! time, which certificates to issue or renew (and why), which to delete, and
//! how close the nearest one is to expiring. No I/O, unit-tested.

use std::collections::BTreeMap;

use crate::job::{idempotency_token, Job, Reason};
use crate::ledger::Record;
use crate::target::{Target, TargetKey};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub jobs: Vec<Job>,
    /// Targets whose certificate is current.
    pub fresh: u64,
    /// Listed targets without any certificate yet.
    pub missing: u64,
    /// The least time left among the listed targets' certificates (seconds).
    pub min_remaining: Option<i64>,
    /// Listed targets with less than the alarm threshold left (or expired).
    pub expiring: Vec<(TargetKey, i64)>,
}

impl Plan {
    pub fn issues(&self) -> usize {
        self.jobs
            .iter()
            .filter(|j| matches!(j, Job::Issue { .. }))
            .count()
    }

    pub fn deletes(&self) -> usize {
        self.jobs.len() - self.issues()
    }
}

/// What to do at `now`. `window_secs` is the schedule period the tokens are
/// derived from; `template_sha256` is the policy template's digest.
pub fn plan(
    targets: &[Target],
    ledger: &BTreeMap<TargetKey, Record>,
    now: i64,
    renew_margin: i64,
    alarm: i64,
    window_secs: i64,
    template_sha256: &str,
) -> Plan {
    let mut p = Plan::default();
    let mut listed = std::collections::BTreeSet::new();
    for t in targets {
        listed.insert(&t.key);
        let reason = match ledger.get(&t.key) {
            None => {
                p.missing += 1;
                Some(Reason::Missing)
            }
            Some(r) => {
                let left = r.not_after - now;
                p.min_remaining = Some(p.min_remaining.map_or(left, |m| m.min(left)));
                if left < alarm {
                    p.expiring.push((t.key.clone(), left));
                }
                if r.spiffe_id != t.spiffe_id {
                    Some(Reason::Identity)
                } else if r.reader_roles != t.reader_roles || r.template_sha256 != template_sha256 {
                    Some(Reason::Readers)
                } else if left <= renew_margin {
                    Some(Reason::Renew)
                } else {
                    None
                }
            }
        };
        match reason {
            Some(reason) => p.jobs.push(Job::Issue {
                target: t.clone(),
                reason,
                planned_at: now,
                token: idempotency_token(&t.key, now, window_secs),
            }),
            None => p.fresh += 1,
        }
    }
    for key in ledger.keys().filter(|k| !listed.contains(k)) {
        p.jobs.push(Job::Delete {
            key: key.clone(),
            planned_at: now,
        });
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    fn target(app: &str, account: &str, roles: &[&str]) -> Target {
        Target {
            key: TargetKey {
                app: app.into(),
                account_id: account.into(),
            },
            environment: "staging".into(),
            spiffe_id: format!("spiffe://td/{app}"),
            reader_roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn record(t: &Target, not_after: i64) -> Record {
        Record {
            key: t.key.clone(),
            spiffe_id: t.spiffe_id.clone(),
            serial: "1".into(),
            not_before: not_after - 24 * H,
            not_after,
            reader_roles: t.reader_roles.clone(),
            policy_sha256: "p".into(),
            template_sha256: "tpl".into(),
            written_at: not_after - 24 * H,
        }
    }

    fn run(targets: &[Target], ledger: &[Record], now: i64) -> Plan {
        let l = ledger.iter().map(|r| (r.key.clone(), r.clone())).collect();
        plan(targets, &l, now, 12 * H, 6 * H, H, "tpl")
    }

    fn reasons(p: &Plan) -> Vec<(String, Option<Reason>)> {
        p.jobs
            .iter()
            .map(|j| match j {
                Job::Issue { target, reason, .. } => (target.key.to_string(), Some(*reason)),
                Job::Delete { key, .. } => (key.to_string(), None),
            })
            .collect()
    }

    #[test]
    fn fresh_certificates_need_nothing_and_the_margin_renews() {
        let now = 1_000 * H;
        let a = target("payments", "111111111111", &["api"]);
        let fresh = run(
            std::slice::from_ref(&a),
            &[record(&a, now + 12 * H + 1)],
            now,
        );
        assert!(fresh.jobs.is_empty());
        assert_eq!((fresh.fresh, fresh.min_remaining), (1, Some(12 * H + 1)));
        let due = run(std::slice::from_ref(&a), &[record(&a, now + 12 * H)], now);
        assert_eq!(
            reasons(&due),
            vec![("payments@111111111111".into(), Some(Reason::Renew))]
        );
        let missing = run(&[a], &[], now);
        assert_eq!(missing.missing, 1);
        assert_eq!(missing.issues(), 1);
    }

    #[test]
    fn registry_changes_reissue_and_unlisted_certificates_are_deleted() {
        let now = 1_000 * H;
        let a = target("payments", "111111111111", &["api"]);
        let gone = target("payments", "222222222222", &[]);
        let mut renamed = record(&a, now + 20 * H);
        renamed.spiffe_id = "spiffe://td/old".into();
        let p = run(
            std::slice::from_ref(&a),
            &[renamed, record(&gone, now + 20 * H)],
            now,
        );
        assert_eq!(
            reasons(&p),
            vec![
                ("payments@111111111111".into(), Some(Reason::Identity)),
                ("payments@222222222222".into(), None),
            ]
        );
        let more_readers = target("payments", "111111111111", &["api", "worker"]);
        let p = run(&[more_readers], &[record(&a, now + 20 * H)], now);
        assert_eq!(reasons(&p)[0].1, Some(Reason::Readers));
        // A new policy template re-attaches every policy.
        let l = [(a.key.clone(), record(&a, now + 20 * H))]
            .into_iter()
            .collect();
        let p = plan(&[a], &l, now, 12 * H, 6 * H, H, "new-template");
        assert_eq!(reasons(&p)[0].1, Some(Reason::Readers));
    }

    #[test]
    fn the_nearest_expiry_and_the_alarm_list() {
        let now = 1_000 * H;
        let a = target("a", "111111111111", &[]);
        let b = target("b", "111111111111", &[]);
        let p = run(
            &[a.clone(), b.clone()],
            &[record(&a, now + 5 * H), record(&b, now - 1)],
            now,
        );
        assert_eq!(p.min_remaining, Some(-1));
        assert_eq!(p.expiring.len(), 2);
        assert_eq!(p.issues(), 2);
    }
}
