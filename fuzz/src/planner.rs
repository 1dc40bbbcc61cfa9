//! The syncer's planner on any Keywhiz listing and any Secrets Manager
//! inventory (built from the input bytes with `arbitrary`): it never deletes
//! more than the guard allows, never touches a secret it does not manage,
//! and deletes only what Keywhiz no longer lists.
//!
//! Names come mostly from a small pool, so that listings and inventories
//! overlap as they do in real runs; some are arbitrary strings (invalid names).

use std::collections::{BTreeMap, BTreeSet};

use arbitrary::{Result, Unstructured};
use syncer::inventory::Existing;
use syncer::plan::{plan, DeleteGuard, Step};
use syncer::source::Listed;
use syncer::tags;

const POOL: [&str; 8] = [
    "db-password",
    "api:key",
    "tls.pem",
    "a",
    "payments_token",
    "x-y",
    "deep:name:z",
    "old",
];
const CHECKSUMS: [&str; 4] = ["", "AAAA", "BBBB", "sha256:00"];

fn name(u: &mut Unstructured) -> Result<String> {
    if u.ratio(7, 8)? {
        Ok(POOL[u.choose_index(POOL.len())?].to_owned())
    } else {
        u.arbitrary()
    }
}

fn checksum(u: &mut Unstructured) -> Result<String> {
    Ok(CHECKSUMS[u.choose_index(CHECKSUMS.len())?].to_owned())
}

fn listed(u: &mut Unstructured) -> Result<Listed> {
    Ok(Listed {
        name: name(u)?,
        checksum: checksum(u)?,
        expiry: if u.arbitrary()? {
            Some(u.int_in_range(0..=2_000_000_000)?)
        } else {
            None
        },
    })
}

fn existing(u: &mut Unstructured) -> Result<Existing> {
    let kw = name(u)?;
    let sm_name = if u.ratio(9, 10)? {
        s2s_core_name(&kw)
    } else {
        u.arbitrary()?
    };
    let sum = checksum(u)?;
    let mut t = BTreeMap::new();
    if u.ratio(3, 4)? {
        t = tags::desired(&kw, &sum, None, u.arbitrary()?);
        if u.arbitrary()? {
            t.insert(tags::KEYWHIZ_POLICY.into(), "0123456789abcdef".into());
        }
    }
    if u.ratio(1, 8)? {
        // A foreign value on the managed-by key: not ours.
        t.insert(tags::MANAGED_BY.into(), u.arbitrary()?);
    }
    let mut versions = BTreeSet::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let s = checksum(u)?;
        versions.insert(tags::version_id(&kw, &s));
    }
    let current_version = if u.arbitrary()? {
        versions.iter().next().cloned()
    } else {
        None
    };
    Ok(Existing {
        sm_name,
        tags: t,
        deleted: u.ratio(1, 5)?,
        current_version,
        versions,
    })
}

fn s2s_core_name(kw: &str) -> String {
    format!("keywhiz/{}", kw.replace(':', "@"))
}

type Input = (
    Vec<Listed>,
    Vec<Existing>,
    DeleteGuard,
    i64,
    Option<&'static str>,
);

fn input(u: &mut Unstructured) -> Result<Input> {
    let l = (0..u.int_in_range(0..=24)?)
        .map(|_| listed(u))
        .collect::<Result<_>>()?;
    let e = (0..u.int_in_range(0..=24)?)
        .map(|_| existing(u))
        .collect::<Result<_>>()?;
    let guard = DeleteGuard {
        max_share: f64::from(u.int_in_range(0..=100u8)?) / 100.0,
        allow_all: u.ratio(1, 4)?,
    };
    let policy = [None, Some("0123456789abcdef"), Some("fedcba9876543210")][u.choose_index(3)?];
    Ok((l, e, guard, u.int_in_range(0..=2_000_000_000)?, policy))
}

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((listed, existing, guard, now, policy)) = input(&mut u) else {
        return;
    };
    let p = plan(&listed, &existing, now, 30 * 86_400, guard, policy);

    let managed: BTreeSet<&str> = existing
        .iter()
        .filter(|e| e.managed())
        .map(|e| e.sm_name.as_str())
        .collect();
    let live_managed: BTreeSet<&str> = existing
        .iter()
        .filter(|e| e.managed() && !e.deleted)
        .map(|e| e.sm_name.as_str())
        .collect();
    let unmanaged_names: BTreeSet<&str> = existing
        .iter()
        .filter(|e| !e.managed())
        .map(|e| e.sm_name.as_str())
        .collect();
    let wanted: BTreeSet<String> = p.tasks.iter().map(|t| t.target.sm_name.clone()).collect();

    // Deletes: only live secrets of ours that Keywhiz no longer lists.
    for d in &p.deletes {
        assert!(
            live_managed.contains(d.as_str()),
            "deletes {d}, not a live secret of ours"
        );
        assert!(
            !wanted.contains(d),
            "deletes {d}, which Keywhiz still lists"
        );
    }
    // The guard: more than max_share of the synced secrets only with allow_all
    // and only when the listing removes all of them.
    if p.deletes_refused.is_none() && !p.deletes.is_empty() {
        let n = p.deletes.len();
        let synced = p.synced_before.max(1);
        let within_share = n < p.synced_before && (n as f64) / (synced as f64) <= guard.max_share;
        let all_allowed = guard.allow_all && n >= p.synced_before;
        assert!(
            within_share || all_allowed,
            "{n} of {} deleted with max_share {} allow_all {}",
            p.synced_before,
            guard.max_share,
            guard.allow_all
        );
    }
    // Never a write to a secret that is not ours.
    for t in &p.tasks {
        match &t.existing {
            Some(e) => {
                assert!(e.managed(), "writes {}, which is not ours", e.sm_name);
                assert_eq!(e.sm_name, t.target.sm_name);
            }
            None => {
                assert_eq!(t.step, Step::Create);
                assert!(
                    !managed.contains(t.target.sm_name.as_str())
                        && !unmanaged_names.contains(t.target.sm_name.as_str()),
                    "creates {}, which exists",
                    t.target.sm_name
                );
            }
        }
        assert!(
            t.target.sm_name.starts_with("keywhiz/"),
            "{}",
            t.target.sm_name
        );
        // Every secret ends up with the configured policy: put unless its tag
        // already names exactly that policy.
        let tagged = t
            .existing
            .as_ref()
            .and_then(|e| e.tags.get(tags::KEYWHIZ_POLICY))
            .map(String::as_str);
        assert_eq!(
            t.put_policy,
            policy.is_some() && tagged != policy,
            "{}",
            t.target.sm_name
        );
    }
}
