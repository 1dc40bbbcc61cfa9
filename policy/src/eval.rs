//! AWS's decision logic over a set of policies, with the statements that decided.

use crate::context::Context;
use crate::model::{Effect, Policy, Principals, Statement};
use crate::{arn, pattern, vars};
use std::sync::Arc;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum PrincipalKind {
    /// An assumed-role session of the role in `arn` (the role ARN with its path).
    Role,
    /// An IAM user.
    User,
    /// The account root user.
    Root,
    /// An AWS service principal such as `lambda.amazonaws.com` (`arn` holds the name).
    Service,
}

/// The requesting principal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequestPrincipal {
    /// The kind.
    pub kind: PrincipalKind,
    /// Role ARN with path, user ARN, `arn:aws:iam::<acct>:root`, or the service name.
    pub arn: String,
    /// The principal's account (empty for services).
    pub account: String,
    /// Session name for roles.
    pub session: Option<String>,
}

impl RequestPrincipal {
    /// A session of a role given by its ARN (with path).
    pub fn role(role_arn: &str) -> Self {
        RequestPrincipal {
            kind: PrincipalKind::Role,
            arn: role_arn.to_string(),
            account: arn::account(role_arn).unwrap_or_default().to_string(),
            session: Some("s2s".into()),
        }
    }

    /// The root user of an account.
    pub fn root(account: &str) -> Self {
        RequestPrincipal {
            kind: PrincipalKind::Root,
            arn: format!("arn:aws:iam::{account}:root"),
            account: account.to_string(),
            session: None,
        }
    }

    /// An AWS service principal.
    pub fn service(name: &str) -> Self {
        RequestPrincipal {
            kind: PrincipalKind::Service,
            arn: name.to_string(),
            account: String::new(),
            session: None,
        }
    }

    /// The assumed-role session ARN (`arn:aws:sts::A:assumed-role/NAME/SESSION`, path dropped).
    pub fn session_arn(&self) -> Option<String> {
        if self.kind != PrincipalKind::Role {
            return None;
        }
        let name = self.arn.rsplit('/').next()?;
        Some(format!(
            "arn:aws:sts::{}:assumed-role/{name}/{}",
            self.account,
            self.session.as_deref().unwrap_or("session")
        ))
    }
}

/// One request to decide.
#[derive(Debug, Clone)]
pub struct Request {
    /// The caller.
    pub principal: RequestPrincipal,
    /// `service:Action`.
    pub action: String,
    /// Resource ARN, or `*` for actions without a resource.
    pub resource: String,
    /// Account owning the resource; taken from the ARN when `None`, else the caller's.
    pub resource_account: Option<String>,
    /// Condition keys. `aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:ResourceAccount`
    /// are filled in from the fields above unless given.
    pub context: Context,
}

impl Request {
    /// The account that owns the resource.
    pub fn resource_account(&self) -> String {
        self.resource_account
            .clone()
            .or_else(|| arn::account(&self.resource).map(str::to_string))
            .unwrap_or_else(|| self.principal.account.clone())
    }

    /// The context with the keys AWS always sets for this principal and resource.
    pub fn full_context(&self) -> Context {
        let mut c = self.context.clone();
        let p = &self.principal;
        if p.kind == PrincipalKind::Service {
            c.set_default("aws:PrincipalIsAWSService", "true");
            c.set_default("aws:PrincipalServiceName", &p.arn);
        } else {
            c.set_default("aws:PrincipalArn", &p.arn);
            c.set_default("aws:PrincipalAccount", &p.account);
            c.set_default("aws:PrincipalIsAWSService", "false");
        }
        c.set_default("aws:ResourceAccount", &self.resource_account());
        c
    }
}

/// Where a policy sits in the decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Layer {
    /// A service control policy at the named level (root, OU, account).
    Scp(String),
    /// A resource control policy at the named level.
    Rcp(String),
    /// An identity-based policy of the principal.
    Identity,
    /// The principal's permissions boundary.
    Boundary,
    /// The session policy.
    Session,
    /// The resource-based policy (or role trust policy).
    Resource,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Layer::Scp(l) => write!(f, "scp[{l}]"),
            Layer::Rcp(l) => write!(f, "rcp[{l}]"),
            Layer::Identity => f.write_str("identity"),
            Layer::Boundary => f.write_str("boundary"),
            Layer::Session => f.write_str("session"),
            Layer::Resource => f.write_str("resource"),
        }
    }
}

/// A policy with a name for explanations.
#[derive(Debug, Clone)]
pub struct NamedPolicy {
    /// Name shown in explanations (e.g. `scp/secrets-guard`).
    pub name: String,
    /// The policy.
    pub policy: Arc<Policy>,
}

impl NamedPolicy {
    /// Wraps a policy.
    pub fn new(name: &str, policy: Policy) -> Self {
        NamedPolicy {
            name: name.to_string(),
            policy: Arc::new(policy),
        }
    }
}

/// The policies that can bear on one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// SCP levels from root to account; empty when SCPs do not apply to the principal.
    pub scp: Vec<(String, Vec<NamedPolicy>)>,
    /// RCP levels from root to account; empty when RCPs do not apply to the resource.
    pub rcp: Vec<(String, Vec<NamedPolicy>)>,
    /// The principal's identity-based policies.
    pub identity: Vec<NamedPolicy>,
    /// The principal's permissions boundary.
    pub boundary: Option<NamedPolicy>,
    /// A session policy.
    pub session: Option<NamedPolicy>,
    /// The resource's policy.
    pub resource: Option<NamedPolicy>,
    /// True when the resource policy is a role trust policy, which must allow explicitly.
    pub resource_is_trust: bool,
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementRef {
    /// Layer of the policy.
    pub layer: Layer,
    /// Policy name.
    pub policy: String,
    /// Sid, or `#index`.
    pub statement: String,
    /// Effect.
    pub effect: Effect,
}

impl std::fmt::Display for StatementRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} {} {}#{}",
            self.effect, self.layer, self.policy, self.statement
        )
    }
}

/// Why the decision came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Reason {
    /// Some statement denied explicitly.
    ExplicitDeny,
    /// No statement in this layer allowed (implicit deny).
    NoAllow(String),
    /// Every required layer allowed.
    Allowed,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::ExplicitDeny => f.write_str("explicit deny"),
            Reason::NoAllow(l) => write!(f, "implicit deny: no Allow in {l}"),
            Reason::Allowed => f.write_str("allowed"),
        }
    }
}

/// The outcome with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Allowed?
    pub allowed: bool,
    /// Why.
    pub reason: Reason,
    /// The deciding statements: every matching Deny for an explicit deny; the Allows of
    /// every layer that had to allow for an allow; empty for an implicit deny.
    pub deciding: Vec<StatementRef>,
}

/// How a resource policy's Principal matched the caller; it decides whether the
/// caller's own policies still have to allow in the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// Named the session or the user: identity, boundary and session policies not needed.
    Direct,
    /// Named the role ARN or `*`: boundary and session policy still limit.
    RoleOrAny,
    /// Named the account: the account's own policies must allow.
    Account,
}

fn principal_entry_matches(p: &RequestPrincipal, kind: &str, value: &str) -> Option<Via> {
    match kind {
        "AWS" => {
            if value == "*" {
                return Some(Via::RoleOrAny);
            }
            if p.kind == PrincipalKind::Service {
                return None;
            }
            let root = format!("arn:aws:iam::{}:root", p.account);
            if value == p.account || value == root {
                return Some(if p.kind == PrincipalKind::Root {
                    Via::Direct
                } else {
                    Via::Account
                });
            }
            if value == p.arn {
                return Some(match p.kind {
                    PrincipalKind::Role => Via::RoleOrAny,
                    _ => Via::Direct,
                });
            }
            if p.session_arn().as_deref() == Some(value) {
                return Some(Via::Direct);
            }
            None
        }
        "Service" => (p.kind == PrincipalKind::Service && p.arn == value).then_some(Via::Direct),
        _ => None,
    }
}

fn principal_matches(ps: &Principals, p: &RequestPrincipal) -> Option<Via> {
    let best = if ps.any {
        Some(Via::RoleOrAny)
    } else {
        ps.entries
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)))
            .filter_map(|(k, v)| principal_entry_matches(p, k, v))
            .min_by_key(|v| match v {
                Via::Direct => 0,
                Via::RoleOrAny => 1,
                Via::Account => 2,
            })
    };
    if ps.negated {
        best.is_none().then_some(Via::RoleOrAny)
    } else {
        best
    }
}

/// Does the action match a pattern list (Action/NotAction)?
pub fn action_matches(values: &[String], negated: bool, action: &str) -> bool {
    let any = values.iter().any(|a| pattern::glob(a, action, true));
    any != negated
}

/// Does the resource match a pattern list (Resource/NotResource), variables resolved?
pub fn resource_matches(
    values: &[String],
    negated: bool,
    resource: &str,
    ctx: &Context,
    vars: bool,
) -> bool {
    let any = values.iter().any(|r| {
        if !vars || !r.contains("${") {
            return arn::like(r, resource);
        }
        vars::resolve_toks(r, ctx, vars, true).is_some_and(|t| arn::matches(&t, resource))
    });
    any != negated
}

struct Eval<'a> {
    req: &'a Request,
    ctx: Context,
    has_boundary: bool,
}

impl Eval<'_> {
    /// Does the statement apply? For statements with a Principal, returns how it matched.
    fn applies(&self, st: &Statement, vars: bool) -> Option<Option<Via>> {
        if !action_matches(&st.action.values, st.action.negated, &self.req.action) {
            return None;
        }
        if let Some(r) = &st.resource {
            if !resource_matches(&r.values, r.negated, &self.req.resource, &self.ctx, vars) {
                return None;
            }
        }
        let via = match &st.principal {
            None => None,
            Some(ps) => {
                // Deny + NotPrincipal always applies to a principal with a permissions boundary.
                if ps.negated && st.effect == Effect::Deny && self.has_boundary {
                    Some(Via::RoleOrAny)
                } else {
                    Some(principal_matches(ps, &self.req.principal)?)
                }
            }
        };
        if !st.conditions.iter().all(|c| c.eval(&self.ctx, vars)) {
            return None;
        }
        Some(via)
    }
}

struct LayerResult {
    allows: Vec<(StatementRef, Option<Via>)>,
    denies: Vec<StatementRef>,
}

fn run(e: &Eval<'_>, layer: &Layer, policies: &[&NamedPolicy]) -> LayerResult {
    let mut out = LayerResult {
        allows: vec![],
        denies: vec![],
    };
    for np in policies {
        let vars = np.policy.variables_enabled();
        for st in &np.policy.statements {
            if let Some(via) = e.applies(st, vars) {
                let r = StatementRef {
                    layer: layer.clone(),
                    policy: np.name.clone(),
                    statement: st.label(),
                    effect: st.effect,
                };
                match st.effect {
                    Effect::Deny => out.denies.push(r),
                    Effect::Allow => out.allows.push((r, via)),
                }
            }
        }
    }
    out
}

/// Decides a request against a policy set.
pub fn evaluate(req: &Request, set: &PolicySet) -> Decision {
    let e = Eval {
        req,
        ctx: req.full_context(),
        has_boundary: set.boundary.is_some(),
    };
    let mut layers: Vec<(Layer, LayerResult)> = Vec::new();
    for (lvl, ps) in &set.scp {
        let l = Layer::Scp(lvl.clone());
        let r = run(&e, &l, &ps.iter().collect::<Vec<_>>());
        layers.push((l, r));
    }
    for (lvl, ps) in &set.rcp {
        let l = Layer::Rcp(lvl.clone());
        let r = run(&e, &l, &ps.iter().collect::<Vec<_>>());
        layers.push((l, r));
    }
    let ident = run(
        &e,
        &Layer::Identity,
        &set.identity.iter().collect::<Vec<_>>(),
    );
    let bound = set
        .boundary
        .as_ref()
        .map(|b| run(&e, &Layer::Boundary, &[b]));
    let sess = set.session.as_ref().map(|s| run(&e, &Layer::Session, &[s]));
    let res = set
        .resource
        .as_ref()
        .map(|r| run(&e, &Layer::Resource, &[r]));

    let denies: Vec<StatementRef> = layers
        .iter()
        .map(|(_, r)| r)
        .chain(std::iter::once(&ident))
        .chain(bound.iter())
        .chain(sess.iter())
        .chain(res.iter())
        .flat_map(|r| r.denies.iter().cloned())
        .collect();
    if !denies.is_empty() {
        return Decision {
            allowed: false,
            reason: Reason::ExplicitDeny,
            deciding: denies,
        };
    }
    let deny = |layer: String| Decision {
        allowed: false,
        reason: Reason::NoAllow(layer),
        deciding: vec![],
    };
    let mut deciding = Vec::new();
    for (l, r) in &layers {
        if r.allows.is_empty() {
            return deny(l.to_string());
        }
        deciding.extend(r.allows.iter().map(|(s, _)| s.clone()));
    }
    let refs = |r: &LayerResult| r.allows.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>();
    let is_root_same = req.principal.kind == PrincipalKind::Root
        && req.principal.account == req.resource_account();
    let is_service = req.principal.kind == PrincipalKind::Service;
    let ident_ok = is_root_same || !ident.allows.is_empty();
    let bound_ok = bound.as_ref().is_none_or(|b| !b.allows.is_empty());
    let sess_ok = sess.as_ref().is_none_or(|s| !s.allows.is_empty());
    let res_via = res.as_ref().and_then(|r| {
        r.allows
            .iter()
            .filter_map(|(_, v)| *v)
            .min_by_key(|v| match v {
                Via::Direct => 0,
                Via::RoleOrAny => 1,
                Via::Account => 2,
            })
    });
    let cross = is_service || req.principal.account != req.resource_account();

    // Which of the principal-side layers must allow.
    let need_identity;
    let need_limits; // boundary + session
    let need_resource;
    if cross {
        need_identity = !is_service;
        need_limits = !is_service;
        need_resource = true;
    } else {
        match res_via {
            Some(Via::Direct) => {
                need_identity = false;
                need_limits = false;
            }
            Some(Via::RoleOrAny) => {
                need_identity = false;
                need_limits = true;
            }
            _ => {
                need_identity = true;
                need_limits = true;
            }
        }
        need_resource = set.resource_is_trust;
    }
    if need_identity && !ident_ok {
        return deny("identity".into());
    }
    if need_limits && !bound_ok {
        return deny("boundary".into());
    }
    if need_limits && !sess_ok {
        return deny("session".into());
    }
    if need_resource && res_via.is_none() {
        return deny(if set.resource.is_some() {
            "resource".into()
        } else {
            "resource (no resource policy)".into()
        });
    }
    if need_identity || (!cross && res_via.is_none()) {
        deciding.extend(refs(&ident));
    }
    if need_limits {
        if let Some(b) = &bound {
            deciding.extend(refs(b));
        }
        if let Some(s) = &sess {
            deciding.extend(refs(s));
        }
    }
    if res_via.is_some() {
        if let Some(r) = &res {
            deciding.extend(refs(r));
        }
    }
    Decision {
        allowed: true,
        reason: Reason::Allowed,
        deciding,
    }
}
