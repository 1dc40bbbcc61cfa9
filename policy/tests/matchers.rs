//! Property tests: the wildcard and ARN matchers agree with a simple backtracking reference.

use policy::{arn, pattern};
use proptest::prelude::*;

/// Reference: plain recursive backtracking over bytes.
fn reference_glob(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| reference_glob(rest, &t[i..])),
        Some(('?', rest)) => !t.is_empty() && reference_glob(rest, &t[1..]),
        Some((c, rest)) => t.first() == Some(c) && reference_glob(rest, &t[1..]),
    }
}

/// Reference ARN match: a lone `*` matches all; else split both into six segments (the last
/// keeps its colons) and glob each segment on its own.
fn reference_arn(p: &str, t: &str) -> bool {
    if p == "*" {
        return true;
    }
    let ps: Vec<&str> = p.splitn(6, ':').collect();
    let ts: Vec<&str> = t.splitn(6, ':').collect();
    ps.len() == 6
        && ts.len() == 6
        && ps.iter().zip(&ts).all(|(a, b)| {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            reference_glob(&a, &b)
        })
}

fn pat() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ab*?:/]{0,10}").unwrap_or_else(|e| panic!("{e}"))
}

fn txt() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ab:/]{0,12}").unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn glob_agrees_with_reference(p in pat(), t in txt()) {
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        prop_assert_eq!(pattern::glob(&p, &t, false), reference_glob(&pc, &tc), "pattern {:?} text {:?}", p, t);
    }

    #[test]
    fn glob_case_folding(p in pat(), t in txt()) {
        let upper = t.to_uppercase();
        prop_assert_eq!(pattern::glob(&p, &upper, true), pattern::glob(&p, &t, false));
    }

    #[test]
    fn arn_agrees_with_reference(p in "[ab*?]{0,3}(:[ab*?]{0,3}){0,6}", t in "[ab]{0,3}(:[ab/]{0,3}){0,7}") {
        prop_assert_eq!(arn::like(&p, &t), reference_arn(&p, &t), "pattern {:?} arn {:?}", p, t);
    }

    #[test]
    fn a_literal_arn_matches_itself(t in "arn:aws:[a-z]{1,5}:[a-z0-9-]{0,9}:[0-9]{0,12}:[a-z/:]{1,12}") {
        prop_assert!(arn::like(&t, &t));
    }
}
