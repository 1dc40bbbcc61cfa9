//! `render`, `minify`, `simulate`, `bench`.

use super::args::Args;
use anyhow::{bail, Context as _, Result};
use policy::eval::{NamedPolicy, PolicySet, Request, RequestPrincipal};
use policy::{
    claims, evaluate, minify as do_minify, render as do_render, Context, Policy, PolicyType,
};
use std::time::Instant;

fn read(p: &str) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| p.to_string())
}

pub fn render(a: &Args) -> Result<u8> {
    let [file] = a.positional.as_slice() else {
        bail!("render needs TEMPLATE")
    };
    let out = do_render(&read(file)?, &a.pairs("var")?)?;
    if let Some(t) = a.one("check") {
        let t = PolicyType::parse(t).with_context(|| format!("unknown type {t}"))?;
        let f = policy::check(&out, t);
        for x in &f {
            eprintln!("{x}");
        }
        if policy::check::has_errors(&f) {
            return Ok(1);
        }
    }
    outln!("{out}");
    Ok(0)
}

pub fn minify(a: &Args) -> Result<u8> {
    let [file] = a.positional.as_slice() else {
        bail!("minify needs FILE")
    };
    let text = read(file)?;
    serde_json::from_str::<serde_json::Value>(&text)
        .with_context(|| format!("{file} is not JSON"))?;
    outln!("{}", do_minify(&text));
    Ok(0)
}

fn load(p: &str, vars: &std::collections::BTreeMap<String, String>) -> Result<NamedPolicy> {
    let text = do_render(&read(p)?, vars)?;
    Ok(NamedPolicy::new(
        p,
        Policy::parse(&text).with_context(|| p.to_string())?,
    ))
}

fn levels(
    a: &Args,
    name: &str,
    vars: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, Vec<NamedPolicy>)>> {
    a.many(name)
        .iter()
        .map(|l| {
            let (lvl, files) = l
                .split_once('=')
                .with_context(|| format!("--{name} {l}: expected LEVEL=FILE[,FILE]"))?;
            Ok((
                lvl.to_string(),
                files
                    .split(',')
                    .map(|f| load(f, vars))
                    .collect::<Result<_>>()?,
            ))
        })
        .collect()
}

pub fn simulate(a: &Args) -> Result<u8> {
    let action = a.one("action").context("--action is required")?;
    let resource = a.one("resource").context("--resource is required")?;
    let ctx_cell = a.many("context").join("; ");
    let (req, d) = if let Some(name) = a.one("principal") {
        let world = super::cmd_prove::world_for(a, None)?;
        let actor = world.actor(name)?;
        let ctx = claims::parse_context(&ctx_cell, &world)?;
        world.decide(&actor, action, &world.expand(resource), &ctx)?
    } else {
        let arn = a
            .one("principal-arn")
            .context("--principal NAME (with --world) or --principal-arn ARN is required")?;
        let vars = a.pairs("var")?;
        let mut context = Context::new();
        for kv in a.many("context") {
            let (k, v) = kv
                .split_once('=')
                .with_context(|| format!("--context {kv}: expected k=v"))?;
            match v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                Some(l) => context.set(
                    k,
                    policy::ContextValue::Many(l.split(',').map(str::to_string).collect()),
                ),
                None => context.set_one(k, v),
            }
        }
        let principal = if arn.ends_with(":root") {
            RequestPrincipal::root(policy::arn::account(arn).unwrap_or_default())
        } else if arn.contains(".amazonaws.com") {
            RequestPrincipal::service(arn)
        } else {
            RequestPrincipal::role(arn)
        };
        let set = PolicySet {
            scp: levels(a, "scp", &vars)?,
            rcp: levels(a, "rcp", &vars)?,
            identity: a
                .many("identity")
                .iter()
                .map(|f| load(f, &vars))
                .collect::<Result<_>>()?,
            boundary: a.one("boundary").map(|f| load(f, &vars)).transpose()?,
            session: a
                .one("session-policy")
                .map(|f| load(f, &vars))
                .transpose()?,
            resource: a
                .one("resource-policy")
                .map(|f| load(f, &vars))
                .transpose()?,
            resource_is_trust: a.flag("trust"),
        };
        let req = Request {
            principal,
            action: action.into(),
            resource: resource.into(),
            resource_account: a.one("resource-account").map(str::to_string),
            context,
        };
        let d = evaluate(&req, &set);
        (req, d)
    };
    if a.flag("json") {
        outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"principal": req.principal, "action": req.action, "resource": req.resource, "decision": d})
            )?
        );
    } else {
        outln!(
            "{} {} {} on {}",
            if d.allowed { "ALLOW" } else { "DENY" },
            req.principal.arn,
            req.action,
            req.resource
        );
        outln!("  reason: {}", d.reason);
        for s in &d.deciding {
            outln!("  {s}");
        }
    }
    Ok(u8::from(!d.allowed))
}

/// Decisions per second over the claims' requests (prebuilt policy sets).
pub fn bench(a: &Args) -> Result<u8> {
    let secs: f64 = a
        .one("seconds")
        .unwrap_or("2")
        .parse()
        .context("--seconds")?;
    let world = super::cmd_prove::world_for(a, None)?;
    let claims_path = a.one("claims").unwrap_or("policies/claims");
    let cs = claims::load(std::path::Path::new(claims_path))?;
    let mut cases = Vec::new();
    for c in &cs {
        let actor = world.actor(&c.principal)?;
        let ctx = claims::parse_context(&c.context, &world)?;
        let req = world.request(&actor, &c.action, &world.expand(&c.resource), &ctx);
        let set = world.policy_set(&actor, &req)?;
        cases.push((req, set));
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    let mut allowed: u64 = 0;
    while start.elapsed().as_secs_f64() < secs {
        for (req, set) in &cases {
            allowed += u64::from(evaluate(req, set).allowed);
            n += 1;
        }
    }
    let el = start.elapsed().as_secs_f64();
    outln!(
        "decisions={n} seconds={el:.3} per_second={:.0} requests={} allowed_fraction={:.3}",
        n as f64 / el,
        cases.len(),
        allowed as f64 / n as f64
    );
    Ok(0)
}
