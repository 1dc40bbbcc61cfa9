//! `who-can`: for every principal of the world, every relevant context, does the bundle allow?
//!
//! The contexts are built per condition key from the values the policies mention: for each key
//! that a statement matching the action tests, the candidates are "absent", every literal the
//! policies compare it with (wildcards instantiated, variables resolved for the caller), a
//! near miss of each literal (`<literal>-other`) and an unrelated value. String, ARN and Bool
//! conditions only distinguish values by these literals, so one representative per class covers
//! every request; the enumeration is exhaustive over that partition.

use crate::condition::Base;
use crate::context::{Context, Value};
use crate::error::{Error, Result};
use crate::eval::{action_matches, Decision, Request};
use crate::world::{Actor, World};
use crate::{arn, vars};
use std::collections::{BTreeMap, BTreeSet};

/// Keys AWS sets from the principal and resource; never enumerated.
const AUTOMATIC: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "secretsmanager:name",
];

/// Multivalued keys get list candidates.
const MULTI: &[&str] = &[
    "aws:tagkeys",
    "aws:calledvia",
    "secretsmanager:addreplicaregions",
    "aws:principalorgpaths",
];

/// Most contexts tried per principal.
pub const MAX_CONTEXTS: usize = 50_000;

/// One principal's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Principal name.
    pub actor: String,
    /// Contexts tried.
    pub tried: usize,
    /// Allowed requests with their decisions (every one is a counterexample to "nobody").
    pub allowed: Vec<(Request, Decision)>,
    /// One denied request's decision, to show what stops the principal.
    pub denied_example: Option<Decision>,
    /// Allowed requests at the end of a chain: the steps that led there, then the
    /// request the reached principal makes.
    pub chains: Vec<(Vec<String>, Request, Decision)>,
}

impl Answer {
    /// Allowed at all, directly or over a chain?
    pub fn can(&self) -> bool {
        !self.allowed.is_empty() || !self.chains.is_empty()
    }
}

fn instantiate(lit: &str, world: &World, account: &str) -> String {
    let parts = arn::split(lit);
    if parts.len() == 6 && parts[0] == "arn" {
        let seg = |i: usize, dflt: &str| {
            if parts[i] == "*" {
                dflt.to_string()
            } else {
                parts[i].replace(['*', '?'], "x")
            }
        };
        return format!(
            "arn:{}:{}:{}:{}:{}",
            seg(1, "aws"),
            seg(2, "x"),
            seg(3, world.region()),
            seg(4, account),
            seg(5, "x")
        );
    }
    lit.replace(['*', '?'], "x")
}

fn candidates(
    world: &World,
    actor: &Actor,
    req: &Request,
    policies: &[&crate::model::Policy],
) -> BTreeMap<String, (bool, BTreeSet<String>)> {
    let base = req.full_context();
    let account = if actor.principal.account.is_empty() {
        req.resource_account()
    } else {
        actor.principal.account.clone()
    };
    let mut keys: BTreeMap<String, (bool, BTreeSet<String>)> = BTreeMap::new();
    for p in policies {
        for st in &p.statements {
            if !action_matches(&st.action.values, st.action.negated, &req.action) {
                continue;
            }
            let resource_vars: Vec<String> = st
                .resource
                .iter()
                .flat_map(|r| r.values.iter())
                .flat_map(|v| vars::parse(v))
                .filter_map(|pc| match pc {
                    vars::Piece::Var { key, .. } => Some(key),
                    _ => None,
                })
                .collect();
            for k in resource_vars {
                keys.entry(k).or_default();
            }
            for c in &st.conditions {
                let kl = c.key.to_ascii_lowercase();
                if AUTOMATIC.contains(&kl.as_str())
                    || (!actor.synthetic && kl.starts_with("aws:principaltag/"))
                {
                    continue;
                }
                let entry = keys.entry(c.key.clone()).or_default();
                entry.0 |= MULTI.contains(&kl.as_str());
                for v in &c.values {
                    let Some(resolved) = (if c.operator.base.takes_variables() {
                        vars::resolve_text(v, &base, p.variables_enabled())
                    } else {
                        Some(v.clone())
                    }) else {
                        continue;
                    };
                    let inst = instantiate(&resolved, world, &account);
                    if c.operator.base == Base::Null {
                        continue;
                    }
                    if c.operator.base == Base::Bool {
                        entry.1.insert("true".into());
                        entry.1.insert("false".into());
                        continue;
                    }
                    entry.1.insert(format!("{inst}-other"));
                    entry.1.insert(inst);
                }
            }
        }
    }
    for (_, (_, vals)) in keys.iter_mut() {
        vals.insert("s2s-unrelated-value".into());
    }
    keys
}

fn contexts(keys: &BTreeMap<String, (bool, BTreeSet<String>)>) -> Result<Vec<Context>> {
    let mut out = vec![Context::new()];
    for (k, (multi, vals)) in keys {
        let mut options: Vec<Option<Value>> = vec![None];
        for v in vals {
            options.push(Some(if *multi {
                Value::Many(vec![v.clone()])
            } else {
                Value::One(v.clone())
            }));
        }
        if *multi && vals.len() > 1 {
            options.push(Some(Value::Many(
                vals.iter()
                    .filter(|v| !v.ends_with("-other") && *v != "s2s-unrelated-value")
                    .cloned()
                    .collect(),
            )));
        }
        if out.len() * options.len() > MAX_CONTEXTS {
            return Err(Error::Bundle(format!(
                "more than {MAX_CONTEXTS} contexts; key {k} has {} candidates",
                options.len()
            )));
        }
        let mut next = Vec::with_capacity(out.len() * options.len());
        for c in &out {
            for o in &options {
                let mut c2 = c.clone();
                if let Some(v) = o {
                    c2.set(k, v.clone());
                }
                next.push(c2);
            }
        }
        out = next;
    }
    Ok(out)
}

/// What one actor's requests came to over every context tried.
#[derive(Debug, Clone, Default)]
pub struct Tried {
    /// Contexts tried.
    pub tried: usize,
    /// The allowed requests with their decisions.
    pub allowed: Vec<(Request, Decision)>,
    /// One denied request's decision.
    pub denied: Option<Decision>,
}

/// Every allowed request of one actor for `action` on `resource`, over every relevant
/// context. `fixed` keys are set as given (a chain's `lambda:SourceFunctionArn`), `absent`
/// keys are never set (a session outside Lambda), and `trust` replaces the role trust
/// policy (one the caller may rewrite).
pub fn allowed_requests(
    world: &World,
    actor: &Actor,
    action: &str,
    resource: &str,
    fixed: &Context,
    absent: &[&str],
    trust: Option<&str>,
) -> Result<Tried> {
    let probe = world.request(actor, action, resource, fixed);
    let set = world.policy_set_with_trust(actor, &probe, trust)?;
    let mut policies: Vec<&crate::model::Policy> = Vec::new();
    for (_, ps) in set.scp.iter().chain(set.rcp.iter()) {
        policies.extend(ps.iter().map(|p| p.policy.as_ref()));
    }
    policies.extend(set.identity.iter().map(|p| p.policy.as_ref()));
    policies.extend(set.boundary.iter().map(|p| p.policy.as_ref()));
    policies.extend(set.resource.iter().map(|p| p.policy.as_ref()));
    let mut keys = candidates(world, actor, &probe, &policies);
    keys.retain(|k, _| !fixed.contains(k) && !absent.iter().any(|a| a.eq_ignore_ascii_case(k)));
    let mut out = Tried::default();
    for ctx in contexts(&keys)? {
        let mut ctx = ctx;
        for (k, v) in fixed.iter() {
            ctx.set(k, v.clone());
        }
        let req = world.request(actor, action, resource, &ctx);
        let d = crate::eval::evaluate(&req, &set);
        out.tried += 1;
        if d.allowed {
            out.allowed.push((req, d));
        } else if out.denied.is_none() {
            out.denied = Some(d);
        }
    }
    Ok(out)
}

/// Answers who can perform any of `actions` on `resource`, for every actor of the world,
/// directly or over any chain the world models ([`crate::chains`]: roles it can assume or
/// mint, functions whose code it can replace). Roles that exist only once someone creates
/// them are reached only through chains.
pub fn who_can(world: &World, actions: &[String], resource: &str) -> Result<Vec<Answer>> {
    let mut out = Vec::new();
    let actors = world.actors()?;
    for actor in actors.iter().filter(|a| !a.minted) {
        let mut ans = Answer {
            actor: actor.name.clone(),
            tried: 0,
            allowed: vec![],
            denied_example: None,
            chains: vec![],
        };
        for action in actions {
            let t = allowed_requests(world, actor, action, resource, &Context::new(), &[], None)?;
            ans.tried += t.tried;
            ans.allowed.extend(t.allowed);
            if ans.denied_example.is_none() {
                ans.denied_example = t.denied;
            }
        }
        for pivot in crate::chains::reach(world, actor, &actors)? {
            for action in actions {
                let t = allowed_requests(
                    world,
                    &pivot.actor,
                    action,
                    resource,
                    &pivot.fixed,
                    &pivot.absent,
                    None,
                )?;
                ans.tried += t.tried;
                if let Some(first) = t.allowed.into_iter().next() {
                    ans.chains.push((pivot.steps.clone(), first.0, first.1));
                }
            }
        }
        out.push(ans);
    }
    Ok(out)
}

/// Every action name the library knows for a service glob (used to expand `secretsmanager:*`).
pub fn expand_actions(pattern: &str) -> Vec<String> {
    let known: &[&str] = &[
        "secretsmanager:BatchGetSecretValue",
        "secretsmanager:CancelRotateSecret",
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteResourcePolicy",
        "secretsmanager:DeleteSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetRandomPassword",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:GetSecretValue",
        "secretsmanager:ListSecretVersionIds",
        "secretsmanager:ListSecrets",
        "secretsmanager:PutResourcePolicy",
        "secretsmanager:PutSecretValue",
        "secretsmanager:RemoveRegionsFromReplication",
        "secretsmanager:ReplicateSecretToRegions",
        "secretsmanager:RestoreSecret",
        "secretsmanager:RotateSecret",
        "secretsmanager:StopReplicationToReplica",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
        "secretsmanager:UpdateSecret",
        "secretsmanager:UpdateSecretVersionStage",
        "secretsmanager:ValidateResourcePolicy",
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PublishVersion",
        "lambda:CreateAlias",
        "lambda:UpdateAlias",
        "lambda:AddPermission",
        "lambda:InvokeFunction",
        "lambda:PutFunctionConcurrency",
        "lambda:TagResource",
        "iam:PassRole",
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:TagRole",
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
        "events:PutRule",
        "events:PutTargets",
        "events:DisableRule",
        "events:EnableRule",
        "events:DeleteRule",
        "events:RemoveTargets",
        "sts:AssumeRole",
        "sts:TagSession",
    ];
    if !crate::pattern::has_wildcard(pattern) {
        return vec![pattern.to_string()];
    }
    known
        .iter()
        .filter(|a| crate::pattern::glob(pattern, a, true))
        .map(|a| a.to_string())
        .collect()
}

/// The actions that return a secret's value (`read:secretsmanager`).
pub const SECRET_VALUE_READS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
];

/// Read-only Secrets Manager actions (for "who can write": everything else).
pub const SECRET_READS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:ListSecrets",
    "secretsmanager:GetRandomPassword",
];
