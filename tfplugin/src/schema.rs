//! Schemas: what a provider, resource or data source accepts and returns, and
//! the signatures of functions.
//!
//! Build them with the small builder API:
//!
//! ```
//! use tfplugin::schema::{Attribute, Block, Schema};
//! use tfplugin::validators;
//!
//! let schema = Schema::new(
//!     Block::new()
//!         .description("An example")
//!         .attribute(Attribute::string("name").required()
//!             .validator(validators::string_length(1, 64)))
//!         .attribute(Attribute::string("id").computed().use_state_for_unknown()),
//! );
//! assert_eq!(schema.block.attributes.len(), 2);
//! ```

use std::fmt;
use std::sync::Arc;

use crate::plan::{PlanModifier, RequiresReplace, UseStateForUnknown};
use crate::validators::Validator;
use crate::value::{Type, Value};

/// How a description is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DescriptionKind {
    /// Plain text.
    #[default]
    Plain,
    /// Markdown.
    Markdown,
}

impl DescriptionKind {
    fn to_proto(self) -> i32 {
        use magma_protocol::tfplugin6::StringKind;
        match self {
            DescriptionKind::Plain => StringKind::Plain as i32,
            DescriptionKind::Markdown => StringKind::Markdown as i32,
        }
    }
}

/// A schema with a version (bump it and implement state upgrade when the
/// stored shape changes).
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Schema version of stored state.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// Version 0 schema around `block`.
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    /// Sets the version.
    #[must_use]
    pub fn version(mut self, v: i64) -> Self {
        self.version = v;
        self
    }

    /// The object type of values of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    pub(crate) fn to_proto(&self) -> magma_protocol::tfplugin6::Schema {
        magma_protocol::tfplugin6::Schema {
            version: self.version,
            block: Some(self.block.to_proto(self.version)),
        }
    }
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Attributes, in declaration order.
    pub attributes: Vec<Attribute>,
    /// Nested blocks.
    pub blocks: Vec<NestedBlock>,
    /// Description for docs and language servers.
    pub description: String,
    /// How `description` is written.
    pub description_kind: DescriptionKind,
    /// Deprecation message; `Some` marks the block deprecated.
    pub deprecated: Option<String>,
}

impl Block {
    /// An empty block.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an attribute.
    #[must_use]
    pub fn attribute(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }

    /// Adds a nested block.
    #[must_use]
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }

    /// Sets a plain-text description.
    #[must_use]
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// Sets a Markdown description.
    #[must_use]
    pub fn markdown_description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self.description_kind = DescriptionKind::Markdown;
        self
    }

    /// Marks the block deprecated.
    #[must_use]
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// Looks up an attribute by name.
    pub fn get_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The object type of values of this block.
    pub fn value_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value_type()))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), b.value_type()))),
        )
    }

    pub(crate) fn to_proto(&self, version: i64) -> magma_protocol::tfplugin6::schema::Block {
        magma_protocol::tfplugin6::schema::Block {
            version,
            attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
            block_types: self.blocks.iter().map(NestedBlock::to_proto).collect(),
            description: self.description.clone(),
            description_kind: self.description_kind.to_proto(),
            deprecated: self.deprecated.is_some(),
            deprecation_message: self.deprecated.clone().unwrap_or_default(),
        }
    }
}

/// How nested blocks or nested attributes repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one, as an object.
    Single,
    /// Exactly one, always present (blocks only).
    Group,
    /// An ordered list.
    List,
    /// A set.
    Set,
    /// A map keyed by label (blocks) or key (attributes).
    Map,
}

impl Nesting {
    fn wrap(self, t: Type) -> Type {
        match self {
            Nesting::Single | Nesting::Group => t,
            Nesting::List => Type::list(t),
            Nesting::Set => Type::set(t),
            Nesting::Map => Type::map(t),
        }
    }
}

/// A nested block type such as `rule { ... }`.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// Block type name.
    pub name: String,
    /// How it repeats.
    pub nesting: Nesting,
    /// Its contents.
    pub block: Block,
    /// Minimum count (list/set).
    pub min_items: i64,
    /// Maximum count (list/set; 0 = unlimited).
    pub max_items: i64,
}

impl NestedBlock {
    /// A nested block with the given nesting.
    pub fn new(name: impl Into<String>, nesting: Nesting, block: Block) -> Self {
        Self {
            name: name.into(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
        }
    }

    /// Sets item limits.
    #[must_use]
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    /// The type of the value for this block.
    pub fn value_type(&self) -> Type {
        self.nesting.wrap(self.block.value_type())
    }

    fn to_proto(&self) -> magma_protocol::tfplugin6::schema::NestedBlock {
        use magma_protocol::tfplugin6::schema::nested_block::NestingMode as M;
        magma_protocol::tfplugin6::schema::NestedBlock {
            type_name: self.name.clone(),
            block: Some(self.block.to_proto(0)),
            nesting: match self.nesting {
                Nesting::Single => M::Single,
                Nesting::Group => M::Group,
                Nesting::List => M::List,
                Nesting::Set => M::Set,
                Nesting::Map => M::Map,
            } as i32,
            min_items: self.min_items,
            max_items: self.max_items,
        }
    }
}

/// What an attribute holds: a value of a type, or nested attributes.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    /// A value of this type.
    Typed(Type),
    /// Nested attributes (an object, or a collection of objects).
    Nested {
        /// How the objects repeat.
        nesting: Nesting,
        /// The object's attributes.
        attributes: Vec<Attribute>,
    },
}

/// Compares two values for "the same meaning" (e.g. JSON text).
pub type SemanticEquality = Arc<dyn Fn(&Value, &Value) -> bool + Send + Sync>;

/// An attribute of a block.
#[derive(Clone)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Type or nested attributes.
    pub kind: AttributeKind,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider (when not configured, if also optional).
    pub computed: bool,
    /// Hidden in plan output; never logged by this crate.
    pub sensitive: bool,
    /// Configuration only, never stored in plan or state (Terraform >= 1.11).
    pub write_only: bool,
    /// Deprecation message; `Some` marks the attribute deprecated.
    pub deprecated: Option<String>,
    /// Description for docs.
    pub description: String,
    /// How `description` is written.
    pub description_kind: DescriptionKind,
    /// Value planned when the configuration leaves this optional+computed
    /// attribute null.
    pub default: Option<Value>,
    /// Checks run on known, non-null configuration values.
    pub validators: Vec<Arc<dyn Validator>>,
    /// Plan modifiers, run in order.
    pub plan_modifiers: Vec<Arc<dyn PlanModifier>>,
    /// When set, a new value that is semantically equal to the old one keeps
    /// the old one (no diff for reformatted JSON, for example).
    pub semantic_equality: Option<SemanticEquality>,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("required", &self.required)
            .field("optional", &self.optional)
            .field("computed", &self.computed)
            .field("sensitive", &self.sensitive)
            .field("write_only", &self.write_only)
            .field("default", &self.default)
            .field("validators", &self.validators.len())
            .field("plan_modifiers", &self.plan_modifiers.len())
            .finish_non_exhaustive()
    }
}

impl Attribute {
    /// An attribute of type `ty`. Call `.required()`, `.optional()` and/or
    /// `.computed()` next: one of them is mandatory.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Self {
            name: name.into(),
            kind: AttributeKind::Typed(ty),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: None,
            description: String::new(),
            description_kind: DescriptionKind::Plain,
            default: None,
            validators: Vec::new(),
            plan_modifiers: Vec::new(),
            semantic_equality: None,
        }
    }

    /// A `string` attribute.
    pub fn string(name: impl Into<String>) -> Self {
        Self::new(name, Type::String)
    }
    /// A `number` attribute.
    pub fn number(name: impl Into<String>) -> Self {
        Self::new(name, Type::Number)
    }
    /// A `bool` attribute.
    pub fn bool(name: impl Into<String>) -> Self {
        Self::new(name, Type::Bool)
    }
    /// A `dynamic` attribute.
    pub fn dynamic(name: impl Into<String>) -> Self {
        Self::new(name, Type::Dynamic)
    }
    /// A string attribute holding a JSON document, compared semantically
    /// (whitespace and key order do not cause diffs).
    pub fn json(name: impl Into<String>) -> Self {
        Self::string(name).semantic_equality(Arc::new(|a: &Value, b: &Value| {
            match (a.as_str(), b.as_str()) {
                (Some(x), Some(y)) => x == y || crate::json::semantically_equal(x, y),
                _ => false,
            }
        }))
    }
    /// Nested attributes.
    pub fn nested(name: impl Into<String>, nesting: Nesting, attributes: Vec<Attribute>) -> Self {
        let mut a = Self::new(name, Type::Dynamic);
        a.kind = AttributeKind::Nested {
            nesting,
            attributes,
        };
        a
    }

    /// Must be set in configuration.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// May be set in configuration.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    /// Computed by the provider.
    #[must_use]
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    /// Sensitive.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Write-only (never stored).
    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    /// Deprecated with a message.
    #[must_use]
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }
    /// Plain-text description.
    #[must_use]
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }
    /// Markdown description.
    #[must_use]
    pub fn markdown_description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self.description_kind = DescriptionKind::Markdown;
        self
    }
    /// Default for a null configuration value. Makes the attribute optional
    /// and computed, as Terraform requires for provider-set values.
    #[must_use]
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self.optional = true;
        self.computed = true;
        self
    }
    /// Adds a validator.
    #[must_use]
    pub fn validator(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }
    /// Adds a plan modifier.
    #[must_use]
    pub fn plan_modifier(mut self, m: impl PlanModifier + 'static) -> Self {
        self.plan_modifiers.push(Arc::new(m));
        self
    }
    /// Shorthand for the [`UseStateForUnknown`] plan modifier.
    #[must_use]
    pub fn use_state_for_unknown(self) -> Self {
        self.plan_modifier(UseStateForUnknown)
    }
    /// Shorthand for the [`RequiresReplace`] plan modifier.
    #[must_use]
    pub fn requires_replace(self) -> Self {
        self.plan_modifier(RequiresReplace)
    }
    /// Sets a semantic equality check.
    #[must_use]
    pub fn semantic_equality(mut self, f: SemanticEquality) -> Self {
        self.semantic_equality = Some(f);
        self
    }

    /// The type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Typed(t) => t.clone(),
            AttributeKind::Nested {
                nesting,
                attributes,
            } => nesting.wrap(Type::object(
                attributes.iter().map(|a| (a.name.clone(), a.value_type())),
            )),
        }
    }

    #[allow(deprecated)] // Object.min_items/max_items: must still be filled in.
    fn to_proto(&self) -> magma_protocol::tfplugin6::schema::Attribute {
        use magma_protocol::tfplugin6::schema::{object::NestingMode as M, Object};
        let (ty, nested) = match &self.kind {
            AttributeKind::Typed(t) => (t.to_json().into_bytes(), None),
            AttributeKind::Nested {
                nesting,
                attributes,
            } => (
                Vec::new(),
                Some(Object {
                    attributes: attributes.iter().map(Attribute::to_proto).collect(),
                    nesting: match nesting {
                        Nesting::Single | Nesting::Group => M::Single,
                        Nesting::List => M::List,
                        Nesting::Set => M::Set,
                        Nesting::Map => M::Map,
                    } as i32,
                    min_items: 0,
                    max_items: 0,
                }),
            ),
        };
        magma_protocol::tfplugin6::schema::Attribute {
            name: self.name.clone(),
            r#type: ty,
            nested_type: nested,
            description: self.description.clone(),
            required: self.required,
            optional: self.optional,
            computed: self.computed,
            sensitive: self.sensitive,
            description_kind: self.description_kind.to_proto(),
            deprecated: self.deprecated.is_some(),
            write_only: self.write_only,
            deprecation_message: self.deprecated.clone().unwrap_or_default(),
        }
    }
}

/// Checks a schema for mistakes Terraform would reject or crash on.
/// Returns human-readable problems (empty when fine).
pub fn check_block(block: &Block) -> Vec<String> {
    let mut out = Vec::new();
    check_attrs(&block.attributes, "", &mut out);
    for b in &block.blocks {
        for p in check_block(&b.block) {
            out.push(format!("{}.{p}", b.name));
        }
    }
    out
}

fn check_attrs(attrs: &[Attribute], prefix: &str, out: &mut Vec<String>) {
    for a in attrs {
        let n = format!("{prefix}{}", a.name);
        if !(a.required || a.optional || a.computed) {
            out.push(format!("{n}: must set required, optional or computed"));
        }
        if a.required && (a.optional || a.computed) {
            out.push(format!(
                "{n}: required cannot be combined with optional or computed"
            ));
        }
        if a.default.is_some() && !(a.optional && a.computed) {
            out.push(format!("{n}: a default needs optional and computed"));
        }
        if a.write_only && a.computed {
            out.push(format!("{n}: write-only attributes cannot be computed"));
        }
        if let AttributeKind::Nested { attributes, .. } = &a.kind {
            check_attrs(attributes, &format!("{n}."), out);
        }
    }
}

/// A function parameter.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// Name (shown in errors and docs).
    pub name: String,
    /// Type constraint.
    pub ty: Type,
    /// Whether null may be passed (otherwise Terraform rejects it).
    pub allow_null: bool,
    /// Whether unknown values may be passed (otherwise Terraform skips the
    /// call until the value is known).
    pub allow_unknown: bool,
    /// Description.
    pub description: String,
}

impl Parameter {
    /// A parameter that takes known, non-null values.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Self {
            name: name.into(),
            ty,
            allow_null: false,
            allow_unknown: false,
            description: String::new(),
        }
    }
    /// Accept null.
    #[must_use]
    pub fn allow_null(mut self) -> Self {
        self.allow_null = true;
        self
    }
    /// Accept unknown values.
    #[must_use]
    pub fn allow_unknown(mut self) -> Self {
        self.allow_unknown = true;
        self
    }
    /// Description.
    #[must_use]
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    fn to_proto(&self) -> magma_protocol::tfplugin6::function::Parameter {
        magma_protocol::tfplugin6::function::Parameter {
            name: self.name.clone(),
            r#type: self.ty.to_json().into_bytes(),
            allow_null_value: self.allow_null,
            allow_unknown_values: self.allow_unknown,
            description: self.description.clone(),
            description_kind: DescriptionKind::Plain.to_proto(),
        }
    }
}

/// A provider function's signature.
#[derive(Clone, Debug)]
pub struct FunctionSignature {
    /// Positional parameters.
    pub parameters: Vec<Parameter>,
    /// Trailing variadic parameter.
    pub variadic: Option<Parameter>,
    /// Return type (always sent: Terraform crashes without one).
    pub return_type: Type,
    /// One-line summary.
    pub summary: String,
    /// Longer description.
    pub description: String,
    /// How `description` is written.
    pub description_kind: DescriptionKind,
    /// Deprecation message.
    pub deprecated: Option<String>,
}

impl FunctionSignature {
    /// A signature returning `return_type`.
    pub fn new(return_type: Type) -> Self {
        Self {
            parameters: Vec::new(),
            variadic: None,
            return_type,
            summary: String::new(),
            description: String::new(),
            description_kind: DescriptionKind::Plain,
            deprecated: None,
        }
    }
    /// Adds a positional parameter.
    #[must_use]
    pub fn parameter(mut self, p: Parameter) -> Self {
        self.parameters.push(p);
        self
    }
    /// Sets the variadic parameter.
    #[must_use]
    pub fn variadic(mut self, p: Parameter) -> Self {
        self.variadic = Some(p);
        self
    }
    /// Sets the summary.
    #[must_use]
    pub fn summary(mut self, s: impl Into<String>) -> Self {
        self.summary = s.into();
        self
    }
    /// Sets a plain-text description.
    #[must_use]
    pub fn description(mut self, s: impl Into<String>) -> Self {
        self.description = s.into();
        self
    }
    /// Sets a Markdown description.
    #[must_use]
    pub fn markdown_description(mut self, s: impl Into<String>) -> Self {
        self.description = s.into();
        self.description_kind = DescriptionKind::Markdown;
        self
    }
    /// Marks the function deprecated.
    #[must_use]
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// The parameter that argument `index` is passed to.
    pub fn parameter_for(&self, index: usize) -> Option<&Parameter> {
        self.parameters.get(index).or(self.variadic.as_ref())
    }

    pub(crate) fn to_proto(&self) -> magma_protocol::tfplugin6::Function {
        use magma_protocol::tfplugin6::function::Return;
        magma_protocol::tfplugin6::Function {
            parameters: self.parameters.iter().map(Parameter::to_proto).collect(),
            variadic_parameter: self.variadic.as_ref().map(Parameter::to_proto),
            r#return: Some(Return {
                r#type: self.return_type.to_json().into_bytes(),
            }),
            summary: self.summary.clone(),
            description: self.description.clone(),
            description_kind: self.description_kind.to_proto(),
            deprecation_message: self.deprecated.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_type_and_proto() {
        let b = Block::new()
            .attribute(Attribute::string("a").required())
            .attribute(
                Attribute::nested("n", Nesting::List, vec![Attribute::number("x").optional()])
                    .optional(),
            )
            .block(NestedBlock::new(
                "r",
                Nesting::Set,
                Block::new().attribute(Attribute::bool("on").optional()),
            ));
        assert_eq!(
            b.value_type().to_json(),
            r#"["object",{"a":"string","n":["list",["object",{"x":"number"}]],"r":["set",["object",{"on":"bool"}]]}]"#
        );
        let p = b.to_proto(0);
        assert_eq!(p.attributes[0].r#type, br#""string""#);
        assert!(p.attributes[1].nested_type.is_some());
        assert!(check_block(&b).is_empty());
    }

    #[test]
    fn check_catches_mistakes() {
        let b = Block::new()
            .attribute(Attribute::string("a"))
            .attribute(Attribute::string("b").required().computed());
        assert_eq!(check_block(&b).len(), 2);
    }

    #[test]
    fn function_return_is_always_set() {
        let f = FunctionSignature::new(Type::Number).parameter(Parameter::new("x", Type::Number));
        let p = f.to_proto();
        assert_eq!(p.r#return.unwrap().r#type, br#""number""#);
        assert_eq!(p.parameters[0].r#type, br#""number""#);
    }
}
