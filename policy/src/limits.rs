//! Size limits per policy type, and a minifier that keeps key order.

use crate::kind::{Finding, PolicyType, Severity};

/// How a limit counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Counting {
    /// Every character as sent, whitespace included (SCP, RCP, Secrets Manager).
    AsSent,
    /// Whitespace outside strings not counted (IAM).
    WithoutWhitespace,
}

/// A size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limit {
    /// Maximum characters.
    pub max: usize,
    /// How they are counted.
    pub counting: Counting,
    /// Name of the quota.
    pub what: &'static str,
}

/// The limit for a type: SCP 10,240 as sent (since 2026-05-15); RCP 5,120 as sent;
/// managed identity policy 6,144 without whitespace; trust policy 2,048 (default quota)
/// without whitespace; Secrets Manager resource policy 20,480 as sent.
pub fn limit(t: PolicyType) -> Limit {
    use Counting::{AsSent, WithoutWhitespace};
    let (max, counting, what) = match t {
        PolicyType::Scp => (10_240, AsSent, "SCP document"),
        PolicyType::Rcp => (5_120, AsSent, "RCP document"),
        PolicyType::Identity => (6_144, WithoutWhitespace, "managed IAM policy"),
        PolicyType::Trust => (
            2_048,
            WithoutWhitespace,
            "role trust policy (default quota)",
        ),
        PolicyType::Resource => (20_480, AsSent, "Secrets Manager resource policy"),
    };
    Limit {
        max,
        counting,
        what,
    }
}

/// Total of all inline policies of one role, whitespace not counted.
pub const ROLE_INLINE_TOTAL: usize = 10_240;

/// Removes whitespace outside JSON strings, keeping everything else (and key order) as is.
pub fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_str, mut esc) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Sizes of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    /// Characters as given.
    pub chars: usize,
    /// Characters once minified.
    pub minified_chars: usize,
    /// UTF-8 bytes once minified.
    pub minified_bytes: usize,
}

/// Measures a document.
pub fn sizes(text: &str) -> Sizes {
    let m = minify(text);
    Sizes {
        chars: text.chars().count(),
        minified_chars: m.chars().count(),
        minified_bytes: m.len(),
    }
}

/// Size findings for one document of a type.
pub fn check(text: &str, t: PolicyType) -> Vec<Finding> {
    let mut out = Vec::new();
    let l = limit(t);
    let s = sizes(text);
    let counted = match l.counting {
        Counting::AsSent => s.chars,
        Counting::WithoutWhitespace => s.minified_chars,
    };
    if counted > l.max {
        let hint = if l.counting == Counting::AsSent && s.minified_chars <= l.max {
            format!(
                " (minified it is {} and fits: send it minified)",
                s.minified_chars
            )
        } else {
            String::new()
        };
        out.push(Finding::new(
            Severity::Error,
            "size-limit",
            "$",
            format!(
                "{} is {counted} characters, over the {} limit of {}{hint}",
                l.what, l.what, l.max
            ),
        ));
    } else if counted * 10 > l.max * 9 {
        out.push(Finding::new(
            Severity::Warning,
            "size-near-limit",
            "$",
            format!("{} is {counted} of {} characters", l.what, l.max),
        ));
    }
    if matches!(t, PolicyType::Identity | PolicyType::Trust) {
        if let Some(c) = text
            .chars()
            .find(|c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
        {
            out.push(Finding::new(
                Severity::Error,
                "iam-charset",
                "$",
                format!("IAM accepts only tab, newline, return and U+0020-U+00FF; found {c:?}"),
            ));
        }
    }
    out
}

/// Checks the total of a role's inline policies.
pub fn check_inline_total(role: &str, docs: &[&str]) -> Option<Finding> {
    let total: usize = docs.iter().map(|d| sizes(d).minified_chars).sum();
    (total > ROLE_INLINE_TOTAL).then(|| {
        Finding::new(
            Severity::Error,
            "size-inline-total",
            "$",
            format!(
                "inline policies of role {role} total {total} characters, over {ROLE_INLINE_TOTAL}"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_strings_and_order() {
        let j = "{ \"b\" : \"a b\\\" c\",\n \"a\": [1, 2] }";
        assert_eq!(minify(j), "{\"b\":\"a b\\\" c\",\"a\":[1,2]}");
    }

    #[test]
    fn scp_counts_whitespace_identity_does_not() {
        let body = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":[]{}}}",
            " ".repeat(10_300)
        );
        assert!(check(&body, PolicyType::Scp)
            .iter()
            .any(|f| f.code == "size-limit" && f.message.contains("minified")));
        assert!(check(&body, PolicyType::Identity).is_empty());
    }
}
