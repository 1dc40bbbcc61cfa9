//! Mutates each guardrail of the bundle and shows that `prove` catches it: every statement
//! dropped, every Allow's Resource widened to "*", every Deny's Resource narrowed to nothing.
//! No mutant is skipped: a template the test cannot read, or a mutant the bundle cannot
//! render (which `prove` would never judge), fails the test.

use policy::{claims, Bundle, World};
use serde_json::Value;
use std::path::PathBuf;

fn policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    Drop,
    WidenResource,
    NarrowResource,
}

fn statements(v: &mut Value) -> Option<&mut Vec<Value>> {
    v.get_mut("Statement").and_then(Value::as_array_mut)
}

/// The template with mutation `m` applied to statement `i`, or `None` when `m` does not
/// apply to that statement (only an Allow with a Resource can be widened, only a Deny
/// with a Resource narrowed). Never `None` for any other reason.
fn mutate(template: &Value, i: usize, m: Mutation) -> Option<Value> {
    let mut v = template.clone();
    let sts = statements(&mut v)?;
    match m {
        Mutation::Drop => {
            sts.remove(i);
        }
        Mutation::WidenResource => {
            let st = sts.get_mut(i)?.as_object_mut()?;
            if st.get("Effect")? != "Allow" || st.get("Resource").is_none_or(|r| r == "*") {
                return None;
            }
            st.insert("Resource".into(), Value::String("*".into()));
        }
        Mutation::NarrowResource => {
            let st = sts.get_mut(i)?.as_object_mut()?;
            if st.get("Effect")? != "Deny" || st.get("Resource").is_none() {
                return None;
            }
            st.insert(
                "Resource".into(),
                Value::String("arn:aws:s3:::nothing-matches-this".into()),
            );
        }
    }
    Some(v)
}

#[test]
fn prove_catches_every_mutated_guardrail() {
    let bundle = Bundle::from_dir(&policies()).unwrap_or_else(|e| panic!("{e}"));
    let world_text = std::fs::read_to_string(policies().join("claims/world.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let cs = claims::load(&policies().join("claims")).unwrap_or_else(|e| panic!("{e}"));
    let mut survivors = Vec::new();
    // A mutant the bundle cannot render proves nothing about `prove`: it would be "caught"
    // before any claim is evaluated. None may exist (bound: zero), so none is skipped.
    let mut unrenderable = Vec::new();
    let mut tried = 0;
    for (name, t) in &bundle.templates {
        // Every template is mutated: one this test cannot read is a failure, not a skip.
        let mut template: Value = serde_json::from_str(&t.text)
            .unwrap_or_else(|e| panic!("{name} is not JSON, so it cannot be mutated: {e}"));
        let n = statements(&mut template)
            .unwrap_or_else(|| panic!("{name} has no Statement array to mutate"))
            .len();
        assert!(n > 0, "{name} has no statement to mutate");
        for i in 0..n {
            for m in [
                Mutation::Drop,
                Mutation::WidenResource,
                Mutation::NarrowResource,
            ] {
                let Some(mutant) = mutate(&template, i, m) else {
                    continue; // `m` does not apply to this statement
                };
                let text = serde_json::to_string_pretty(&mutant)
                    .unwrap_or_else(|e| panic!("{name} statement {i} {m:?}: {e}"));
                let mut b = bundle.clone();
                if let Some(tm) = b.templates.get_mut(name) {
                    tm.text = text;
                }
                tried += 1;
                let world = match World::from_str(&world_text, &b) {
                    Ok(w) => w,
                    Err(e) => {
                        unrenderable.push(format!("{name} statement {i} {m:?}: {e}"));
                        continue;
                    }
                };
                let failed: Vec<String> = claims::prove(&world, &cs)
                    .into_iter()
                    .filter(|o| !o.problems.is_empty())
                    .map(|o| o.claim.id)
                    .collect();
                if failed.is_empty() {
                    survivors.push(format!("{name} statement {i} {m:?}"));
                }
            }
        }
    }
    assert!(tried > 60, "only {tried} mutations");
    assert!(
        unrenderable.is_empty(),
        "mutants that do not render, so prove never judged them: {unrenderable:#?}"
    );
    assert!(
        survivors.is_empty(),
        "mutations that no claim catches: {survivors:#?}"
    );
}
