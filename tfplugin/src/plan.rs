//! Planning: plan modifiers and the framework's plan logic.
//!
//! For a create or update the framework starts from Terraform's proposed new
//! state and then, in order:
//! 1. fills in schema defaults where the configuration is null, nulls
//!    write-only attributes, and keeps prior values that are semantically
//!    equal to the configured ones (e.g. reformatted JSON);
//! 2. if the result differs from the prior state (or the resource is new),
//!    marks computed attributes whose configuration is null as unknown, then
//!    runs the attributes' plan modifiers, which may put prior values back
//!    ([`UseStateForUnknown`]) or ask for replacement ([`RequiresReplace`]).
//!
//! An unchanged resource therefore plans exactly its prior state: no diff.

use std::sync::Arc;

use crate::diag::{AttributePath, Diagnostics, PathStep};
use crate::schema::{Attribute, AttributeKind, Block, Nesting};
use crate::value::Value;

/// What a plan modifier sees about one attribute.
#[derive(Debug)]
pub struct AttributePlanRequest<'a> {
    /// Path of the attribute.
    pub path: &'a AttributePath,
    /// Its configuration value.
    pub config: &'a Value,
    /// Its prior state value (null when creating).
    pub prior: &'a Value,
    /// Whether the resource is being created.
    pub creating: bool,
}

/// What a plan modifier can change.
#[derive(Debug)]
pub struct AttributePlan {
    /// The planned value.
    pub value: Value,
    /// Set to ask Terraform to replace the resource.
    pub requires_replace: bool,
}

/// Adjusts the planned value of one attribute.
pub trait PlanModifier: Send + Sync {
    /// Modifies `plan` in place.
    fn modify(&self, req: &AttributePlanRequest<'_>, plan: &mut AttributePlan);
}

/// Keeps the prior state value instead of "(known after apply)" for a computed
/// attribute that does not change once set (ids, ARNs, creation times).
#[derive(Clone, Copy, Debug, Default)]
pub struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn modify(&self, req: &AttributePlanRequest<'_>, plan: &mut AttributePlan) {
        if !req.creating && plan.value.is_unknown() && req.config.is_null() {
            plan.value = req.prior.clone();
        }
    }
}

/// Replaces the resource when the attribute's planned value differs from the
/// prior state.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequiresReplace;

impl PlanModifier for RequiresReplace {
    fn modify(&self, req: &AttributePlanRequest<'_>, plan: &mut AttributePlan) {
        if !req.creating && plan.value != *req.prior {
            plan.requires_replace = true;
        }
    }
}

/// Replaces the resource when the value changes and `predicate` says so.
pub fn requires_replace_if<F>(predicate: F) -> RequiresReplaceIf
where
    F: Fn(&AttributePlanRequest<'_>, &Value) -> bool + Send + Sync + 'static,
{
    RequiresReplaceIf(Arc::new(predicate))
}

/// See [`requires_replace_if`].
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct RequiresReplaceIf(Arc<dyn Fn(&AttributePlanRequest<'_>, &Value) -> bool + Send + Sync>);

impl PlanModifier for RequiresReplaceIf {
    fn modify(&self, req: &AttributePlanRequest<'_>, plan: &mut AttributePlan) {
        if !req.creating && plan.value != *req.prior && (self.0)(req, &plan.value) {
            plan.requires_replace = true;
        }
    }
}

/// The outcome of planning a create or update.
#[derive(Debug)]
pub(crate) struct PlanOutcome {
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
}

/// Plans a create (`prior` null) or update from Terraform's proposed state.
pub(crate) fn plan_resource(
    block: &Block,
    prior: &Value,
    config: &Value,
    proposed: Value,
) -> PlanOutcome {
    let creating = prior.is_null();
    let mut planned = proposed;
    prepare_block(block, config, prior, &mut planned);
    let mut requires_replace = Vec::new();
    if creating || planned != *prior {
        let mut path = AttributePath::root();
        modify_block(
            block,
            config,
            prior,
            &mut planned,
            creating,
            &mut path,
            &mut requires_replace,
        );
    }
    PlanOutcome {
        planned,
        requires_replace,
    }
}

/// Nested objects of `planned` paired with the matching config and prior
/// objects. Set elements have no stable identity, so their prior is null.
fn nested_pairs<'v>(
    nesting: Nesting,
    config: &'v Value,
    prior: &'v Value,
    planned: &'v mut Value,
    mut f: impl FnMut(&'v Value, &'v Value, &'v mut Value, PathStepOpt),
) {
    static NULL: Value = Value::Null;
    match (nesting, planned) {
        (Nesting::Single | Nesting::Group, p @ Value::Object(_)) => f(config, prior, p, None),
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
            let set = nesting == Nesting::Set;
            for (i, p) in items.iter_mut().enumerate() {
                let c = config.as_elements().and_then(|e| e.get(i)).unwrap_or(&NULL);
                let pr = if set {
                    &NULL
                } else {
                    prior.as_elements().and_then(|e| e.get(i)).unwrap_or(&NULL)
                };
                f(c, pr, p, Some(PathStep::Index(i as i64)));
            }
        }
        (Nesting::Map, Value::Map(m)) => {
            for (k, p) in m.iter_mut() {
                let c = config.as_entries().and_then(|e| e.get(k)).unwrap_or(&NULL);
                let pr = prior.as_entries().and_then(|e| e.get(k)).unwrap_or(&NULL);
                f(c, pr, p, Some(PathStep::Key(k.clone())));
            }
        }
        _ => {}
    }
}

type PathStepOpt = Option<PathStep>;

fn nested_attrs_block(attributes: &[Attribute]) -> Block {
    Block {
        attributes: attributes.to_vec(),
        ..Default::default()
    }
}

/// Pass 1: defaults, write-only nulling, semantic equality.
fn prepare_block(block: &Block, config: &Value, prior: &Value, planned: &mut Value) {
    if !matches!(planned, Value::Object(_)) {
        return;
    }
    for a in &block.attributes {
        let c = config.attr(&a.name);
        let pr = prior.attr(&a.name);
        let Some(p) = planned.attr_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *p = Value::Null;
            continue;
        }
        if c.is_null() {
            if let Some(d) = &a.default {
                *p = d.clone();
            }
        }
        if let Some(eq) = &a.semantic_equality {
            if !p.is_null() && !pr.is_null() && p.is_fully_known() && *p != *pr && eq(pr, p) {
                *p = pr.clone();
            }
        }
        if let AttributeKind::Nested {
            nesting,
            attributes,
        } = &a.kind
        {
            let inner = nested_attrs_block(attributes);
            nested_pairs(*nesting, c, pr, p, |c, pr, p, _| {
                prepare_block(&inner, c, pr, p)
            });
        }
    }
    for b in &block.blocks {
        let c = config.attr(&b.name);
        let pr = prior.attr(&b.name);
        if let Some(p) = planned.attr_mut(&b.name) {
            nested_pairs(b.nesting, c, pr, p, |c, pr, p, _| {
                prepare_block(&b.block, c, pr, p)
            });
        }
    }
}

/// Pass 2: unknown marking and plan modifiers.
fn modify_block(
    block: &Block,
    config: &Value,
    prior: &Value,
    planned: &mut Value,
    creating: bool,
    path: &mut AttributePath,
    replace: &mut Vec<AttributePath>,
) {
    if !matches!(planned, Value::Object(_)) {
        return;
    }
    for a in &block.attributes {
        let c = config.attr(&a.name);
        let pr = prior.attr(&a.name);
        let Some(p) = planned.attr_mut(&a.name) else {
            continue;
        };
        path.push(PathStep::Attribute(a.name.clone()));
        if a.computed && c.is_null() && a.default.is_none() && !a.write_only {
            *p = Value::unknown();
        }
        if !a.plan_modifiers.is_empty() {
            let req = AttributePlanRequest {
                path,
                config: c,
                prior: pr,
                creating,
            };
            let mut plan = AttributePlan {
                value: std::mem::take(p),
                requires_replace: false,
            };
            for m in &a.plan_modifiers {
                m.modify(&req, &mut plan);
            }
            *p = plan.value;
            if plan.requires_replace {
                replace.push(path.clone());
            }
        }
        if let AttributeKind::Nested {
            nesting,
            attributes,
        } = &a.kind
        {
            let inner = nested_attrs_block(attributes);
            nested_pairs(*nesting, c, pr, p, |c, pr, p, step| {
                if let Some(s) = step.clone() {
                    path.push(s);
                }
                modify_block(&inner, c, pr, p, creating || pr.is_null(), path, replace);
                if step.is_some() {
                    path.pop();
                }
            });
        }
        path.pop();
    }
    for b in &block.blocks {
        let c = config.attr(&b.name);
        let pr = prior.attr(&b.name);
        if let Some(p) = planned.attr_mut(&b.name) {
            path.push(PathStep::Attribute(b.name.clone()));
            nested_pairs(b.nesting, c, pr, p, |c, pr, p, step| {
                if let Some(s) = step.clone() {
                    path.push(s);
                }
                modify_block(&b.block, c, pr, p, creating || pr.is_null(), path, replace);
                if step.is_some() {
                    path.pop();
                }
            });
            path.pop();
        }
    }
}

/// Applies semantic equality after apply or read: attributes whose new
/// value means the same as the old one keep the old value.
pub(crate) fn keep_semantically_equal(block: &Block, old: &Value, new: &mut Value) {
    if !matches!(new, Value::Object(_)) {
        return;
    }
    for a in &block.attributes {
        let o = old.attr(&a.name);
        if let (Some(eq), Some(n)) = (&a.semantic_equality, new.attr_mut(&a.name)) {
            if !o.is_null() && o.is_fully_known() && !n.is_null() && *n != *o && eq(o, n) {
                *n = o.clone();
            }
        }
    }
}

/// Nulls write-only attributes (Terraform must never store them).
pub(crate) fn null_write_only(block: &Block, v: &mut Value) {
    for a in &block.attributes {
        if a.write_only {
            if let Some(x) = v.attr_mut(&a.name) {
                *x = Value::Null;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Consistency checks mirroring Terraform core's
// ---------------------------------------------------------------------------

/// Checks a planned value against configuration and prior state the way
/// Terraform does before accepting a plan. Messages never include values.
pub(crate) fn check_plan(
    block: &Block,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &mut AttributePath,
    diags: &mut Diagnostics,
) {
    for a in &block.attributes {
        path.push(PathStep::Attribute(a.name.clone()));
        let (pr, c, p) = (
            prior.attr(&a.name),
            config.attr(&a.name),
            planned.attr(&a.name),
        );
        let ok = if a.write_only {
            p.is_null()
        } else {
            p == c
                || (p == pr && !pr.is_null() && !c.is_null())
                || (a.computed && !a.optional)
                || (c.is_null() && a.computed)
        };
        if !ok {
            let nested = matches!(a.kind, AttributeKind::Nested { .. });
            if !nested || c.is_null() {
                diags.add_attribute_error(
                    path.clone(),
                    "Provider produced an invalid plan",
                    "The planned value does not match the configuration or the prior state \
                     (tfplugin mirror of Terraform's plan check). This is a provider bug.",
                );
            }
        }
        path.pop();
    }
}

/// Checks an applied value against the plan the way Terraform does after
/// apply: everything known, and every known planned value unchanged.
pub(crate) fn check_apply(
    block: &Block,
    planned: &Value,
    new: &Value,
    path: &mut AttributePath,
    diags: &mut Diagnostics,
) {
    if new.is_null() {
        return;
    }
    for a in &block.attributes {
        path.push(PathStep::Attribute(a.name.clone()));
        let (p, n) = (planned.attr(&a.name), new.attr(&a.name));
        if !n.is_fully_known() {
            diags.add_attribute_error(
                path.clone(),
                "Provider returned an unknown value after apply",
                "Every attribute must be known once a resource is applied. This is a provider bug.",
            );
        } else if p.is_fully_known() && p != n {
            diags.add_attribute_error(
                path.clone(),
                "Provider produced an inconsistent result after apply",
                "The applied value differs from the planned one (tfplugin mirror of \
                 Terraform's check). This is a provider bug.",
            );
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    fn schema() -> Block {
        Block::new()
            .attribute(Attribute::string("name").required().requires_replace())
            .attribute(Attribute::number("size").default(1i64))
            .attribute(Attribute::string("id").computed().use_state_for_unknown())
            .attribute(Attribute::string("etag").computed())
            .attribute(Attribute::json("doc").optional())
            .attribute(Attribute::string("secret").optional().write_only())
    }

    fn state(name: &str, doc: &str) -> Value {
        Value::object([
            ("name", name.into()),
            ("size", 1i64.into()),
            ("id", "i-1".into()),
            ("etag", "e1".into()),
            ("doc", doc.into()),
            ("secret", Value::Null),
        ])
    }

    #[test]
    fn create_marks_computed_unknown_and_applies_defaults() {
        let b = schema();
        let config = Value::object([("name", "a".into()), ("secret", "s3cr3t".into())])
            .conform(&b.value_type())
            .unwrap();
        let out = plan_resource(&b, &Value::Null, &config, config.clone());
        assert!(out.planned.attr("id").is_unknown());
        assert!(out.planned.attr("etag").is_unknown());
        assert_eq!(out.planned.attr("size"), &Value::from(1i64));
        assert!(out.planned.attr("secret").is_null());
        assert!(out.requires_replace.is_empty());
        let mut d = Diagnostics::new();
        check_plan(
            &b,
            &Value::Null,
            &config,
            &out.planned,
            &mut AttributePath::root(),
            &mut d,
        );
        assert!(d.is_empty(), "{d}");
    }

    #[test]
    fn unchanged_resource_plans_no_diff() {
        let b = schema();
        let prior = state("a", r#"{"x":1}"#);
        // Terraform's proposed state copies prior computed values; the JSON
        // was reformatted in the configuration.
        let mut config = prior.clone();
        for k in ["size", "id", "etag"] {
            config.set_attr(k, Value::Null);
        }
        config.set_attr("doc", r#"{ "x": 1.0 }"#.into());
        let mut proposed = prior.clone();
        proposed.set_attr("doc", r#"{ "x": 1.0 }"#.into());
        let out = plan_resource(&b, &prior, &config, proposed);
        assert_eq!(out.planned, prior);
        assert!(out.requires_replace.is_empty());
    }

    #[test]
    fn update_keeps_state_for_unknown_and_requires_replace() {
        let b = schema();
        let prior = state("a", "{}");
        let mut config = prior.clone();
        for k in ["size", "id", "etag"] {
            config.set_attr(k, Value::Null);
        }
        config.set_attr("name", "b".into());
        let mut proposed = prior.clone();
        proposed.set_attr("name", "b".into());
        let out = plan_resource(&b, &prior, &config, proposed);
        assert_eq!(out.planned.attr("id"), &Value::from("i-1"));
        assert!(out.planned.attr("etag").is_unknown());
        assert_eq!(out.requires_replace, vec![AttributePath::attr("name")]);
    }

    #[test]
    fn nested_blocks_and_attributes_are_planned() {
        use crate::schema::{NestedBlock, Nesting};
        let b = Block::new()
            .attribute(
                Attribute::nested(
                    "rules",
                    Nesting::List,
                    vec![
                        Attribute::number("port").required().requires_replace(),
                        Attribute::string("rule_id").computed(),
                    ],
                )
                .optional(),
            )
            .block(NestedBlock::new(
                "settings",
                Nesting::Single,
                Block::new()
                    .attribute(Attribute::string("mode").default("fast"))
                    .attribute(Attribute::string("etag").computed().use_state_for_unknown()),
            ));
        let ty = b.value_type();
        // A configuration of one rule on `port`, the settings left to defaults.
        let config_with_port = |port: i64| {
            Value::object([
                (
                    "rules",
                    Value::List(vec![Value::object([("port", port.into())])]),
                ),
                ("settings", Value::object([("mode", Value::Null)])),
            ])
            .conform(&ty)
            .unwrap()
        };
        let config = config_with_port(80);
        let out = plan_resource(&b, &Value::Null, &config, config.clone());
        let p = &out.planned;
        let rule0 = &p.attr("rules").as_elements().unwrap()[0];
        assert!(rule0.attr("rule_id").is_unknown());
        assert_eq!(p.attr("settings").attr("mode"), &Value::from("fast"));
        assert!(p.attr("settings").attr("etag").is_unknown());

        // Apply-like prior, then change the nested port: replacement at its path.
        let prior = Value::object([
            (
                "rules",
                Value::List(vec![Value::object([
                    ("port", 80i64.into()),
                    ("rule_id", "r1".into()),
                ])]),
            ),
            (
                "settings",
                Value::object([("mode", "fast".into()), ("etag", "e1".into())]),
            ),
        ])
        .conform(&ty)
        .unwrap();
        let config2 = config_with_port(81);
        let mut proposed = prior.clone();
        proposed.set_attr(
            "rules",
            Value::List(vec![Value::object([
                ("port", 81i64.into()),
                ("rule_id", "r1".into()),
            ])]),
        );
        let out = plan_resource(&b, &prior, &config2, proposed);
        assert_eq!(
            out.requires_replace,
            vec![AttributePath::attr("rules").index(0).attribute("port")]
        );
        assert_eq!(
            out.planned.attr("settings").attr("etag"),
            &Value::from("e1")
        );
    }

    #[test]
    fn requires_replace_if_predicate() {
        let m = requires_replace_if(|_, v| v.as_str() == Some("force"));
        let path = AttributePath::attr("x");
        let prior = Value::from("a");
        let req = AttributePlanRequest {
            path: &path,
            config: &Value::Null,
            prior: &prior,
            creating: false,
        };
        let mut p = AttributePlan {
            value: "force".into(),
            requires_replace: false,
        };
        m.modify(&req, &mut p);
        assert!(p.requires_replace);
        let mut p = AttributePlan {
            value: "other".into(),
            requires_replace: false,
        };
        m.modify(&req, &mut p);
        assert!(!p.requires_replace);
    }

    #[test]
    fn apply_check_flags_changed_and_unknown_values() {
        let b = schema();
        let mut planned = state("a", "{}");
        planned.set_attr("etag", Value::unknown());
        let mut new = state("a", "{}");
        let mut d = Diagnostics::new();
        check_apply(&b, &planned, &new, &mut AttributePath::root(), &mut d);
        assert!(d.is_empty());
        new.set_attr("id", "i-2".into());
        new.set_attr("etag", Value::unknown());
        check_apply(&b, &planned, &new, &mut AttributePath::root(), &mut d);
        assert_eq!(d.0.len(), 2);
    }
}
