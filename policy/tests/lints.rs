//! Each lint fires on the trap it is named after, and not on the clean bundle.

use policy::{check, PolicyType, Severity};

fn codes(doc: &str, t: PolicyType) -> Vec<String> {
    check(doc, t).into_iter().map(|f| f.code).collect()
}

fn st(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#)
}

#[test]
fn grammar_per_type() {
    let with_principal = st(r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#);
    assert!(codes(&with_principal, PolicyType::Scp).contains(&"scp-principal".into()));
    assert!(codes(&with_principal, PolicyType::Identity).contains(&"identity-principal".into()));
    assert!(!codes(&with_principal, PolicyType::Rcp)
        .iter()
        .any(|c| c.starts_with("rcp-")));
    let rcp_allow =
        st(r#"{"Effect":"Allow","Principal":"*","NotAction":"s3:Get*","Resource":"*"}"#);
    let c = codes(&rcp_allow, PolicyType::Rcp);
    assert!(
        c.contains(&"rcp-allow".into()) && c.contains(&"rcp-notaction".into()),
        "{c:?}"
    );
    let rcp_svc =
        st(r#"{"Effect":"Deny","Principal":"*","Action":"ec2:RunInstances","Resource":"*"}"#);
    assert!(codes(&rcp_svc, PolicyType::Rcp).contains(&"rcp-service".into()));
    let no_principal = st(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    assert!(
        codes(&no_principal, PolicyType::Resource).contains(&"resource-principal-missing".into())
    );
    let trust = st(
        r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:GetObject","Resource":"*"}"#,
    );
    let c = codes(&trust, PolicyType::Trust);
    assert!(
        c.contains(&"trust-resource".into()) && c.contains(&"trust-action".into()),
        "{c:?}"
    );
}

#[test]
fn traps() {
    let role_prefix = st(
        r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/cudly-*"}"#,
    );
    assert!(codes(&role_prefix, PolicyType::Identity).contains(&"role-path-wildcard".into()));
    let role_path = st(
        r#"{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/cudly/*"}"#,
    );
    assert!(!codes(&role_path, PolicyType::Identity).contains(&"role-path-wildcard".into()));
    let regrant = st(
        r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-??????"}"#,
    );
    assert!(codes(&regrant, PolicyType::Identity).contains(&"secret-suffix-regrant".into()));
    let over = st(
        r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:111111111111:secret:db*"}"#,
    );
    assert!(codes(&over, PolicyType::Identity).contains(&"secret-name-overmatch".into()));
    let notp = st(
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/x"},"Action":"*","Resource":"*"}"#,
    );
    assert!(codes(&notp, PolicyType::Resource).contains(&"deny-notprincipal".into()));
    let fav = st(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:PrincipalArn":"x"}}}"#,
    );
    let c = codes(&fav, PolicyType::Identity);
    assert!(
        c.contains(&"set-qualifier-single-valued".into())
            && c.contains(&"forallvalues-allow".into()),
        "{c:?}"
    );
    let nie = st(
        r#"{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:SourceIp":"true"}}}"#,
    );
    assert!(codes(&nie, PolicyType::Scp).contains(&"null-ifexists".into()));
    let passrole = st(r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#);
    let f = check(&passrole, PolicyType::Identity);
    assert!(f
        .iter()
        .any(|f| f.code == "sensitive-wildcard-allow" && f.severity == Severity::Error));
    let lambda = st(
        r#"{"Effect":"Deny","Action":"lambda:UpdateFunctionCode","Resource":"arn:aws:lambda:*:*:function:keywhiz-syncer"}"#,
    );
    assert!(codes(&lambda, PolicyType::Scp).contains(&"lambda-unqualified-deny".into()));
    let nov = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username}/*"}]}"#;
    assert!(codes(nov, PolicyType::Identity).contains(&"version-missing".into()));
    let eq = st(
        r#"{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/x":"a*"}}}"#,
    );
    assert!(codes(&eq, PolicyType::Scp).contains(&"wildcard-without-like".into()));
    let num = st(
        r#"{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"${aws:username}"}}}"#,
    );
    assert!(codes(&num, PolicyType::Scp).contains(&"variable-operator".into()));
    let dup = st(
        r#"{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
    );
    assert!(codes(&dup, PolicyType::Scp).contains(&"sid-duplicate".into()));
}

#[test]
fn sizes_and_templates() {
    let long: Vec<String> = (0..400)
        .map(|i| format!(r#""s3:GetObjectVersion{i:04}""#))
        .collect();
    let doc = st(&format!(
        r#"{{"Effect":"Deny","Action":[{}],"Resource":"*"}}"#,
        long.join(",")
    ));
    assert!(codes(&doc, PolicyType::Scp).contains(&"size-limit".into()));
    assert!(!codes(&doc, PolicyType::Resource).contains(&"size-limit".into()));
    let tmpl = st(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${bucket}/*"}"#);
    assert!(codes(&tmpl, PolicyType::Identity).contains(&"unrendered".into()));
    let f = check("{\"Version\": ", PolicyType::Scp);
    assert_eq!(f[0].code, "json");
}
