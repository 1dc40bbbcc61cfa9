//! IAM policy variables: `${aws:username}`, `${aws:PrincipalTag/app, 'none'}`, `${*}`.
//!
//! Template parameters (`${account_id}`) are a different thing, handled by `render`;
//! by the time a policy is evaluated none should be left.

use crate::context::Context;
use crate::pattern::Tok;

/// One piece of a policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text as written (wildcards still meaningful where the operator allows them).
    Text(String),
    /// A policy variable.
    Var {
        /// Condition key named by the variable.
        key: String,
        /// Default value (`${key, 'default'}`).
        default: Option<String>,
    },
    /// `${*}`, `${?}` or `${$}`: a literal character.
    Escaped(char),
}

/// Splits a policy string into text and variables.
pub fn parse(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut text = String::new();
    while let Some(i) = rest.find("${") {
        let Some(end) = rest[i..].find('}') else {
            break;
        };
        text.push_str(&rest[..i]);
        let inner = rest[i + 2..i + end].trim();
        match inner {
            "*" | "?" | "$" => {
                flush(&mut out, &mut text);
                out.push(Piece::Escaped(inner.chars().next().unwrap_or('$')));
            }
            _ => {
                flush(&mut out, &mut text);
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => {
                        let d = d.trim();
                        let d = d
                            .strip_prefix('\'')
                            .and_then(|d| d.strip_suffix('\''))
                            .unwrap_or(d);
                        (k.trim().to_string(), Some(d.to_string()))
                    }
                    None => (inner.to_string(), None),
                };
                out.push(Piece::Var { key, default });
            }
        }
        rest = &rest[i + end + 1..];
    }
    text.push_str(rest);
    flush(&mut out, &mut text);
    out
}

fn flush(out: &mut Vec<Piece>, text: &mut String) {
    if !text.is_empty() {
        out.push(Piece::Text(std::mem::take(text)));
    }
}

/// Does the string use policy variables?
pub fn has_vars(s: &str) -> bool {
    parse(s).iter().any(|p| !matches!(p, Piece::Text(_)))
}

fn lookup<'a>(ctx: &'a Context, key: &str, default: &'a Option<String>) -> Option<&'a str> {
    ctx.single(key).or(default.as_deref())
}

/// Resolves a string into wildcard tokens. Text keeps its wildcards when `wild` is true;
/// variable values are always literal. `None` means a variable had no value (null).
pub fn resolve_toks(s: &str, ctx: &Context, enabled: bool, wild: bool) -> Option<Vec<Tok>> {
    if !enabled {
        return Some(text_toks(s, wild));
    }
    let mut out = Vec::new();
    for p in parse(s) {
        match p {
            Piece::Text(t) => out.extend(text_toks(&t, wild)),
            Piece::Escaped(c) => out.push(Tok::Lit(c)),
            Piece::Var { key, default } => {
                let v = lookup(ctx, &key, &default)?;
                out.extend(v.chars().map(Tok::Lit));
            }
        }
    }
    Some(out)
}

fn text_toks(s: &str, wild: bool) -> Vec<Tok> {
    if wild {
        crate::pattern::tokens(s)
    } else {
        crate::pattern::literal(s)
    }
}

/// Resolves a string for an exact comparison. `None` means null.
pub fn resolve_text(s: &str, ctx: &Context, enabled: bool) -> Option<String> {
    if !enabled {
        return Some(s.to_string());
    }
    let mut out = String::new();
    for p in parse(s) {
        match p {
            Piece::Text(t) => out.push_str(&t),
            Piece::Escaped(c) => out.push(c),
            Piece::Var { key, default } => out.push_str(lookup(ctx, &key, &default)?),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_defaults() {
        let mut ctx = Context::new();
        ctx.set_one("aws:PrincipalAccount", "111111111111");
        let s = "arn:aws:iam::${aws:PrincipalAccount}:role/x";
        assert_eq!(
            resolve_text(s, &ctx, true).as_deref(),
            Some("arn:aws:iam::111111111111:role/x")
        );
        assert_eq!(resolve_text(s, &ctx, false).as_deref(), Some(s));
        assert_eq!(resolve_text("${aws:PrincipalTag/app}", &ctx, true), None);
        assert_eq!(
            resolve_text("${aws:PrincipalTag/app, 'none'}", &ctx, true).as_deref(),
            Some("none")
        );
        assert_eq!(resolve_text("a${*}b", &ctx, true).as_deref(), Some("a*b"));
        // A variable's value is literal even where wildcards are allowed.
        ctx.set_one("aws:username", "a*");
        let toks = resolve_toks("${aws:username}", &ctx, true, true).unwrap_or_default();
        assert_eq!(toks, vec![Tok::Lit('a'), Tok::Lit('*')]);
    }
}
