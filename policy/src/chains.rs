//! Chains: the ways one principal of the world comes to act as another, so that
//! `who-can` answers for what a principal can reach in several steps, not only for
//! its own requests.
//!
//! The steps modelled (each one decided by the full evaluator, over every relevant
//! context, like any `who-can` request):
//! - **assume** a role: `sts:AssumeRole` on it, judged by its trust policy, or by the
//!   world's `rewritten_trust` (anyone) when the principal may also
//!   `iam:UpdateAssumeRolePolicy` it;
//! - **mint** a role: `iam:CreateRole` of a role the world marks `minted` (with the
//!   permissions boundary its definition carries), whose trust its creator writes, then
//!   assume it;
//! - **replace a function's code**: `lambda:UpdateFunctionCode` or
//!   `UpdateFunctionConfiguration` (a layer is code too) of a world function, unless it
//!   is code-signed and the principal cannot take code signing off it; the reached role
//!   then runs inside that function (`lambda:SourceFunctionArn` is its ARN);
//! - **build a function around a role**: `iam:PassRole` of the role to Lambda plus
//!   `lambda:CreateFunction` without a code signing configuration.
//!
//! Sessions reached by assuming a role run outside Lambda (`lambda:SourceFunctionArn`
//! absent). Chains are followed breadth-first up to [`MAX_DEPTH`] steps; each principal
//! is reached once, by its shortest chain.

use crate::context::Context;
use crate::error::Result;
use crate::whocan::allowed_requests;
use crate::world::{Actor, World};
use std::collections::BTreeSet;

/// Longest chain followed.
pub const MAX_DEPTH: usize = 3;

/// A principal reached through a chain.
#[derive(Debug, Clone)]
pub struct Pivot {
    /// The steps, e.g. `ci@payments iam:CreateRole arn:...`.
    pub steps: Vec<String>,
    /// The principal reached.
    pub actor: Actor,
    /// Context keys the reached principal's requests carry as given.
    pub fixed: Context,
    /// Context keys they never carry.
    pub absent: Vec<&'static str>,
}

const SOURCE_FUNCTION: &str = "lambda:SourceFunctionArn";

impl Pivot {
    /// `actor` reached as the role of Lambda function `function_arn`, whose
    /// requests carry that function as their source.
    fn in_function(steps: Vec<String>, actor: &Actor, function_arn: &str) -> Pivot {
        let mut fixed = Context::new();
        fixed.set_one(SOURCE_FUNCTION, function_arn);
        Pivot {
            steps,
            actor: actor.clone(),
            fixed,
            absent: vec![],
        }
    }
}
const CODE_SIGNING: &str = "lambda:CodeSigningConfigArn";

fn can(
    world: &World,
    who: &Pivot,
    action: &str,
    resource: &str,
    extra: &Context,
    trust: Option<&str>,
) -> Result<bool> {
    let mut fixed = who.fixed.clone();
    for (k, v) in extra.iter() {
        fixed.set(k, v.clone());
    }
    let t = allowed_requests(
        world,
        &who.actor,
        action,
        resource,
        &fixed,
        &who.absent,
        trust,
    )?;
    Ok(!t.allowed.is_empty())
}

fn step(p: &Pivot, action: &str, resource: &str) -> String {
    format!("{} {action} {resource}", p.actor.name)
}

/// The principals `from` reaches in one step.
fn one_step(world: &World, from: &Pivot, actors: &[Actor]) -> Result<Vec<Pivot>> {
    let mut out = Vec::new();
    let anyone = world.rewritten_trust();
    for target in actors.iter().filter(|a| a.role.is_some()) {
        let arn = &target.principal.arn;
        let mut steps = from.steps.clone();
        let minted = target.minted;
        if minted {
            let mut ctx = Context::new();
            if let Some(b) = &target.boundary {
                if b == "iam/app-boundary" {
                    ctx.set_one(
                        "iam:PermissionsBoundary",
                        &format!(
                            "arn:aws:iam::{}:policy/platform/app-boundary",
                            target.principal.account
                        ),
                    );
                }
            }
            if !can(world, from, "iam:CreateRole", arn, &ctx, None)? {
                continue;
            }
            steps.push(step(from, "iam:CreateRole", arn));
        }
        let rewrite = !minted
            && anyone.is_some()
            && can(
                world,
                from,
                "iam:UpdateAssumeRolePolicy",
                arn,
                &Context::new(),
                None,
            )?;
        let trust = if minted || !rewrite { None } else { anyone };
        if rewrite {
            steps.push(step(from, "iam:UpdateAssumeRolePolicy", arn));
        }
        if can(world, from, "sts:AssumeRole", arn, &Context::new(), trust)? {
            let mut s = steps.clone();
            s.push(step(from, "sts:AssumeRole", arn));
            out.push(Pivot {
                steps: s,
                actor: target.clone(),
                fixed: Context::new(),
                absent: vec![SOURCE_FUNCTION],
            });
        }
        // A new function around the role, with code of one's own.
        let mut pass = Context::new();
        pass.set_one("iam:PassedToService", "lambda.amazonaws.com");
        let new_fn = format!(
            "arn:aws:lambda:{}:{}:function:s2s-chain-probe",
            world.region(),
            target.principal.account
        );
        if can(world, from, "iam:PassRole", arn, &pass, None)?
            && can_unsigned(
                world,
                from,
                "lambda:CreateFunction",
                &new_fn,
                &Context::new(),
            )?
        {
            let mut s = steps.clone();
            s.push(step(from, "iam:PassRole", arn));
            s.push(step(from, "lambda:CreateFunction", &new_fn));
            out.push(Pivot::in_function(s, target, &new_fn));
        }
    }
    for f in world.functions()? {
        let (fn_arn, role, account, tags, signed) =
            (f.arn, f.role, f.account, f.tags, f.code_signing);
        let Some(target) = actors.iter().find(|a| {
            a.role.as_deref() == Some(role.as_str())
                && a.account.as_deref() == Some(account.as_str())
        }) else {
            continue;
        };
        let mut ctx = Context::new();
        for (k, v) in &tags {
            ctx.set_one(&format!("aws:ResourceTag/{k}"), v);
        }
        let mut how = None;
        for action in [
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
        ] {
            if can(world, from, action, &fn_arn, &ctx, None)? {
                how = Some(action);
                break;
            }
        }
        let Some(action) = how else { continue };
        let mut s = from.steps.clone();
        if signed {
            // Code signing enforced: only signed code runs, unless it can be taken off.
            if !can(
                world,
                from,
                "lambda:DeleteFunctionCodeSigningConfig",
                &fn_arn,
                &ctx,
                None,
            )? {
                continue;
            }
            s.push(step(
                from,
                "lambda:DeleteFunctionCodeSigningConfig",
                &fn_arn,
            ));
        }
        s.push(step(from, action, &fn_arn));
        out.push(Pivot::in_function(s, target, &fn_arn));
    }
    Ok(out)
}

/// `lambda:CreateFunction` without a code signing configuration (unsigned code).
fn can_unsigned(
    world: &World,
    from: &Pivot,
    action: &str,
    resource: &str,
    ctx: &Context,
) -> Result<bool> {
    let mut p = from.clone();
    p.absent.push(CODE_SIGNING);
    can(world, &p, action, resource, ctx, None)
}

/// Every principal `base` reaches through a chain (not `base` itself), by the shortest chain.
pub fn reach(world: &World, base: &Actor, actors: &[Actor]) -> Result<Vec<Pivot>> {
    let start = Pivot {
        steps: vec![],
        actor: base.clone(),
        fixed: Context::new(),
        absent: vec![],
    };
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    seen.insert((base.name.clone(), String::new()));
    let mut frontier = vec![start];
    let mut out = Vec::new();
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for p in &frontier {
            for q in one_step(world, p, actors)? {
                let key = (
                    q.actor.name.clone(),
                    q.fixed
                        .single(SOURCE_FUNCTION)
                        .unwrap_or_default()
                        .to_string(),
                );
                if seen.insert(key) {
                    next.push(q.clone());
                    out.push(q);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    Ok(out)
}
