//! `prove`: evaluate the claims table against the world.

use super::args::Args;
use anyhow::Result;
use policy::{claims, Bundle, World};
use std::path::{Path, PathBuf};

/// Finds the world file and bundle directory next to a claims path.
pub fn world_for(a: &Args, claims_path: Option<&Path>) -> Result<World> {
    let base = claims_path.map(|p| {
        if p.is_dir() {
            p.to_path_buf()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    });
    let world = match a.one("world") {
        Some(w) => PathBuf::from(w),
        None => base
            .clone()
            .unwrap_or_else(|| PathBuf::from("policies/claims"))
            .join("world.json"),
    };
    let bundle_dir = match a.one("bundle") {
        Some(b) => PathBuf::from(b),
        None => world
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("policies")),
    };
    let bundle = Bundle::from_dir(&bundle_dir)?;
    Ok(World::load(&world, &bundle)?)
}

pub fn run(a: &Args) -> Result<u8> {
    let path = PathBuf::from(
        a.positional
            .first()
            .map(String::as_str)
            .unwrap_or("policies/claims"),
    );
    let world = world_for(a, Some(&path))?;
    let cs = claims::load(&path)?;
    let outcomes = claims::prove(&world, &cs);
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.problems.is_empty()).collect();
    if a.flag("json") {
        let rows: Vec<_> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "id": o.claim.id, "origin": o.claim.origin, "ok": o.problems.is_empty(),
                    "problems": o.problems, "decision": o.decision,
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for o in &failed {
            outln!(
                "FAIL claim {} ({}): {} {} {} [{}]",
                o.claim.id,
                o.claim.origin,
                o.claim.principal,
                o.claim.action,
                world.expand(&o.claim.resource),
                o.claim.guardrail
            );
            for p in &o.problems {
                outln!("  - {p}");
            }
            if let Some(d) = &o.decision {
                outln!(
                    "  decision: {} ({})",
                    if d.allowed { "ALLOW" } else { "DENY" },
                    d.reason
                );
                for s in &d.deciding {
                    outln!("    {s}");
                }
            }
        }
        outln!(
            "{} passed, {} failed",
            outcomes.len() - failed.len(),
            failed.len()
        );
    }
    Ok(u8::from(!failed.is_empty()))
}
