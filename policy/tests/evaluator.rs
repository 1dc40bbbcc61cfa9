//! Decision logic: explicit deny, SCP levels, RCPs, NotAction/NotResource, resource policies
//! in and across accounts, boundaries, trust policies, the Deny+NotPrincipal trap.

use policy::eval::{NamedPolicy, PolicySet, Reason, Request, RequestPrincipal};
use policy::{evaluate, Context, Policy};

const ROLE: &str = "arn:aws:iam::111111111111:role/team/worker";
const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf";
const OTHER_SECRET: &str = "arn:aws:secretsmanager:eu-west-1:222222222222:secret:db-AbCdEf";

fn p(name: &str, json: &str) -> NamedPolicy {
    NamedPolicy::new(
        name,
        Policy::parse(json).unwrap_or_else(|e| panic!("{name}: {e}")),
    )
}

fn allow_all() -> NamedPolicy {
    p(
        "full",
        r#"{"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}}"#,
    )
}

fn req(principal: &str, action: &str, resource: &str) -> Request {
    Request {
        principal: RequestPrincipal::role(principal),
        action: action.into(),
        resource: resource.into(),
        resource_account: None,
        context: Context::new(),
    }
}

#[test]
fn default_is_implicit_deny() {
    let d = evaluate(
        &req(ROLE, "secretsmanager:GetSecretValue", SECRET),
        &PolicySet::default(),
    );
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::NoAllow("identity".into()));
}

#[test]
fn explicit_deny_anywhere_wins_and_is_reported() {
    let set = PolicySet {
        identity: vec![
            allow_all(),
            p(
                "deny",
                r#"{"Version":"2012-10-17","Statement":{"Sid":"NoGet","Effect":"Deny","Action":"secretsmanager:Get*","Resource":"*"}}"#,
            ),
        ],
        ..Default::default()
    };
    let d = evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set);
    assert_eq!(d.reason, Reason::ExplicitDeny);
    assert_eq!(d.deciding.len(), 1);
    assert_eq!(d.deciding[0].statement, "NoGet");
}

#[test]
fn scp_union_within_a_level_intersection_across_levels() {
    let only_sm = p(
        "only-sm",
        r#"{"Version":"2012-10-17","Statement":{"Sid":"SM","Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}}"#,
    );
    let only_s3 = p(
        "only-s3",
        r#"{"Version":"2012-10-17","Statement":{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
    );
    let set = PolicySet {
        scp: vec![
            ("root".into(), vec![allow_all()]),
            ("ou".into(), vec![only_sm.clone(), only_s3.clone()]), // union: sm or s3
            ("account".into(), vec![only_sm]),                     // intersection: sm only
        ],
        identity: vec![allow_all()],
        ..Default::default()
    };
    assert!(evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set).allowed);
    let d = evaluate(&req(ROLE, "s3:GetObject", "arn:aws:s3:::b/k"), &set);
    assert_eq!(d.reason, Reason::NoAllow("scp[account]".into()));
    let d = evaluate(&req(ROLE, "ec2:RunInstances", "*"), &set);
    assert_eq!(d.reason, Reason::NoAllow("scp[ou]".into()));
}

#[test]
fn rcp_deny_applies_to_the_resource() {
    let rcp = p(
        "rcp",
        r#"{"Version":"2012-10-17","Statement":{"Sid":"Org","Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-abcdefghij"}}}}"#,
    );
    let full = p(
        "rcpfull",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
    );
    let set = PolicySet {
        rcp: vec![("root".into(), vec![full, rcp])],
        identity: vec![allow_all()],
        ..Default::default()
    };
    let mut r = req(ROLE, "secretsmanager:GetSecretValue", SECRET);
    assert_eq!(evaluate(&r, &set).reason, Reason::ExplicitDeny);
    r.context.set_one("aws:PrincipalOrgID", "o-abcdefghij");
    assert!(evaluate(&r, &set).allowed);
}

#[test]
fn not_action_and_not_resource() {
    let set = PolicySet {
        identity: vec![
            allow_all(),
            p(
                "na",
                r#"{"Version":"2012-10-17","Statement":{"Sid":"ReadOnly","Effect":"Deny","NotAction":["secretsmanager:Get*","secretsmanager:Describe*"],"NotResource":"arn:aws:secretsmanager:*:*:secret:scratch/*"}}"#,
            ),
        ],
        ..Default::default()
    };
    assert!(evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set).allowed);
    assert!(!evaluate(&req(ROLE, "secretsmanager:PutSecretValue", SECRET), &set).allowed);
    // Outside the NotResource exception the deny does not apply.
    let scratch = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:scratch/x-AbCdEf";
    assert!(evaluate(&req(ROLE, "secretsmanager:PutSecretValue", scratch), &set).allowed);
    // Deny+NotAction also denies actions of other services.
    assert!(!evaluate(&req(ROLE, "s3:PutObject", "arn:aws:s3:::b/k"), &set).allowed);
}

#[test]
fn same_account_resource_policy_naming_the_role_needs_no_identity_allow_but_obeys_the_boundary() {
    let res = p(
        "res",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Sid":"R","Effect":"Allow","Principal":{{"AWS":"{ROLE}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}}}"#
        ),
    );
    let mut set = PolicySet {
        resource: Some(res),
        ..Default::default()
    };
    let d = evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set);
    assert!(d.allowed, "{d:?}");
    assert!(d.deciding.iter().any(|s| s.statement == "R"));
    set.boundary = Some(p(
        "b",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
    ));
    assert_eq!(
        evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set).reason,
        Reason::NoAllow("boundary".into())
    );
}

#[test]
fn same_account_resource_policy_naming_the_session_ignores_the_boundary() {
    let r = req(ROLE, "secretsmanager:GetSecretValue", SECRET);
    let session = r.principal.session_arn().unwrap_or_default();
    assert_eq!(session, "arn:aws:sts::111111111111:assumed-role/worker/s2s");
    let res = p(
        "res",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"{session}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}}}"#
        ),
    );
    let set = PolicySet {
        resource: Some(res),
        boundary: Some(p(
            "b",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        )),
        ..Default::default()
    };
    assert!(evaluate(&r, &set).allowed);
}

#[test]
fn resource_policy_naming_the_account_still_needs_identity() {
    let res = p(
        "res",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"*","Resource":"*"}}"#,
    );
    let set = PolicySet {
        resource: Some(res),
        ..Default::default()
    };
    assert_eq!(
        evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set).reason,
        Reason::NoAllow("identity".into())
    );
}

#[test]
fn cross_account_needs_both_sides() {
    let res = p(
        "res",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Sid":"R","Effect":"Allow","Principal":{{"AWS":"{ROLE}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}}}"#
        ),
    );
    let across = req(ROLE, "secretsmanager:GetSecretValue", OTHER_SECRET);
    // Across accounts, either side alone is not enough.
    let one_side = [
        (
            "resource policy alone",
            Some(res.clone()),
            vec![],
            Reason::NoAllow("identity".into()),
        ),
        (
            "identity policy alone",
            None,
            vec![allow_all()],
            Reason::NoAllow("resource (no resource policy)".into()),
        ),
    ];
    for (case, resource, identity, reason) in one_side {
        let set = PolicySet {
            resource,
            identity,
            ..Default::default()
        };
        assert_eq!(evaluate(&across, &set).reason, reason, "{case}");
    }
    let set = PolicySet {
        identity: vec![allow_all()],
        resource: Some(res),
        ..Default::default()
    };
    let d = evaluate(&across, &set);
    assert!(d.allowed);
    assert!(
        d.deciding.iter().any(|s| s.statement == "R")
            && d.deciding.iter().any(|s| s.statement == "All")
    );
}

#[test]
fn trust_policies_must_allow_explicitly_even_in_the_same_account() {
    let role = "arn:aws:iam::111111111111:role/target";
    let set = PolicySet {
        identity: vec![allow_all()],
        resource_is_trust: true,
        ..Default::default()
    };
    assert!(!evaluate(&req(ROLE, "sts:AssumeRole", role), &set).allowed);
    let trust = p(
        "trust",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"{ROLE}"}},"Action":"sts:AssumeRole"}}}}"#
        ),
    );
    let set = PolicySet {
        resource: Some(trust),
        resource_is_trust: true,
        ..Default::default()
    };
    assert!(evaluate(&req(ROLE, "sts:AssumeRole", role), &set).allowed);
    let mut svc = req(ROLE, "sts:AssumeRole", role);
    svc.principal = RequestPrincipal::service("lambda.amazonaws.com");
    assert!(!evaluate(&svc, &set).allowed);
}

#[test]
fn deny_with_not_principal_always_hits_principals_with_a_boundary() {
    let res = p(
        "res",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Sid":"Trap","Effect":"Deny","NotPrincipal":{{"AWS":"{ROLE}"}},"Action":"*","Resource":"*"}}]}}"#
        ),
    );
    let mut set = PolicySet {
        identity: vec![allow_all()],
        resource: Some(res),
        ..Default::default()
    };
    assert!(evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set).allowed);
    set.boundary = Some(allow_all());
    let d = evaluate(&req(ROLE, "secretsmanager:GetSecretValue", SECRET), &set);
    assert_eq!(d.reason, Reason::ExplicitDeny);
    assert_eq!(d.deciding[0].statement, "Trap");
}

#[test]
fn root_user_needs_no_identity_policy_but_obeys_scps() {
    let mut r = req(ROLE, "secretsmanager:GetSecretValue", SECRET);
    r.principal = RequestPrincipal::root("111111111111");
    assert!(evaluate(&r, &PolicySet::default()).allowed);
    let deny = p(
        "scp",
        r#"{"Version":"2012-10-17","Statement":{"Sid":"No","Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}}"#,
    );
    let set = PolicySet {
        scp: vec![("root".into(), vec![allow_all(), deny])],
        ..Default::default()
    };
    assert!(!evaluate(&r, &set).allowed);
}

#[test]
fn resource_variables_and_arn_segments() {
    let id = p(
        "id",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*:${aws:PrincipalAccount}:secret:${aws:PrincipalTag/team, 'none'}/*"}}"#,
    );
    let set = PolicySet {
        identity: vec![id],
        ..Default::default()
    };
    let team = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:blue/db-AbCdEf";
    let mut r = req(ROLE, "secretsmanager:GetSecretValue", team);
    assert!(
        !evaluate(&r, &set).allowed,
        "no tag: default 'none' does not match blue/"
    );
    r.context.set_one("aws:PrincipalTag/team", "blue");
    assert!(evaluate(&r, &set).allowed);
    // The account segment comes from the variable: another account's ARN does not match.
    let mut r2 = req(
        ROLE,
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:eu-west-1:222222222222:secret:blue/db-AbCdEf",
    );
    r2.context.set_one("aws:PrincipalTag/team", "blue");
    r2.resource_account = Some("111111111111".into());
    assert!(!evaluate(&r2, &set).allowed);
    // Action names are case-insensitive.
    let mut r3 = r.clone();
    r3.action = "SecretsManager:getsecretvalue".into();
    assert!(evaluate(&r3, &set).allowed);
}
