//! The policy engine on any input: parsing never panics, and a policy that
//! parses is checked as every policy type and evaluated in every layer
//! (identity, boundary, SCP, RCP, resource, trust) for a few requests, which
//! must all finish with a decision.

use policy::eval::PrincipalKind;
use policy::{
    check, evaluate, minify, Context, ContextValue, NamedPolicy, Policy, PolicySet, PolicyType,
    Request, RequestPrincipal,
};

const TYPES: [PolicyType; 5] = [
    PolicyType::Identity,
    PolicyType::Resource,
    PolicyType::Scp,
    PolicyType::Rcp,
    PolicyType::Trust,
];

/// Requests that reach conditions, variables and wildcards of every kind.
fn requests() -> Vec<Request> {
    let mut ctx = Context::new();
    ctx.set_one(
        "lambda:SourceFunctionArn",
        "arn:aws:lambda:eu-west-1:111111111111:function:keywhiz-syncer",
    );
    ctx.set_one("aws:SourceIp", "10.1.2.3");
    ctx.set_one("aws:CurrentTime", "2026-05-15T12:00:00Z");
    ctx.set_one("secretsmanager:BlockPublicPolicy", "true");
    ctx.set(
        "aws:TagKeys",
        ContextValue::Many(vec!["keywhiz-checksum".into(), "owner".into()]),
    );
    let role = RequestPrincipal::role("arn:aws:iam::111111111111:role/app/payments/lambda");
    vec![
        Request {
            principal: role.clone(),
            action: "secretsmanager:GetSecretValue".into(),
            resource: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:keywhiz/db-AbCdEf"
                .into(),
            resource_account: None,
            context: ctx.clone(),
        },
        Request {
            principal: RequestPrincipal::root("222222222222"),
            action: "iam:CreateRole".into(),
            resource: "arn:aws:iam::111111111111:role/app/payments/x".into(),
            resource_account: None,
            context: Context::new(),
        },
        Request {
            principal: RequestPrincipal::service("lambda.amazonaws.com"),
            action: "sts:AssumeRole".into(),
            resource: "arn:aws:iam::111111111111:role/platform/keywhiz-syncer".into(),
            resource_account: None,
            context: ctx,
        },
    ]
}

/// The first action and resource the policy names, so the evaluator follows
/// the policy's own patterns rather than only the fixed requests.
fn own_request(text: &str) -> Option<Request> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let st = match &v["Statement"] {
        serde_json::Value::Array(a) => a.first()?.clone(),
        o @ serde_json::Value::Object(_) => o.clone(),
        _ => return None,
    };
    let first = |k: &str| match &st[k] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => a.first().and_then(|x| x.as_str()).map(str::to_owned),
        _ => None,
    };
    let action = first("Action").or_else(|| first("NotAction"))?;
    let resource = first("Resource").unwrap_or_else(|| "*".into());
    Some(Request {
        principal: RequestPrincipal::role("arn:aws:iam::111111111111:role/platform/x"),
        action: action.replace(['*', '?'], "x"),
        resource: resource.replace(['*', '?'], "x"),
        resource_account: None,
        context: Context::new(),
    })
}

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for t in TYPES {
        let _ = check(text, t);
    }
    let _ = minify(text);
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    let p = NamedPolicy::new("fuzz", policy);
    let sets = [
        PolicySet {
            identity: vec![p.clone()],
            ..PolicySet::default()
        },
        PolicySet {
            identity: vec![p.clone()],
            boundary: Some(p.clone()),
            scp: vec![("root".into(), vec![p.clone()])],
            rcp: vec![("root".into(), vec![p.clone()])],
            resource: Some(p.clone()),
            ..PolicySet::default()
        },
        PolicySet {
            resource: Some(p),
            resource_is_trust: true,
            ..PolicySet::default()
        },
    ];
    let mut reqs = requests();
    reqs.extend(own_request(text));
    for req in &reqs {
        for set in &sets {
            let d = evaluate(req, set);
            // An allow is always explained by the statements that allowed it
            // (the root user needs no identity policy, so it may stand alone).
            assert!(
                !d.allowed || !d.deciding.is_empty() || req.principal.kind == PrincipalKind::Root,
                "allowed without a deciding statement: {d:?}"
            );
        }
    }
}
