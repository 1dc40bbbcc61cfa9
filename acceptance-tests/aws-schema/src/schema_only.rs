//! A provider that serves a schema document and nothing else. Validation is
//! Terraform's own, against the schema, plus the one check both provider SDKs
//! make and Terraform leaves to them: a computed-only attribute cannot be
//! set. Every operation that would need the real provider (configure, a real
//! plan, apply, read) fails with an error saying so.

use std::sync::Arc;

use tfplugin::schema::{AttributeKind, Block, Nesting, Schema};
use tfplugin::{
    async_trait, AttributePath, ConfigureRequest, Context, CreateRequest, DataSource,
    DeleteRequest, Diagnostics, Provider, ReadRequest, Resource, UpdateRequest, Value,
};

use crate::providers_schema::{ProviderSchema, SchemaError};

fn refused(what: &str) -> Diagnostics {
    Diagnostics::error(
        "Schema-only provider",
        format!(
            "This `aws` provider only serves the hashicorp/aws schema (for terraform validate and for \
             terraform test with mock_provider \"aws\"); it cannot {what}. Use mock_provider \"aws\" \
             in the test, or install the real hashicorp/aws provider."
        ),
    )
}

/// The provider: `name` and every schema of one document entry.
pub struct SchemaOnly {
    name: String,
    provider: Schema,
    resources: Vec<Arc<Type>>,
    data_sources: Vec<Arc<Type>>,
}

impl SchemaOnly {
    /// Builds the provider `name` from its schemas.
    pub fn new(name: &str, doc: &ProviderSchema) -> Result<SchemaOnly, SchemaError> {
        let build = |m: &std::collections::BTreeMap<String, crate::providers_schema::SchemaDoc>| {
            m.iter()
                .map(|(k, v)| {
                    Ok(Arc::new(Type {
                        name: k.clone(),
                        schema: v.to_schema(k)?,
                    }))
                })
                .collect::<Result<Vec<_>, SchemaError>>()
        };
        Ok(SchemaOnly {
            name: name.to_string(),
            provider: doc.provider.to_schema("provider")?,
            resources: build(&doc.resource_schemas)?,
            data_sources: build(&doc.data_source_schemas)?,
        })
    }
}

/// One resource or data source type.
pub struct Type {
    name: String,
    schema: Schema,
}

/// The objects a nested block or nested attribute value holds.
fn objects(nesting: Nesting, v: &Value, path: &AttributePath) -> Vec<(AttributePath, Value)> {
    match (nesting, v) {
        (_, Value::Null | Value::Unknown(_)) => Vec::new(),
        (Nesting::Single | Nesting::Group, _) => vec![(path.clone(), v.clone())],
        (Nesting::Map, Value::Map(m) | Value::Object(m)) => m
            .iter()
            .map(|(k, x)| (path.clone().key(k.clone()), x.clone()))
            .collect(),
        (_, Value::List(xs) | Value::Set(xs) | Value::Tuple(xs)) => xs
            .iter()
            .enumerate()
            .map(|(i, x)| (path.clone().index(i), x.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Errors for every computed-only attribute set in `config`.
fn read_only_set(
    type_name: &str,
    attrs: &[tfplugin::Attribute],
    blocks: &[tfplugin::NestedBlock],
    config: &Value,
    path: &AttributePath,
    out: &mut Diagnostics,
) {
    for a in attrs {
        let v = config.attr(&a.name);
        let at = path.clone().attribute(a.name.clone());
        if a.computed && !a.optional && !a.required && !v.is_null() {
            out.add_attribute_error(
                at.clone(),
                "Value for a read-only attribute",
                format!(
                    "hashicorp/aws computes \"{}\" of {type_name}; it cannot be set in configuration.",
                    a.name
                ),
            );
            continue;
        }
        if let AttributeKind::Nested {
            nesting,
            attributes,
        } = &a.kind
        {
            for (p, o) in objects(*nesting, v, &at) {
                read_only_set(type_name, attributes, &[], &o, &p, out);
            }
        }
    }
    for b in blocks {
        let at = path.clone().attribute(b.name.clone());
        for (p, o) in objects(b.nesting, config.attr(&b.name), &at) {
            read_only_set(type_name, &b.block.attributes, &b.block.blocks, &o, &p, out);
        }
    }
}

impl Type {
    fn check(&self, config: &Value) -> Result<(), Diagnostics> {
        let mut d = Diagnostics::new();
        let Block {
            attributes, blocks, ..
        } = &self.schema.block;
        read_only_set(
            &self.name,
            attributes,
            blocks,
            config,
            &AttributePath::root(),
            &mut d,
        );
        d.into_result(())
    }
}

#[async_trait]
impl Provider for SchemaOnly {
    type Data = ();

    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> Schema {
        self.provider.clone()
    }

    async fn configure(&self, _ctx: &Context, _req: ConfigureRequest) -> Result<(), Diagnostics> {
        Err(refused("be configured to call AWS"))
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<()>>> {
        self.resources
            .iter()
            .map(|t| t.clone() as Arc<dyn Resource<()>>)
            .collect()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<()>>> {
        self.data_sources
            .iter()
            .map(|t| t.clone() as Arc<dyn DataSource<()>>)
            .collect()
    }
}

#[async_trait]
impl Resource<()> for Type {
    fn type_name(&self) -> &str {
        &self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn validate(&self, _ctx: &Context, config: &Value) -> Result<(), Diagnostics> {
        self.check(config)
    }
    async fn create(&self, _: &Context, _: &(), _: CreateRequest) -> Result<Value, Diagnostics> {
        Err(refused("create resources"))
    }
    async fn read(
        &self,
        _: &Context,
        _: &(),
        _: ReadRequest,
    ) -> Result<Option<Value>, Diagnostics> {
        Err(refused("read resources"))
    }
    async fn update(&self, _: &Context, _: &(), _: UpdateRequest) -> Result<Value, Diagnostics> {
        Err(refused("update resources"))
    }
    async fn delete(&self, _: &Context, _: &(), _: DeleteRequest) -> Result<(), Diagnostics> {
        Err(refused("delete resources"))
    }
}

#[async_trait]
impl DataSource<()> for Type {
    fn type_name(&self) -> &str {
        &self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn validate(&self, _ctx: &Context, config: &Value) -> Result<(), Diagnostics> {
        self.check(config)
    }
    async fn read(&self, _: &Context, _: &(), _: Value) -> Result<Value, Diagnostics> {
        Err(refused("read data sources"))
    }
}
