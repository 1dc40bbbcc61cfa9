//! Mutates each guardrail of the bundle and shows that `prove` catches it: every statement
//! dropped, every Allow's Resource widened to "*", every Deny's Resource narrowed to nothing.

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

fn mutate(text: &str, i: usize, m: Mutation) -> Option<String> {
    let mut v: Value = serde_json::from_str(text).ok()?;
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
    serde_json::to_string_pretty(&v).ok()
}

#[test]
fn prove_catches_every_mutated_guardrail() {
    let bundle = Bundle::from_dir(&policies()).unwrap_or_else(|e| panic!("{e}"));
    let world_text = std::fs::read_to_string(policies().join("claims/world.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let cs = claims::load(&policies().join("claims")).unwrap_or_else(|e| panic!("{e}"));
    let mut survivors = Vec::new();
    let mut tried = 0;
    for (name, t) in &bundle.templates {
        let n = serde_json::from_str::<Value>(&t.text)
            .ok()
            .as_mut()
            .and_then(|v| statements(v).map(|s| s.len()))
            .unwrap_or(0);
        for i in 0..n {
            for m in [
                Mutation::Drop,
                Mutation::WidenResource,
                Mutation::NarrowResource,
            ] {
                let Some(text) = mutate(&t.text, i, m) else {
                    continue;
                };
                let mut b = bundle.clone();
                if let Some(tm) = b.templates.get_mut(name) {
                    tm.text = text;
                }
                tried += 1;
                let world = match World::from_str(&world_text, &b) {
                    Ok(w) => w,
                    Err(_) => continue, // a mutation that breaks rendering is caught trivially
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
        survivors.is_empty(),
        "mutations that no claim catches: {survivors:#?}"
    );
}
