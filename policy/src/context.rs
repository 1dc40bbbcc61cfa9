//! The request context: condition keys and their values.

use std::collections::BTreeMap;

/// A context value: single-valued keys carry one string, multivalued keys a list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A single-valued key.
    One(String),
    /// A multivalued key (e.g. `aws:TagKeys`, `aws:CalledVia`).
    Many(Vec<String>),
}

/// Condition keys of a request. Key names compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    keys: BTreeMap<String, (String, Value)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key (replacing any earlier value).
    pub fn set(&mut self, key: &str, value: Value) {
        self.keys
            .insert(key.to_ascii_lowercase(), (key.to_string(), value));
    }

    /// Sets a single-valued key.
    pub fn set_one(&mut self, key: &str, value: &str) {
        self.set(key, Value::One(value.to_string()));
    }

    /// Sets a key unless it is already present.
    pub fn set_default(&mut self, key: &str, value: &str) {
        if !self.contains(key) {
            self.set_one(key, value);
        }
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) {
        self.keys.remove(&key.to_ascii_lowercase());
    }

    /// Is the key present (an empty list counts as absent)?
    pub fn contains(&self, key: &str) -> bool {
        self.values(key).is_some()
    }

    /// The values of a key, or `None` when it is absent or an empty list.
    pub fn values(&self, key: &str) -> Option<Vec<&str>> {
        match self.keys.get(&key.to_ascii_lowercase()) {
            None => None,
            Some((_, Value::One(v))) => Some(vec![v.as_str()]),
            Some((_, Value::Many(vs))) if vs.is_empty() => None,
            Some((_, Value::Many(vs))) => Some(vs.iter().map(String::as_str).collect()),
        }
    }

    /// The value of a single-valued key (multivalued keys give `None`).
    pub fn single(&self, key: &str) -> Option<&str> {
        match self.keys.get(&key.to_ascii_lowercase()) {
            Some((_, Value::One(v))) => Some(v.as_str()),
            _ => None,
        }
    }

    /// Iterates over (original key name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.keys.values().map(|(k, v)| (k.as_str(), v))
    }
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (k, v) in self.iter() {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            match v {
                Value::One(s) => write!(f, "{k}={s}")?,
                Value::Many(vs) => write!(f, "{k}=[{}]", vs.join(","))?,
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}
