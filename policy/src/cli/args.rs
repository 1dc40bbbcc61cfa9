//! A tiny argument parser: positionals, `--flag`, `--key value` / `--key=value` (repeatable).

use anyhow::{anyhow, Result};
use std::collections::BTreeMap;

const FLAGS: &[&str] = &["json", "trust", "all"];

pub struct Args {
    pub positional: Vec<String>,
    pub opts: BTreeMap<String, Vec<String>>,
}

impl Args {
    pub fn parse(argv: &[String]) -> Result<Args> {
        let mut positional = Vec::new();
        let mut opts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut it = argv.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                if let Some((k, v)) = name.split_once('=') {
                    opts.entry(k.to_string()).or_default().push(v.to_string());
                } else if FLAGS.contains(&name) {
                    opts.entry(name.to_string())
                        .or_default()
                        .push("true".into());
                } else {
                    let v = it.next().ok_or_else(|| anyhow!("--{name} needs a value"))?;
                    opts.entry(name.to_string()).or_default().push(v.clone());
                }
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args { positional, opts })
    }

    pub fn flag(&self, name: &str) -> bool {
        self.opts.contains_key(name)
    }

    pub fn one(&self, name: &str) -> Option<&str> {
        self.opts
            .get(name)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    pub fn many(&self, name: &str) -> &[String] {
        self.opts.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// `--var k=v` pairs.
    pub fn pairs(&self, name: &str) -> Result<BTreeMap<String, String>> {
        self.many(name)
            .iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| anyhow!("--{name} {kv:?}: expected key=value"))
            })
            .collect()
    }
}
