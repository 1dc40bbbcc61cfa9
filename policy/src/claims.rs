//! Claims: a table of requests with the expected decision, proven against a world.
//!
//! Format: Markdown tables in `*.md` files. Columns (by header name): `id`, `principal`,
//! `action`, `resource`, `context`, `expect`, and optionally `decided by` and `guardrail`.
//! `context` is `-` or `key=value; key=[v1,v2]`. `{account}` expands to the account ID.
//! `decided by` lists entries that must all be among the deciding statements:
//! `policy#Sid` (matched as a suffix of `name#Sid`) or `implicit:<layer>`.

use crate::context::{Context, Value};
use crate::error::{Error, Result};
use crate::eval::{Decision, Reason, Request};
use crate::world::World;
use std::path::Path;

/// One row.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Row id.
    pub id: String,
    /// World principal name.
    pub principal: String,
    /// Action.
    pub action: String,
    /// Resource ARN (placeholders expanded at proof time).
    pub resource: String,
    /// Context cell as written.
    pub context: String,
    /// Expected: allowed?
    pub allow: bool,
    /// Expected deciding statements.
    pub decided_by: Vec<String>,
    /// Guardrail the row covers.
    pub guardrail: String,
    /// `file:line`.
    pub origin: String,
}

/// Parses the claims in a file or in every `*.md` file of a directory.
pub fn load(path: &Path) -> Result<Vec<Claim>> {
    let mut files = Vec::new();
    if path.is_dir() {
        let rd = std::fs::read_dir(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "md") {
                files.push(e.path());
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|source| Error::Io {
            path: f.display().to_string(),
            source,
        })?;
        out.extend(parse(&text, &f.display().to_string())?);
    }
    Ok(out)
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim().trim_start_matches('|').trim_end_matches('|');
    t.split('|')
        .map(|c| c.trim().trim_matches('`').trim().to_string())
        .collect()
}

/// Parses Markdown table rows into claims.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Claim>> {
    let mut header: Option<Vec<String>> = None;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if !l.starts_with('|') {
            header = None;
            continue;
        }
        let cs = cells(l);
        if cs
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':' || ch == ' '))
        {
            continue;
        }
        let Some(h) = &header else {
            header = Some(cs.iter().map(|c| c.to_ascii_lowercase()).collect());
            continue;
        };
        let col = |name: &str| -> Option<String> {
            h.iter()
                .position(|x| x == name)
                .and_then(|i| cs.get(i).cloned())
        };
        let at = format!("{origin}:{}", n + 1);
        let need = |name: &str| {
            col(name).ok_or_else(|| Error::Bundle(format!("{at}: missing column {name}")))
        };
        let expect = need("expect")?.to_ascii_lowercase();
        let allow = match expect.as_str() {
            "allow" => true,
            "deny" => false,
            other => {
                return Err(Error::Bundle(format!(
                    "{at}: expect must be allow or deny, not {other:?}"
                )))
            }
        };
        out.push(Claim {
            id: col("id").unwrap_or_else(|| (out.len() + 1).to_string()),
            principal: need("principal")?,
            action: need("action")?,
            resource: need("resource")?,
            context: col("context").unwrap_or_default(),
            allow,
            decided_by: col("decided by")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().trim_matches('`').to_string())
                .filter(|s| !s.is_empty() && s != "-")
                .collect(),
            guardrail: col("guardrail").unwrap_or_default(),
            origin: at,
        });
    }
    Ok(out)
}

/// Parses a context cell (`-` or `k=v; k=[a,b]`), expanding world placeholders.
pub fn parse_context(cell: &str, world: &World) -> Result<Context> {
    let mut ctx = Context::new();
    let cell = cell.trim();
    if cell.is_empty() || cell == "-" {
        return Ok(ctx);
    }
    for part in cell.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| Error::Bundle(format!("context entry {part:?} is not key=value")))?;
        let v = world.expand(v.trim());
        let value = match v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(list) => Value::Many(
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            None => Value::One(v),
        };
        ctx.set(k.trim(), value);
    }
    Ok(ctx)
}

/// The result of proving one claim.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The claim.
    pub claim: Claim,
    /// The request evaluated.
    pub request: Option<Request>,
    /// The decision.
    pub decision: Option<Decision>,
    /// What did not hold (empty when the claim holds).
    pub problems: Vec<String>,
}

/// Does the decision carry the expected deciding entry?
fn has_decider(d: &Decision, want: &str) -> bool {
    if let Some(layer) = want.strip_prefix("implicit:") {
        return matches!(&d.reason, Reason::NoAllow(l) if l == layer || l.starts_with(&format!("{layer} ")));
    }
    d.deciding
        .iter()
        .any(|s| format!("{}#{}", s.policy, s.statement).ends_with(want))
}

/// Proves one claim.
pub fn prove_one(world: &World, claim: &Claim) -> Outcome {
    let run = || -> Result<(Request, Decision)> {
        let actor = world.actor(&claim.principal)?;
        let ctx = parse_context(&claim.context, world)?;
        world.decide(&actor, &claim.action, &world.expand(&claim.resource), &ctx)
    };
    match run() {
        Err(e) => Outcome {
            claim: claim.clone(),
            request: None,
            decision: None,
            problems: vec![e.to_string()],
        },
        Ok((req, d)) => {
            let mut problems = Vec::new();
            if d.allowed != claim.allow {
                problems.push(format!(
                    "expected {}, got {} ({})",
                    if claim.allow { "allow" } else { "deny" },
                    if d.allowed { "allow" } else { "deny" },
                    d.reason
                ));
            }
            for w in &claim.decided_by {
                if !has_decider(&d, w) {
                    problems.push(format!(
                        "expected {w} among the deciding statements ({})",
                        d.reason
                    ));
                }
            }
            Outcome {
                claim: claim.clone(),
                request: Some(req),
                decision: Some(d),
                problems,
            }
        }
    }
}

/// Proves every claim.
pub fn prove(world: &World, claims: &[Claim]) -> Vec<Outcome> {
    claims.iter().map(|c| prove_one(world, c)).collect()
}
