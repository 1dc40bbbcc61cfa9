//! `s2s_policy`: renders a policy of the s2s bundle (`policies/`) with parameters,
//! checks it with the policy engine and returns it minified.
//!
//! The bundle is compiled into the provider (`Bundle::embedded`), so the documents a
//! Terraform run attaches are byte for byte the templates that `s2s-policy check` and
//! `s2s-policy prove` passed in this build. A rendered document with an error finding is a
//! plan-time error naming the policy and the finding; warnings are shown and returned in
//! `findings`. Lints the bundle accepts for a template (`allow_lints` in `index.json`,
//! each with a written reason) are dropped, as `s2s-policy check policies/` drops them.

use std::collections::BTreeMap;

use policy::{Bundle, Finding, Severity};
use serde::{Deserialize, Serialize};
use tfplugin::{
    async_trait, attr_name, attr_path, from_value, required, to_value, Attribute, Block, Context,
    DataSource, Diagnostic, Diagnostics, Maybe, Schema, Type, Value,
};

use crate::S2sData;

pub(crate) struct PolicyDataSource;

/// The data source's attributes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PolicyModel {
    name: Maybe<String>,
    parameters: Maybe<BTreeMap<String, Maybe<String>>>,
    json: Maybe<String>,
    policy_type: Maybe<String>,
    description: Maybe<String>,
    attach: Maybe<String>,
    role: Maybe<String>,
    size: Maybe<u64>,
    findings: Maybe<Vec<FindingModel>>,
}

/// One element of `findings`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FindingModel {
    severity: String,
    code: String,
    path: String,
    message: String,
}

/// The bundle compiled into this binary (parsed once per process).
fn embedded() -> Result<&'static Bundle, Diagnostics> {
    Bundle::embedded_shared().map_err(|e| {
        Diagnostics::error(
            "The provider's policy bundle is broken",
            format!("The bundle compiled into this provider cannot be read: {e}. This is a bug in the build."),
        )
    })
}

fn finding_type() -> Type {
    Type::object([
        (attr_name!(FindingModel.severity), Type::String),
        (attr_name!(FindingModel.code), Type::String),
        (attr_name!(FindingModel.path), Type::String),
        (attr_name!(FindingModel.message), Type::String),
    ])
}

impl FindingModel {
    fn of(f: &Finding) -> FindingModel {
        FindingModel {
            severity: severity_name(f.severity).to_owned(),
            code: f.code.clone(),
            path: f.path.clone(),
            message: f.message.clone(),
        }
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn names(bundle: &Bundle) -> String {
    bundle
        .templates
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn param_list(bundle: &Bundle, params: &[String]) -> String {
    if params.is_empty() {
        return "none".into();
    }
    params
        .iter()
        .map(|p| match bundle.params.get(p) {
            Some(spec) => format!("{p} ({}, e.g. {:?})", spec.description, spec.example),
            None => p.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks a configuration that may still hold unknown values: the name, every known
/// parameter name and value, and (once the map is known) that nothing is missing.
fn validate(bundle: &Bundle, config: &PolicyModel) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let template = match config.name.as_str() {
        Some(n) => match bundle.templates.get(n) {
            Some(t) => Some(t),
            None => {
                diags.add_attribute_error(
                    attr_path!(PolicyModel.name),
                    "Unknown policy",
                    format!(
                        "The bundle has no policy named {n:?}. Allowed names: {}.",
                        names(bundle)
                    ),
                );
                return diags;
            }
        },
        None => None,
    };
    let entries = match &config.parameters {
        Maybe::Known(e) => e,
        Maybe::Null => {
            if let Some(t) = template.filter(|t| !t.params.is_empty()) {
                diags.add_attribute_error(
                    attr_path!(PolicyModel.parameters),
                    "Missing policy parameters",
                    format!(
                        "Policy {} needs parameters: {}.",
                        t.name,
                        param_list(bundle, &t.params)
                    ),
                );
            }
            return diags;
        }
        Maybe::Unknown(_) => return diags, // checked once known
    };
    for (key, value) in entries {
        let path = attr_path!(PolicyModel.parameters).key(key.clone());
        let declared = match template {
            Some(t) => t.params.contains(key),
            None => bundle.params.contains_key(key),
        };
        if !declared {
            let detail = match template {
                Some(t) => format!(
                    "Policy {} does not take a parameter {key:?}. Its parameters: {}.",
                    t.name,
                    param_list(bundle, &t.params)
                ),
                None => format!(
                    "No policy of the bundle takes a parameter {key:?}. Parameters: {}.",
                    bundle.params.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            diags.add_attribute_error(path, "Unknown policy parameter", detail);
            continue;
        }
        if value.is_unknown() {
            continue;
        }
        match value.as_str() {
            Some(v) => {
                if let Err(e) = bundle.validate_param(key, v) {
                    let policy = template.map(|t| t.name.as_str()).unwrap_or("the policy");
                    diags.add_attribute_error(
                        path,
                        "Invalid policy parameter",
                        format!("Cannot render {policy}: {e}."),
                    );
                }
            }
            None => diags.add_attribute_error(
                path,
                "Invalid policy parameter",
                "The value must be a string, not null.",
            ),
        }
    }
    if let Some(t) = template {
        let missing: Vec<String> = t
            .params
            .iter()
            .filter(|p| !entries.contains_key(*p))
            .cloned()
            .collect();
        if !missing.is_empty() {
            diags.add_attribute_error(
                attr_path!(PolicyModel.parameters),
                "Missing policy parameters",
                format!(
                    "Policy {} needs {}; missing: {}.",
                    t.name,
                    t.params.join(", "),
                    param_list(bundle, &missing)
                ),
            );
        }
    }
    diags
}

/// A policy rendered, minified and checked.
#[derive(Debug, Clone)]
struct Rendered {
    json: String,
    findings: Vec<Finding>,
}

/// Renders `name` with `params` and checks the result; error findings fail.
fn render(
    bundle: &Bundle,
    name: &str,
    params: &BTreeMap<String, String>,
) -> Result<Rendered, Diagnostics> {
    let template = bundle.template(name).map_err(|e| {
        Diagnostics::attribute_error(
            attr_path!(PolicyModel.name),
            "Unknown policy",
            e.to_string(),
        )
    })?;
    let doc = bundle.render(name, params).map_err(|e| {
        Diagnostics::attribute_error(
            attr_path!(PolicyModel.parameters),
            "Cannot render the policy",
            format!("Cannot render {name}: {e}."),
        )
    })?;
    let findings: Vec<Finding> = policy::check(&doc, template.kind)
        .into_iter()
        .filter(|f| !template.allow_lints.contains_key(&f.code))
        .collect();
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        let mut diags = Diagnostics::new();
        for f in errors {
            diags.push(Diagnostic::error(
                format!("Policy {name} fails its checks: {}", f.code),
                format!(
                    "The {} policy {name}, rendered with these parameters, fails the policy engine's check {} at {}: {}",
                    template.kind, f.code, f.path, f.message
                ),
            ));
        }
        return Err(diags);
    }
    Ok(Rendered {
        json: policy::minify(&doc),
        findings,
    })
}

/// The data source's documentation, with the bundle's table of policies.
fn description() -> String {
    let mut table = String::from("| name | type | parameters | attached to |\n|---|---|---|---|\n");
    if let Ok(bundle) = embedded() {
        for t in bundle.templates.values() {
            let params = if t.params.is_empty() {
                "–".to_string()
            } else {
                t.params
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let code = |x: &str| {
                if x.contains('<') {
                    format!("`{x}`")
                } else {
                    x.to_string()
                }
            };
            let role = t.role.as_deref().map(|r| match r.split_once(" (") {
                Some((r, note)) => format!("`role/{r}` ({}", note),
                None => format!("`role/{r}`"),
            });
            let attach = match (role, t.attach.as_str()) {
                (Some(role), "") => role,
                (Some(role), a) => format!("{role}, {}", code(a)),
                (None, a) => code(a),
            };
            table += &format!("| `{}` | {} | {params} | {attach} |\n", t.name, t.kind);
        }
    }
    format!(
        "Renders a policy of the s2s bundle (`policies/`) with parameters, checks it with the s2s policy engine, and returns it minified. The bundle is compiled into the provider, so what Terraform attaches is exactly what `s2s-policy check` and `s2s-policy prove` passed for this build.

Everything is decided at plan time, without a network call:

- an unknown policy `name` is an error on `name` that lists the bundle's names;
- a parameter the policy does not take is an error on `parameters[\"<key>\"]` that lists the parameters it does take (with what each means and an example); a missing parameter is an error on `parameters` naming it;
- each value is checked against its pattern in `policies/index.json` (a 12-digit account, a Region, a DNS-label app name, `o-...`); whatever the pattern, a value containing `*`, `?`, `${{` or a control character is refused, because it would widen the policy past its guardrail (`app = \"*\"` would make `s2s/${{app}}/tls` every app's certificate);
- the rendered document is checked by the engine for its type (JSON Schema, the size limits of IAM, Organizations or Secrets Manager, lints). An error finding fails the plan with `Policy <name> fails its checks: <code>`, the finding's JSON path and message. Warnings are shown and returned in `findings`; lints the bundle accepts for a template (`allow_lints` in `index.json`, each with a reason) are dropped.

The policies of this build:

{table}
A widening parameter fails before anything is created:

```
Error: Invalid policy parameter

  with data.s2s_policy.app,
  on main.tf line 4, in data \"s2s_policy\" \"app\":
   4:   parameters = {{

Cannot render iam/app-lambda-identity: parameter app: \"*\" contains the IAM wildcard '*', which would widen the policy past what the template allows; give one concrete app (the application name (a DNS label, as in the SPIFFE ID)).
```"
    )
}

#[async_trait]
impl DataSource<S2sData> for PolicyDataSource {
    fn type_name(&self) -> &str {
        "s2s_policy"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .markdown_description(description())
                .attribute(
                    Attribute::string(attr_name!(PolicyModel.name))
                        .required()
                        .markdown_description(
                            "The bundle policy to render, by its path without `.json` (`iam/syncer-identity`, `scp/secrets-guard`, ...; see the table above).",
                        ),
                )
                .attribute(
                    Attribute::new(attr_name!(PolicyModel.parameters), Type::map(Type::String))
                        .optional()
                        .markdown_description(
                            "Template parameters (`account_id`, `region`, `app`, `org_id`, `central_account_id`, `ci_account_id`): exactly the ones the policy declares. Each value is checked against its pattern in `policies/index.json`; wildcards (`*`, `?`) and `${` are refused.",
                        ),
                )
                .attribute(
                    Attribute::string(attr_name!(PolicyModel.json))
                        .computed()
                        .markdown_description("The rendered policy, minified (whitespace outside strings removed, key order kept): ready for `policy`, `assume_role_policy` or `content`."),
                )
                .attribute(
                    Attribute::string(attr_name!(PolicyModel.policy_type))
                        .computed()
                        .markdown_description("`identity`, `trust`, `resource`, `scp` or `rcp`: the type the policy was checked as."),
                )
                .attribute(
                    Attribute::string(attr_name!(PolicyModel.description))
                        .computed()
                        .markdown_description("What the policy does (from `index.json`)."),
                )
                .attribute(
                    Attribute::string(attr_name!(PolicyModel.attach))
                        .computed()
                        .markdown_description("Where the bundle says it is attached (e.g. `inline`, `OU of the app accounts`); empty when not stated."),
                )
                .attribute(
                    Attribute::string(attr_name!(PolicyModel.role))
                        .computed()
                        .markdown_description("The role it belongs to, as a path and name under `role/` (e.g. `platform/keywhiz-syncer`); null for policies not tied to a role."),
                )
                .attribute(
                    Attribute::number(attr_name!(PolicyModel.size))
                        .computed()
                        .markdown_description("Characters of `json`, as IAM and Organizations count them against their size limits (checked by the engine)."),
                )
                .attribute(
                    Attribute::new(attr_name!(PolicyModel.findings), Type::list(finding_type()))
                        .computed()
                        .markdown_description("The engine's warnings and notes about the rendered policy (`severity`, `code`, `path`, `message`); an error finding fails the read instead. Empty for every policy of the bundle as shipped."),
                ),
        )
    }

    async fn validate(&self, _ctx: &Context, config: &Value) -> Result<(), Diagnostics> {
        let bundle = embedded()?;
        validate(bundle, &from_value(config)?).into_result(())
    }

    async fn read(
        &self,
        ctx: &Context,
        _data: &S2sData,
        config: Value,
    ) -> Result<Value, Diagnostics> {
        let bundle = embedded()?;
        let mut model: PolicyModel = from_value(&config)?;
        validate(bundle, &model).into_result(())?;
        let name = required!(model.name)?.clone();
        let params: BTreeMap<String, String> = model
            .parameters
            .known()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let rendered = render(bundle, &name, &params)?;
        let template = bundle.template(&name).map_err(|e| {
            Diagnostics::attribute_error(
                attr_path!(PolicyModel.name),
                "Unknown policy",
                e.to_string(),
            )
        })?;
        for f in &rendered.findings {
            ctx.warn_at(
                attr_path!(PolicyModel.findings),
                format!("Policy {name}: {}", f.code),
                format!("{} at {}: {}", severity_name(f.severity), f.path, f.message),
            );
        }
        model.size = Maybe::Known(u64::try_from(rendered.json.chars().count()).unwrap_or(u64::MAX));
        model.json = Maybe::Known(rendered.json);
        model.policy_type = Maybe::Known(template.kind.name().to_owned());
        model.description = Maybe::Known(template.description.clone());
        model.attach = Maybe::Known(template.attach.clone());
        model.role = template.role.clone().into();
        model.findings = Maybe::Known(rendered.findings.iter().map(FindingModel::of).collect());
        Ok(to_value(&model)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> &'static Bundle {
        embedded().unwrap_or_else(|d| panic!("{d:?}"))
    }

    fn config(name: Maybe<String>, params: Option<&[(&str, Maybe<String>)]>) -> PolicyModel {
        PolicyModel {
            name,
            parameters: params
                .map(|p| p.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
                .into(),
            ..PolicyModel::default()
        }
    }

    fn s(v: &str) -> Maybe<String> {
        Maybe::Known(v.to_owned())
    }

    fn errors(d: &Diagnostics) -> Vec<(String, String, String)> {
        d.iter()
            .filter(|x| x.is_error())
            .map(|x| {
                (
                    x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    x.summary.clone(),
                    x.detail.clone(),
                )
            })
            .collect()
    }

    fn params(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_bundle_policy_renders_clean_with_the_examples() {
        let b = bundle();
        for t in b.templates.values() {
            let p: BTreeMap<String, String> = t
                .params
                .iter()
                .map(|k| (k.clone(), b.params[k].example.clone()))
                .collect();
            let r = render(b, &t.name, &p).unwrap_or_else(|d| panic!("{}: {d:?}", t.name));
            assert!(r.findings.is_empty(), "{}: {:?}", t.name, r.findings);
            assert!(!r.json.contains('\n'), "{} not minified", t.name);
            policy::Policy::parse(&r.json).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        }
    }

    #[test]
    fn a_good_configuration_has_no_diagnostics() {
        let c = config(
            s("iam/app-lambda-identity"),
            Some(&[
                ("account_id", s("111111111111")),
                ("region", s("eu-west-1")),
                ("app", s("payments")),
            ]),
        );
        assert!(validate(bundle(), &c).is_empty());
        let scp = config(s("scp/secrets-guard"), None);
        assert!(validate(bundle(), &scp).is_empty());
    }

    #[test]
    fn an_unknown_name_lists_the_allowed_ones() {
        let e = errors(&validate(bundle(), &config(s("iam/nope"), None)));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "name");
        assert!(e[0].2.contains("iam/syncer-identity") && e[0].2.contains("scp/secrets-guard"));
    }

    #[test]
    fn an_unknown_parameter_is_reported_at_its_key_with_the_allowed_ones() {
        let c = config(
            s("iam/syncer-trust"),
            Some(&[("account_id", s("111111111111")), ("acount", s("x"))]),
        );
        let e = errors(&validate(bundle(), &c));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "parameters[\"acount\"]");
        assert!(e[0].2.contains("account_id"), "{}", e[0].2);
    }

    #[test]
    fn missing_parameters_are_named() {
        let c = config(
            s("iam/syncer-identity"),
            Some(&[("account_id", s("111111111111"))]),
        );
        let e = errors(&validate(bundle(), &c));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "parameters");
        assert!(e[0].2.contains("missing: region"), "{}", e[0].2);
        let none = errors(&validate(bundle(), &config(s("iam/syncer-identity"), None)));
        assert_eq!(none.len(), 1, "{none:?}");
    }

    #[test]
    fn a_widening_value_is_refused_at_its_key() {
        for (key, value) in [("app", "*"), ("region", "eu-*-1"), ("account_id", "?")] {
            let mut p = vec![
                ("account_id", s("111111111111")),
                ("region", s("eu-west-1")),
                ("app", s("payments")),
            ];
            p.retain(|(k, _)| *k != key);
            p.push((key, s(value)));
            let e = errors(&validate(
                bundle(),
                &config(s("iam/app-boundary"), Some(&p)),
            ));
            assert_eq!(e.len(), 1, "{key}={value}: {e:?}");
            assert_eq!(e[0].0, format!("parameters[{key:?}]"));
            assert!(
                e[0].2.contains("iam/app-boundary") && e[0].2.contains("widen"),
                "{}",
                e[0].2
            );
        }
    }

    #[test]
    fn unknown_values_are_checked_later() {
        let c = config(Maybe::unknown(), Some(&[("app", Maybe::unknown())]));
        assert!(validate(bundle(), &c).is_empty());
        let c = config(s("iam/syncer-trust"), None);
        let mut c2 = c.clone();
        c2.parameters = Maybe::unknown();
        assert!(validate(bundle(), &c2).is_empty());
        // With the name unknown, a parameter no policy takes is still an error.
        let c = config(Maybe::unknown(), Some(&[("nope", s("x"))]));
        assert_eq!(errors(&validate(bundle(), &c)).len(), 1);
    }

    #[test]
    fn a_rendered_policy_that_fails_its_checks_names_the_policy_and_the_finding() {
        // A bundle whose SCP names a Principal: AWS rejects that, the engine reports it.
        let index = r#"{"params": {"app": {"description": "app", "pattern": "^[a-z]+$", "example": "x"}},
            "policies": [{"name": "scp/bad", "type": "scp", "params": ["app"]}]}"#;
        let scp = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Bad", "Effect": "Deny",
            "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::${app}/*"}]}"#;
        let b = Bundle::from_files([
            ("index.json".to_string(), index.to_string()),
            ("scp/bad.json".to_string(), scp.to_string()),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let d = match render(&b, "scp/bad", &params(&[("app", "payments")])) {
            Ok(r) => panic!("rendered: {}", r.json),
            Err(d) => d,
        };
        let e = errors(&d);
        assert!(!e.is_empty());
        assert!(
            e.iter()
                .all(|(_, summary, _)| summary.starts_with("Policy scp/bad fails its checks")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|(_, summary, _)| summary.contains("scp-principal")),
            "{e:?}"
        );
    }

    #[test]
    fn accepted_lints_are_dropped() {
        // iam/app-lambda-identity accepts secret-suffix-regrant in index.json.
        let r = render(
            bundle(),
            "iam/app-lambda-identity",
            &params(&[
                ("account_id", "111111111111"),
                ("region", "eu-west-1"),
                ("app", "payments"),
            ]),
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert!(r.findings.iter().all(|f| f.code != "secret-suffix-regrant"));
        assert!(r.json.contains("secret:s2s/payments/tls-??????"));
    }
}
