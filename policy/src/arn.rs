//! ARN matching per segment, as ArnLike/ArnEquals and the Resource element do it.

use crate::pattern::{matches_toks, Tok};

/// Splits text into at most six colon-separated ARN segments; the sixth keeps any further colons.
pub fn split(text: &str) -> Vec<&str> {
    text.splitn(6, ':').collect()
}

/// The account segment of an ARN, if it has one.
pub fn account(arn: &str) -> Option<&str> {
    let parts = split(arn);
    (parts.len() == 6 && !parts[4].is_empty()).then(|| parts[4])
}

/// The service segment of an ARN.
pub fn service(arn: &str) -> Option<&str> {
    let parts = split(arn);
    (parts.len() == 6).then(|| parts[2])
}

fn split_toks(pat: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::with_capacity(6);
    let mut start = 0;
    for (i, t) in pat.iter().enumerate() {
        if out.len() == 5 {
            break;
        }
        if *t == Tok::Lit(':') {
            out.push(&pat[start..i]);
            start = i + 1;
        }
    }
    out.push(&pat[start..]);
    out
}

/// Matches an ARN pattern (already tokenised, variables resolved) against an ARN.
/// A lone `*` matches anything. Otherwise both must have six segments and each
/// segment is matched on its own, so a wildcard never crosses a segment boundary
/// (inside the sixth segment, the resource, it does cross `/` and `:`).
pub fn matches(pat: &[Tok], arn: &str) -> bool {
    if pat == [Tok::Star] {
        return true;
    }
    let psegs = split_toks(pat);
    let tsegs = split(arn);
    if psegs.len() != 6 || tsegs.len() != 6 {
        return false;
    }
    psegs.iter().zip(tsegs.iter()).all(|(p, t)| {
        let chars: Vec<char> = t.chars().collect();
        matches_toks(p, &chars, false)
    })
}

/// ARN pattern text (no policy variables) against an ARN, without allocating.
pub fn like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut ps = pattern.splitn(6, ':');
    let mut ts = arn.splitn(6, ':');
    for _ in 0..6 {
        match (ps.next(), ts.next()) {
            (Some(p), Some(t)) if crate::pattern::glob(p, t, false) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_segment() {
        let syncer = "arn:aws:iam::111111111111:role/platform/keywhiz-syncer";
        assert!(like("arn:aws:iam::*:role/platform/keywhiz-syncer", syncer));
        // `*` in the account segment cannot swallow the resource segment.
        assert!(!like("arn:aws:iam::*", syncer));
        assert!(like("*", syncer));
        // StringLike would accept this (the `*` crosses colons); ArnLike does not.
        assert!(crate::pattern::glob(
            "arn:aws:*:role/platform/keywhiz-syncer",
            syncer,
            false
        ));
        assert!(!like("arn:aws:*:role/platform/keywhiz-syncer", syncer));
        // The resource segment keeps its colons.
        assert!(like(
            "arn:aws:lambda:*:*:function:keywhiz-syncer:*",
            "arn:aws:lambda:eu-west-1:1:function:keywhiz-syncer:3"
        ));
        assert!(!like(
            "arn:aws:lambda:*:*:function:keywhiz-syncer",
            "arn:aws:lambda:eu-west-1:1:function:keywhiz-syncer:3"
        ));
        assert!(!like("arn:aws:s3:::b", "*"));
        assert_eq!(account(syncer), Some("111111111111"));
        assert_eq!(account("arn:aws:s3:::bucket"), None);
    }
}
