//! `who-can ACTION RESOURCE`.

use super::args::Args;
use anyhow::{bail, Result};
use policy::whocan;

pub fn run(a: &Args) -> Result<u8> {
    let [action, resource] = a.positional.as_slice() else {
        bail!("who-can needs ACTION RESOURCE (ACTION may be a glob such as secretsmanager:*, or write:secretsmanager)");
    };
    let world = super::cmd_prove::world_for(a, None)?;
    let resource = world.expand(resource);
    let actions: Vec<String> = if let Some(svc) = action.strip_prefix("write:") {
        whocan::expand_actions(&format!("{svc}:*"))
            .into_iter()
            .filter(|x| !whocan::SECRET_READS.contains(&x.as_str()))
            .collect()
    } else if action == "read:secretsmanager" {
        whocan::SECRET_VALUE_READS
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        whocan::expand_actions(action)
    };
    if actions.is_empty() {
        bail!("no known action matches {action}");
    }
    let only: Vec<String> = a
        .many("only")
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .collect();
    let answers = whocan::who_can(&world, &actions, &resource)?;
    outln!("who can {} on {resource}", actions.join(", "));
    let mut violations = 0;
    for ans in &answers {
        if !ans.can() {
            if a.flag("all") {
                let why = ans
                    .denied_example
                    .as_ref()
                    .map(|d| {
                        let by: Vec<String> = d
                            .deciding
                            .iter()
                            .take(2)
                            .map(|s| format!("{}#{}", s.policy, s.statement))
                            .collect();
                        if by.is_empty() {
                            d.reason.to_string()
                        } else {
                            format!("{}: {}", d.reason, by.join(", "))
                        }
                    })
                    .unwrap_or_default();
                outln!(
                    "  {:<28} never ({} requests tried; e.g. {why})",
                    ans.actor,
                    ans.tried
                );
            }
            continue;
        }
        let expected = only.is_empty() || only.contains(&ans.actor);
        if !expected {
            violations += 1;
        }
        outln!(
            "  {:<28} ALLOWED in {} of {} requests, over {} chain(s){}",
            ans.actor,
            ans.allowed.len(),
            ans.tried,
            ans.chains.len(),
            if expected { "" } else { "  <-- not in --only" }
        );
        for (steps, req, _) in ans.chains.iter().take(3) {
            outln!(
                "      chain: {} -> then as {}: {} {}",
                steps.join(" -> "),
                req.principal.arn,
                req.action,
                req.resource
            );
        }
        let mut shown: Vec<_> = ans.allowed.iter().collect();
        shown.sort_by_key(|(r, _)| r.context.iter().count());
        for (req, d) in shown.into_iter().take(2) {
            outln!(
                "      counterexample: principal={} action={} resource={} context: {}",
                req.principal.arn,
                req.action,
                req.resource,
                req.context
            );
            let by: Vec<String> = d
                .deciding
                .iter()
                .filter(|s| !s.policy.starts_with("aws/"))
                .map(|s| format!("{}#{}", s.policy, s.statement))
                .collect();
            outln!("      allowed by: {}", by.join(", "));
        }
        if ans.allowed.len() > 2 {
            outln!(
                "      ... and {} more allowed requests",
                ans.allowed.len() - 2
            );
        }
    }
    let never = answers.iter().filter(|a| !a.can()).count();
    outln!("{} principal(s) allowed, {never} never allowed ({} principals, including any other role of each account and any principal of another account)", answers.len() - never, answers.len());
    if only.is_empty() {
        return Ok(0);
    }
    // `--only` is "exactly these": a name that cannot (or is not in the world) fails too,
    // so a typo or a guardrail that locks the intended principal out is not an "OK".
    for name in &only {
        match answers.iter().find(|ans| &ans.actor == name) {
            None => bail!("--only names {name}, which is not a principal of the world"),
            Some(ans) if !ans.can() => {
                violations += 1;
                outln!("  {name:<28} never, but --only expects it to");
            }
            Some(_) => {}
        }
    }
    if violations > 0 {
        outln!("FAIL: {violations} principal(s) differ from --only");
        return Ok(1);
    }
    outln!("OK: exactly {} can do it", only.join(", "));
    Ok(0)
}
