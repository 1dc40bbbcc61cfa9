//! Lints: per-type grammar rules and the traps listed in the reference.

use crate::condition::{Base, SetQualifier};
use crate::kind::{Finding, PolicyType, Severity};
use crate::model::{Effect, Policy, Statement};
use crate::{arn, pattern, vars};
use std::collections::BTreeMap;

/// Services whose actions RCPs apply to (mid-2026 list).
pub const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "cognito-identity",
    "ecr",
    "aoss",
    "dynamodb",
    "logs",
    "lambda",
    "ssm",
    "sns",
    "states",
    "events",
    "kinesis",
    "elasticfilesystem",
    "glacier",
    "backup",
    "rds",
    "es",
    "apigateway",
    "execute-api",
    "s3express",
    "iam",
    "acm-pca",
];

/// Actions that are dangerous to grant with a wildcard or on every resource.
pub const SENSITIVE_ACTIONS: &[&str] = &[
    "iam:PassRole",
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreatePolicyVersion",
    "sts:AssumeRole",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:PutResourcePolicy",
    "kms:Decrypt",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "organizations:DetachPolicy",
];

/// Global keys that hold several values; set qualifiers belong on these.
const MULTI_VALUED: &[&str] = &[
    "aws:tagkeys",
    "aws:calledvia",
    "aws:principalorgpaths",
    "aws:resourceorgpaths",
    "aws:sourceorgpaths",
    "aws:principalservicenameslist",
    "secretsmanager:addreplicaregions",
    "lambda:layer",
    "lambda:subnetids",
    "lambda:securitygroupids",
];

/// Known single-valued keys outside `aws:`.
const SINGLE_VALUED_SERVICE: &[&str] = &[
    "secretsmanager:name",
    "secretsmanager:secretid",
    "secretsmanager:kmskeyid",
    "secretsmanager:blockpublicpolicy",
    "secretsmanager:versionstage",
    "lambda:sourcefunctionarn",
    "lambda:functionarn",
    "lambda:codesigningconfigarn",
    "iam:passedtoservice",
    "iam:permissionsboundary",
];

fn is_single_valued(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    (k.starts_with("aws:") && !MULTI_VALUED.contains(&k.as_str()))
        || SINGLE_VALUED_SERVICE.contains(&k.as_str())
}

fn sp(i: usize, many: bool) -> String {
    if many {
        format!("$.Statement[{i}]")
    } else {
        "$.Statement".to_string()
    }
}

/// All lints for a parsed policy of a type.
pub fn lint(p: &Policy, t: PolicyType) -> Vec<Finding> {
    let mut out = Vec::new();
    let many = p.statements.len() > 1;
    let any_vars = p.statements.iter().any(statement_uses_vars);
    match p.version.as_deref() {
        None => out.push(Finding::new(
            Severity::Warning,
            "version-missing",
            "$",
            "no Version: it defaults to 2008-10-17, where ${...} policy variables are literal text",
        )),
        Some("2008-10-17") if any_vars => out.push(Finding::new(
            Severity::Error,
            "version-variables",
            "$.Version",
            "policy variables need Version 2012-10-17; with 2008-10-17 they are literal text",
        )),
        _ => {}
    }
    let mut sids: BTreeMap<&str, usize> = BTreeMap::new();
    for st in &p.statements {
        let path = sp(st.index, many);
        if let Some(sid) = &st.sid {
            if let Some(first) = sids.insert(sid, st.index) {
                out.push(Finding::new(
                    Severity::Error,
                    "sid-duplicate",
                    format!("{path}.Sid"),
                    format!("Sid {sid:?} already used by statement {first}"),
                ));
            }
            if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                out.push(Finding::new(
                    Severity::Warning,
                    "sid-charset",
                    format!("{path}.Sid"),
                    "IAM accepts only A-Z, a-z and 0-9 in a Sid",
                ));
            }
        }
        grammar(st, t, &path, &mut out);
        actions(st, t, &path, &mut out);
        resources(st, &path, &mut out);
        conditions(st, &path, &mut out);
        traps(st, t, &path, &mut out);
    }
    out
}

fn statement_uses_vars(st: &Statement) -> bool {
    st.resource
        .as_ref()
        .is_some_and(|r| r.values.iter().any(|v| vars::has_vars(v)))
        || st
            .conditions
            .iter()
            .any(|c| c.values.iter().any(|v| vars::has_vars(v)))
}

fn grammar(st: &Statement, t: PolicyType, path: &str, out: &mut Vec<Finding>) {
    let e = |code: &str, msg: &str| {
        Finding::new(Severity::Error, code, path.to_string(), msg.to_string())
    };
    let has_principal = st.principal.as_ref().is_some_and(|p| !p.negated);
    let has_not_principal = st.principal.as_ref().is_some_and(|p| p.negated);
    match t {
        PolicyType::Identity if st.principal.is_some() => out.push(e(
            "identity-principal",
            "identity policies cannot have Principal or NotPrincipal",
        )),
        PolicyType::Scp if st.principal.is_some() => out.push(e(
            "scp-principal",
            "SCPs cannot have Principal or NotPrincipal",
        )),
        PolicyType::Resource if st.principal.is_none() => out.push(e(
            "resource-principal-missing",
            "resource policies need Principal or NotPrincipal",
        )),
        PolicyType::Trust => {
            if !has_principal {
                out.push(e(
                    "trust-principal",
                    "trust policies need Principal (NotPrincipal is not allowed)",
                ));
            }
            if st.resource.is_some() {
                out.push(e(
                    "trust-resource",
                    "trust policies cannot have Resource or NotResource",
                ));
            }
            for a in &st.action.values {
                let al = a.to_ascii_lowercase();
                if !al.starts_with("sts:") {
                    out.push(e(
                        "trust-action",
                        &format!("trust policies only take sts: actions, not {a:?}"),
                    ));
                }
            }
        }
        PolicyType::Rcp => {
            if st.effect == Effect::Allow {
                out.push(e(
                    "rcp-allow",
                    "RCPs can only Deny (Allow exists only in RCPFullAWSAccess)",
                ));
            }
            if has_not_principal {
                out.push(e("rcp-notprincipal", "RCPs cannot use NotPrincipal"));
            }
            if !st.principal.as_ref().is_some_and(|p| p.any && !p.negated) {
                out.push(e("rcp-principal", "RCPs need \"Principal\": \"*\""));
            }
            if st.action.negated {
                out.push(e("rcp-notaction", "RCPs cannot use NotAction"));
            }
            for a in &st.action.values {
                let svc = a.split(':').next().unwrap_or("").to_ascii_lowercase();
                if a != "*" && !RCP_SERVICES.contains(&svc.as_str()) {
                    out.push(e(
                        "rcp-service",
                        &format!("RCPs do not apply to service {svc:?}"),
                    ));
                }
            }
        }
        _ => {}
    }
    if st.resource.is_none() && t != PolicyType::Trust {
        out.push(e(
            "resource-missing",
            "a statement needs Resource or NotResource",
        ));
    }
    if has_not_principal && st.effect == Effect::Allow {
        out.push(e(
            "allow-notprincipal",
            "NotPrincipal is only allowed with Deny",
        ));
    }
    if let Some(ps) = &st.principal {
        for (kind, vals) in &ps.entries {
            for v in vals {
                if kind == "AWS" && v != "*" && pattern::has_wildcard(v) {
                    out.push(e("principal-wildcard", &format!("Principal cannot hold a partial wildcard: {v:?}; use aws:PrincipalArn with ArnLike")));
                }
                if kind == "AWS" && t == PolicyType::Resource && v.contains(":role/") {
                    out.push(Finding::new(Severity::Info, "principal-role-id", path.to_string(), format!("{v} is stored as the role's unique ID: if the role is recreated the grant silently stops matching; aws:PrincipalArn conditions do not have this problem")));
                }
            }
        }
    }
}

fn actions(st: &Statement, t: PolicyType, path: &str, out: &mut Vec<Finding>) {
    if st.action.values.is_empty() {
        out.push(Finding::new(
            Severity::Warning,
            "empty-array",
            path.to_string(),
            "empty Action list matches nothing",
        ));
    }
    for a in &st.action.values {
        let ok = a == "*"
            || a.split_once(':').is_some_and(|(svc, name)| {
                !svc.is_empty()
                    && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
            });
        if !ok {
            out.push(Finding::new(
                Severity::Error,
                "action-format",
                path.to_string(),
                format!("{a:?} is not service:Action"),
            ));
        }
    }
    if st.effect == Effect::Allow && st.action.negated && t != PolicyType::Scp {
        out.push(Finding::new(Severity::Warning, "allow-notaction", path.to_string(), "Allow with NotAction grants every other action of every service, including ones AWS adds later"));
    }
}

fn resources(st: &Statement, path: &str, out: &mut Vec<Finding>) {
    let Some(r) = &st.resource else { return };
    if r.values.is_empty() {
        out.push(Finding::new(
            Severity::Warning,
            "empty-array",
            path.to_string(),
            "empty Resource list matches nothing",
        ));
    }
    for v in &r.values {
        if v == "*" {
            continue;
        }
        let segs = arn::split(v);
        if segs.len() != 6 || segs[0] != "arn" {
            out.push(Finding::new(
                Severity::Warning,
                "arn-format",
                path.to_string(),
                format!("{v:?} is not a six-segment ARN: it matches nothing but itself"),
            ));
            continue;
        }
        if pattern::has_wildcard(segs[2]) {
            out.push(Finding::new(
                Severity::Error,
                "arn-service-wildcard",
                path.to_string(),
                format!("{v:?}: no wildcards in the service segment"),
            ));
        }
        let res = segs[5];
        if segs[2] == "iam" {
            if let Some(role) = res.strip_prefix("role/") {
                role_prefix_wildcard(role, v, path, out);
            }
        }
        if segs[2] == "secretsmanager" {
            if res.ends_with("-??????") {
                out.push(Finding::new(Severity::Warning, "secret-suffix-regrant", path.to_string(), format!("{v}: granting one secret as name-?????? re-grants access to any secret later created under the same name (after a delete)")));
            } else if let Some(head) = res.strip_suffix('*') {
                if head
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    out.push(Finding::new(Severity::Warning, "secret-name-overmatch", path.to_string(), format!("{v}: `name*` also matches other secrets whose name starts the same (name-other); use name-?????? or a path prefix ending in /")));
                }
            }
        }
        if segs[2] == "lambda" && st.effect == Effect::Deny {
            if let Some(name) = res.strip_prefix("function:") {
                if !name.contains(':') && !name.ends_with('*') {
                    let qualified = format!("{v}:*");
                    if !r.values.contains(&qualified) {
                        out.push(Finding::new(Severity::Warning, "lambda-unqualified-deny", path.to_string(), format!("Deny on {v} does not cover qualified ARNs ({v}:VERSION); add {qualified}")));
                    }
                }
            }
        }
    }
}

/// `role/cudly-*`: the wildcard follows part of a path segment, so someone who can create a
/// role with a chosen path (`/cudly-evil/`) satisfies it.
fn role_prefix_wildcard(role: &str, full: &str, path: &str, out: &mut Vec<Finding>) {
    if let Some(i) = role.find(['*', '?']) {
        if i > 0 && !role[..i].ends_with('/') {
            out.push(Finding::new(Severity::Warning, "role-path-wildcard", path.to_string(), format!("{full}: the wildcard continues a partial name, so a role whose path starts with {:?} matches too; end the prefix at a / and restrict who creates roles under it", &role[..i])));
        }
    }
}

fn conditions(st: &Statement, path: &str, out: &mut Vec<Finding>) {
    for c in &st.conditions {
        let cp = format!("{path}.Condition.{}.{}", c.operator.raw, c.key);
        let op = &c.operator;
        if op.base == Base::Null && op.if_exists {
            out.push(Finding::new(
                Severity::Error,
                "null-ifexists",
                cp.clone(),
                "IfExists on Null is an error",
            ));
        }
        if op.base == Base::Null && op.qualifier.is_some() {
            out.push(Finding::new(
                Severity::Warning,
                "null-qualifier",
                cp.clone(),
                "ForAnyValue/ForAllValues on Null is meaningless",
            ));
        }
        if let Some(q) = op.qualifier {
            if is_single_valued(&c.key) {
                out.push(Finding::new(Severity::Warning, "set-qualifier-single-valued", cp.clone(), format!("{q:?} on the single-valued key {}: ForAllValues is then true when the key is absent, ForAnyValue behaves like the plain operator", c.key)));
            }
            if q == SetQualifier::ForAllValues && st.effect == Effect::Allow && !op.base.negated() {
                out.push(Finding::new(Severity::Warning, "forallvalues-allow", cp.clone(), "ForAllValues in an Allow is true when the key is absent or empty; pair it with a Null check"));
            }
        }
        if !op.base.takes_variables() && c.values.iter().any(|v| vars::has_vars(v)) {
            out.push(Finding::new(
                Severity::Error,
                "variable-operator",
                cp.clone(),
                "policy variables only work with String and Arn operators",
            ));
        }
        if matches!(op.base, Base::StringEquals | Base::StringNotEquals)
            && c.values
                .iter()
                .any(|v| pattern::has_wildcard(&strip_vars(v)))
        {
            out.push(Finding::new(
                Severity::Warning,
                "wildcard-without-like",
                cp.clone(),
                "* or ? in a StringEquals value is literal; use StringLike",
            ));
        }
        let kl = c.key.to_ascii_lowercase();
        if (kl == "aws:principalarn" || kl.ends_with("arn"))
            && matches!(op.base, Base::StringLike | Base::StringNotLike)
        {
            out.push(Finding::new(
                Severity::Info,
                "string-like-on-arn",
                cp.clone(),
                "StringLike's * crosses colons; ArnLike matches ARNs segment by segment",
            ));
        }
        if op.base == Base::Bool
            && !c
                .values
                .iter()
                .all(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"))
        {
            out.push(Finding::new(
                Severity::Error,
                "bool-value",
                cp.clone(),
                "Bool takes \"true\" or \"false\"",
            ));
        }
        if st.effect == Effect::Deny
            && op.if_exists
            && op.base.negated()
            && kl == "aws:principalarn"
        {
            out.push(Finding::new(
                Severity::Warning,
                "deny-ifexists-fails-open",
                cp,
                "aws:PrincipalArn is always present; IfExists here only hides mistakes",
            ));
        }
    }
}

fn strip_vars(v: &str) -> String {
    vars::parse(v)
        .into_iter()
        .filter_map(|p| match p {
            vars::Piece::Text(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn traps(st: &Statement, t: PolicyType, path: &str, out: &mut Vec<Finding>) {
    if st.effect == Effect::Deny && st.principal.as_ref().is_some_and(|p| p.negated) {
        out.push(Finding::new(Severity::Warning, "deny-notprincipal", path.to_string(), "Deny with NotPrincipal always denies principals that have a permissions boundary; use Deny with ArnNotEquals aws:PrincipalArn"));
    }
    if st.effect != Effect::Allow
        || matches!(t, PolicyType::Scp | PolicyType::Rcp | PolicyType::Trust)
    {
        return;
    }
    let broad_resource = st
        .resource
        .as_ref()
        .is_some_and(|r| r.negated || r.values.iter().any(|v| v == "*"));
    for s in SENSITIVE_ACTIONS {
        let hit: Option<&String> = if st.action.negated {
            (!st.action.values.iter().any(|a| pattern::glob(a, s, true)))
                .then_some(&st.action.values[0])
        } else {
            st.action.values.iter().find(|a| pattern::glob(a, s, true))
        };
        let Some(a) = hit else { continue };
        let wildcard = st.action.negated || pattern::has_wildcard(a);
        if broad_resource
            || wildcard
                && st.conditions.is_empty()
                && st
                    .resource
                    .as_ref()
                    .is_some_and(|r| r.values.iter().any(|v| pattern::has_wildcard(v)))
        {
            let sev = if broad_resource && st.conditions.is_empty() {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.push(Finding::new(
                sev,
                "sensitive-wildcard-allow",
                path.to_string(),
                format!(
                    "Allow of {s} (via {a:?}) on {} resources",
                    if broad_resource { "all" } else { "wildcard" }
                ),
            ));
        }
    }
}
