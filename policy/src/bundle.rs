//! The policy bundle: templates listed in `index.json`, loaded from a directory or from
//! strings compiled into the binary.

use crate::error::{Error, Result};
use crate::kind::{Finding, PolicyType, Severity};
use crate::model::Policy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A template parameter as declared in `index.json`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct ParamSpec {
    /// What it is.
    pub description: String,
    /// Regular expression its value must match.
    pub pattern: String,
    /// Example used when checking the template.
    pub example: String,
    /// A list: the value is a JSON array of strings, each matching `pattern`
    /// (see [`crate::render::render_lists`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub list: bool,
}

#[derive(Debug, Deserialize)]
struct IndexEntry {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    params: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    attach: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    allow_lints: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Index {
    params: BTreeMap<String, ParamSpec>,
    policies: Vec<IndexEntry>,
}

/// One template of the bundle.
#[derive(Debug, Clone)]
pub struct Template {
    /// Name, which is also its path without `.json` (`scp/secrets-guard`).
    pub name: String,
    /// Policy type.
    pub kind: PolicyType,
    /// Declared parameters.
    pub params: Vec<String>,
    /// What it does.
    pub description: String,
    /// Where it is attached.
    pub attach: String,
    /// The role it belongs to, if any.
    pub role: Option<String>,
    /// Lint codes accepted for this template, with the reason.
    pub allow_lints: BTreeMap<String, String>,
    /// Template text.
    pub text: String,
}

/// All templates and the parameter declarations.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Parameter declarations.
    pub params: BTreeMap<String, ParamSpec>,
    /// Templates by name.
    pub templates: BTreeMap<String, Template>,
}

/// Files of the bundle compiled into the library: (path under policies/, contents).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("index.json", include_str!("../../policies/index.json")),
    (
        "scp/secrets-guard.json",
        include_str!("../../policies/scp/secrets-guard.json"),
    ),
    (
        "scp/platform-guard.json",
        include_str!("../../policies/scp/platform-guard.json"),
    ),
    (
        "rcp/secrets-perimeter.json",
        include_str!("../../policies/rcp/secrets-perimeter.json"),
    ),
    (
        "iam/syncer-identity.json",
        include_str!("../../policies/iam/syncer-identity.json"),
    ),
    (
        "iam/syncer-trust.json",
        include_str!("../../policies/iam/syncer-trust.json"),
    ),
    (
        "iam/app-lambda-identity.json",
        include_str!("../../policies/iam/app-lambda-identity.json"),
    ),
    (
        "iam/app-certificate-read.json",
        include_str!("../../policies/iam/app-certificate-read.json"),
    ),
    (
        "iam/app-lambda-trust.json",
        include_str!("../../policies/iam/app-lambda-trust.json"),
    ),
    (
        "iam/app-boundary.json",
        include_str!("../../policies/iam/app-boundary.json"),
    ),
    (
        "iam/cert-writer-identity.json",
        include_str!("../../policies/iam/cert-writer-identity.json"),
    ),
    (
        "iam/cert-writer-trust.json",
        include_str!("../../policies/iam/cert-writer-trust.json"),
    ),
    (
        "iam/cert-issuer-identity.json",
        include_str!("../../policies/iam/cert-issuer-identity.json"),
    ),
    (
        "iam/cert-issuer-trust.json",
        include_str!("../../policies/iam/cert-issuer-trust.json"),
    ),
    (
        "iam/ci-deployer-identity.json",
        include_str!("../../policies/iam/ci-deployer-identity.json"),
    ),
    (
        "iam/ci-deployer-trust.json",
        include_str!("../../policies/iam/ci-deployer-trust.json"),
    ),
    (
        "iam/secret-keywhiz-resource.json",
        include_str!("../../policies/iam/secret-keywhiz-resource.json"),
    ),
    (
        "iam/secret-cert-resource.json",
        include_str!("../../policies/iam/secret-cert-resource.json"),
    ),
];

/// Why a parameter value would widen a policy, if it would.
fn widening(value: &str) -> Option<String> {
    if let Some(c) = value.chars().find(|c| matches!(c, '*' | '?')) {
        return Some(format!("contains the IAM wildcard {c:?}"));
    }
    if value.contains("${") {
        return Some("contains a policy variable or placeholder (\"${\")".into());
    }
    if value.chars().any(char::is_control) {
        return Some("contains a control character".into());
    }
    None
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

impl Bundle {
    /// The bundle compiled into the library.
    pub fn embedded() -> Result<Bundle> {
        Self::from_files(EMBEDDED.iter().map(|(p, t)| (p.to_string(), t.to_string())))
    }

    /// [`Bundle::embedded`], parsed once per process and shared by every
    /// caller, however many places render from it.
    pub fn embedded_shared() -> std::result::Result<&'static Bundle, &'static Error> {
        static BUNDLE: std::sync::OnceLock<Result<Bundle>> = std::sync::OnceLock::new();
        BUNDLE.get_or_init(Bundle::embedded).as_ref()
    }

    /// Loads `dir/index.json` and the templates it lists.
    pub fn from_dir(dir: &Path) -> Result<Bundle> {
        let index = read(&dir.join("index.json"))?;
        let parsed: Index = serde_json::from_str(&index).map_err(|source| Error::Json {
            origin: dir.join("index.json").display().to_string(),
            source,
        })?;
        let mut files = vec![("index.json".to_string(), index)];
        for e in &parsed.policies {
            let rel = format!("{}.json", e.name);
            files.push((rel.clone(), read(&dir.join(&rel))?));
        }
        Self::from_files(files)
    }

    /// Builds a bundle from (path, contents) pairs; `index.json` must be among them.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Bundle> {
        let files: BTreeMap<String, String> = files.into_iter().collect();
        let index = files
            .get("index.json")
            .ok_or_else(|| Error::Bundle("bundle has no index.json".into()))?;
        let index: Index = serde_json::from_str(index).map_err(|source| Error::Json {
            origin: "index.json".into(),
            source,
        })?;
        let mut templates = BTreeMap::new();
        for e in index.policies {
            let kind = PolicyType::parse(&e.kind).ok_or_else(|| {
                Error::Bundle(format!("{}: unknown policy type {:?}", e.name, e.kind))
            })?;
            let text = files
                .get(&format!("{}.json", e.name))
                .ok_or_else(|| Error::Bundle(format!("{}: file {}.json missing", e.name, e.name)))?
                .clone();
            for p in &e.params {
                if !index.params.contains_key(p) {
                    return Err(Error::Bundle(format!(
                        "{}: parameter {p} is not declared in index.json",
                        e.name
                    )));
                }
            }
            templates.insert(
                e.name.clone(),
                Template {
                    name: e.name,
                    kind,
                    params: e.params,
                    description: e.description,
                    attach: e.attach,
                    role: e.role,
                    allow_lints: e.allow_lints,
                    text,
                },
            );
        }
        Ok(Bundle {
            params: index.params,
            templates,
        })
    }

    /// A template by name.
    pub fn template(&self, name: &str) -> Result<&Template> {
        self.templates
            .get(name)
            .ok_or_else(|| Error::Bundle(format!("no template named {name}")))
    }

    /// Checks a parameter value against its declared pattern.
    ///
    /// Whatever the pattern, a value that would widen the rendered policy is refused
    /// first: IAM wildcards (`*`, `?`), a policy variable or template placeholder (`${`),
    /// or control characters. Parameters name one concrete account, Region, app...;
    /// a wildcard there would grant past the guardrail the template encodes
    /// (`app = "*"` turns `s2s/${app}/tls` into every app's certificate). A list
    /// parameter's value must be a JSON array of strings, each checked that way.
    pub fn validate_param(&self, name: &str, value: &str) -> Result<()> {
        let spec = self.params.get(name).ok_or_else(|| Error::Param {
            name: name.into(),
            message: "not declared in index.json".into(),
        })?;
        if spec.list {
            for item in crate::render::list_values(name, value)? {
                self.validate_scalar(name, spec, &item)?;
            }
            return Ok(());
        }
        self.validate_scalar(name, spec, value)
    }

    fn validate_scalar(&self, name: &str, spec: &ParamSpec, value: &str) -> Result<()> {
        if let Some(why) = widening(value) {
            return Err(Error::Param {
                name: name.into(),
                message: format!(
                    "{value:?} {why}, which would widen the policy past what the template allows; \
                     give one concrete {} ({})",
                    name, spec.description
                ),
            });
        }
        let schema = serde_json::json!({"type": "string", "pattern": spec.pattern});
        if jsonschema::is_valid(&schema, &serde_json::Value::String(value.into())) {
            Ok(())
        } else {
            Err(Error::Param {
                name: name.into(),
                message: format!("{value:?} does not match {}", spec.pattern),
            })
        }
    }

    /// Renders a template: every declared parameter must be given and valid; others are ignored.
    pub fn render(&self, name: &str, values: &BTreeMap<String, String>) -> Result<String> {
        let t = self.template(name)?;
        let mut missing = Vec::new();
        for p in &t.params {
            match values.get(p) {
                Some(v) => self.validate_param(p, v)?,
                None => missing.push(p.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(Error::Unfilled(missing));
        }
        let lists = t
            .params
            .iter()
            .filter(|p| self.params.get(*p).is_some_and(|s| s.list))
            .cloned()
            .collect();
        crate::render::render_lists(&t.text, values, &lists)
    }

    /// Renders and parses a template.
    pub fn policy(&self, name: &str, values: &BTreeMap<String, String>) -> Result<Policy> {
        Policy::parse(&self.render(name, values)?)
    }

    /// The example values of all declared parameters.
    pub fn examples(&self) -> BTreeMap<String, String> {
        self.params
            .iter()
            .map(|(k, v)| (k.clone(), v.example.clone()))
            .collect()
    }

    /// Checks every template (rendered with the example values) and the manifest itself.
    /// Lints a template accepts in `allow_lints` are dropped.
    pub fn check(&self) -> BTreeMap<String, Vec<Finding>> {
        let examples = self.examples();
        let mut out = BTreeMap::new();
        let mut inline: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in self.templates.values() {
            let mut f = Vec::new();
            let used: Vec<String> = crate::render::params(&t.text).into_iter().collect();
            let mut declared = t.params.clone();
            declared.sort();
            if used != declared {
                f.push(Finding::new(
                    Severity::Error,
                    "manifest-params",
                    "$",
                    format!("index.json declares {declared:?} but the template uses {used:?}"),
                ));
            }
            for (k, v) in &examples {
                if let Err(e) = self.validate_param(k, v) {
                    f.push(Finding::new(
                        Severity::Error,
                        "manifest-example",
                        "$",
                        e.to_string(),
                    ));
                }
            }
            match self.render(&t.name, &examples) {
                Ok(doc) => {
                    f.extend(
                        crate::check::check(&doc, t.kind)
                            .into_iter()
                            .filter(|x| !t.allow_lints.contains_key(&x.code)),
                    );
                    if let (PolicyType::Identity, Some(role)) = (t.kind, &t.role) {
                        inline.entry(role.clone()).or_default().push(doc);
                    }
                }
                Err(e) => f.push(Finding::new(Severity::Error, "render", "$", e.to_string())),
            }
            out.insert(t.name.clone(), f);
        }
        for (role, docs) in inline {
            let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
            if let Some(f) = crate::limits::check_inline_total(&role, &refs) {
                out.entry("index.json".into())
                    .or_insert_with(Vec::new)
                    .push(f);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_bundle_is_the_embedded_one_parsed_once() {
        let first = Bundle::embedded_shared().unwrap_or_else(|e| panic!("{e}"));
        let again = Bundle::embedded_shared().unwrap_or_else(|e| panic!("{e}"));
        assert!(std::ptr::eq(first, again), "parsed twice");
        let fresh = Bundle::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            first.templates.keys().collect::<Vec<_>>(),
            fresh.templates.keys().collect::<Vec<_>>()
        );
    }
}
