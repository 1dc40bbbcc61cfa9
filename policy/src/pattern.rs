//! Wildcard patterns (`*` and `?`) as used by Action, Resource, StringLike and ArnLike.

/// One token of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// A literal character.
    Lit(char),
    /// `*`: any sequence of characters, including none.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Turns pattern text into tokens: `*` and `?` are wildcards, everything else is literal.
pub fn tokens(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Tokens that match `text` literally (no wildcards).
pub fn literal(text: &str) -> Vec<Tok> {
    text.chars().map(Tok::Lit).collect()
}

fn same(a: char, b: char, fold_case: bool) -> bool {
    a == b || (fold_case && a.to_lowercase().eq(b.to_lowercase()))
}

/// What a pattern element is to the matcher.
#[derive(PartialEq, Eq)]
enum Wild {
    /// `*`: any run of characters.
    Star,
    /// `?`: any one character.
    One,
    /// A character that must match.
    Literal,
}

/// Does the whole of `text` match `pat`? Linear-time greedy matching with a single
/// backtrack point, which is exact for patterns made of `*`, `?` and literals.
/// `wild` tells the elements apart, `same` compares a literal with a character.
fn greedy_match<P, T>(
    pat: &[P],
    text: &[T],
    wild: impl Fn(&P) -> Wild,
    same: impl Fn(&P, &T) -> bool,
) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p).map(|x| (x, wild(x))) {
            Some((_, Wild::Star)) => {
                star = Some((p, t));
                p += 1;
            }
            Some((_, Wild::One)) => {
                p += 1;
                t += 1;
            }
            Some((x, Wild::Literal)) if same(x, &text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|x| wild(x) == Wild::Star)
}

/// Does the whole of `text` match the tokens `pat`?
pub fn matches_toks(pat: &[Tok], text: &[char], fold_case: bool) -> bool {
    let wild = |t: &Tok| match t {
        Tok::Star => Wild::Star,
        Tok::One => Wild::One,
        Tok::Lit(_) => Wild::Literal,
    };
    let literal = |t: &Tok, c: &char| matches!(t, Tok::Lit(l) if same(*l, *c, fold_case));
    greedy_match(pat, text, wild, literal)
}

/// Matches pattern text (`*`, `?` wildcards) against text without allocating.
pub fn glob(pattern: &str, text: &str, fold_case: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob_bytes(pattern.as_bytes(), text.as_bytes(), fold_case);
    }
    let chars: Vec<char> = text.chars().collect();
    matches_toks(&tokens(pattern), &chars, fold_case)
}

/// [`matches_toks`] over ASCII bytes, where the pattern needs no tokens.
fn glob_bytes(pat: &[u8], text: &[u8], fold_case: bool) -> bool {
    let wild = |b: &u8| match b {
        b'*' => Wild::Star,
        b'?' => Wild::One,
        _ => Wild::Literal,
    };
    let literal = |a: &u8, b: &u8| a == b || (fold_case && a.eq_ignore_ascii_case(b));
    greedy_match(pat, text, wild, literal)
}

/// Does the pattern text contain a wildcard?
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert!(glob("*", "", false));
        assert!(glob("a*c", "abbbc", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "ac", false));
        assert!(glob(
            "secretsmanager:Get*",
            "SecretsManager:GetSecretValue",
            true
        ));
        assert!(!glob(
            "secretsmanager:Get*",
            "SecretsManager:GetSecretValue",
            false
        ));
        assert!(glob("*a*b", "xxaxxbxb", false));
        assert!(!glob("keywhiz/*", "keywhizz/x", false));
        assert!(glob("keywhiz/*", "keywhiz/a/b:c", false));
    }
}
