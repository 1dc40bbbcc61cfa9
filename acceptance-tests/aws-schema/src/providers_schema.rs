//! The provider schema document in the format `terraform providers schema
//! -json` prints (format 1.0), and its translation into tfplugin schemas.
//!
//! The converter writes this format and the schema-only provider reads it, so
//! the provider serves any schema in it: the one rebuilt from CDKTF here, or
//! one dumped from the real provider on a machine that can install it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use tfplugin::Type;

/// The whole document: provider source address -> its schemas.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Document {
    /// Always "1.0".
    pub format_version: String,
    /// Schemas by provider source address.
    pub provider_schemas: BTreeMap<String, ProviderSchema>,
}

/// One provider's schemas.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ProviderSchema {
    /// The `provider` block.
    pub provider: SchemaDoc,
    /// Managed resource types.
    #[serde(default)]
    pub resource_schemas: BTreeMap<String, SchemaDoc>,
    /// Data source types.
    #[serde(default)]
    pub data_source_schemas: BTreeMap<String, SchemaDoc>,
}

/// A versioned block.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SchemaDoc {
    /// Schema version of stored state.
    #[serde(default)]
    pub version: i64,
    /// The top-level block.
    pub block: BlockDoc,
}

/// A block: attributes and nested block types.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BlockDoc {
    /// Attributes by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeDoc>,
    /// Nested block types by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub block_types: BTreeMap<String, BlockTypeDoc>,
    /// Description, when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// An attribute: a cty type, or nested attributes.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AttributeDoc {
    /// The cty type in its JSON form (`"string"`, `["list","string"]`, ...).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<Value>,
    /// Nested attributes instead of a type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested_type: Option<NestedTypeDoc>,
    /// Must be set.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// May be set.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Set by the provider.
    #[serde(default, skip_serializing_if = "is_false")]
    pub computed: bool,
    /// Hidden in plan output.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    /// Description, when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// Nested attributes and how they repeat.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct NestedTypeDoc {
    /// The object's attributes.
    pub attributes: BTreeMap<String, AttributeDoc>,
    /// `single`, `list`, `set` or `map`.
    pub nesting_mode: String,
}

/// A nested block type.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BlockTypeDoc {
    /// `single`, `group`, `list`, `set` or `map`.
    pub nesting_mode: String,
    /// Its contents.
    pub block: BlockDoc,
    /// Minimum count (list and set).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_items: i64,
    /// Maximum count (list and set; 0 = unlimited).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_items: i64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// What is wrong with a document.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A type that is not a cty type.
    #[error("{path}: invalid type {ty}")]
    Type {
        /// Where.
        path: String,
        /// The offending JSON.
        ty: String,
    },
    /// A nesting mode Terraform does not know.
    #[error("{path}: invalid nesting mode {mode:?}")]
    Nesting {
        /// Where.
        path: String,
        /// The offending mode.
        mode: String,
    },
    /// An attribute with neither a type nor nested attributes.
    #[error("{path}: an attribute needs a type or nested attributes")]
    Untyped {
        /// Where.
        path: String,
    },
}

fn nesting(mode: &str, path: &str) -> Result<Nesting, SchemaError> {
    Ok(match mode {
        "single" => Nesting::Single,
        "group" => Nesting::Group,
        "list" => Nesting::List,
        "set" => Nesting::Set,
        "map" => Nesting::Map,
        _ => {
            return Err(SchemaError::Nesting {
                path: path.to_string(),
                mode: mode.to_string(),
            })
        }
    })
}

impl AttributeDoc {
    /// The tfplugin attribute named `name`.
    pub fn to_attribute(&self, name: &str, path: &str) -> Result<Attribute, SchemaError> {
        let path = format!("{path}.{name}");
        let mut a = match (&self.ty, &self.nested_type) {
            (Some(ty), _) => {
                let text = ty.to_string();
                let parsed = Type::from_json(text.as_bytes()).map_err(|_| SchemaError::Type {
                    path: path.clone(),
                    ty: text.clone(),
                })?;
                Attribute::new(name, parsed)
            }
            (None, Some(n)) => {
                let attrs = n
                    .attributes
                    .iter()
                    .map(|(k, v)| v.to_attribute(k, &path))
                    .collect::<Result<Vec<_>, _>>()?;
                Attribute::nested(name, nesting(&n.nesting_mode, &path)?, attrs)
            }
            (None, None) => return Err(SchemaError::Untyped { path }),
        };
        a.required = self.required;
        a.optional = self.optional;
        a.computed = self.computed;
        a.sensitive = self.sensitive;
        a.description = self.description.clone();
        Ok(a)
    }
}

impl BlockDoc {
    /// The tfplugin block.
    pub fn to_block(&self, path: &str) -> Result<Block, SchemaError> {
        let mut b = Block::new().description(self.description.clone());
        for (name, a) in &self.attributes {
            b = b.attribute(a.to_attribute(name, path)?);
        }
        for (name, t) in &self.block_types {
            let inner = t.block.to_block(&format!("{path}.{name}"))?;
            b = b.block(
                NestedBlock::new(name, nesting(&t.nesting_mode, path)?, inner)
                    .items(t.min_items, t.max_items),
            );
        }
        Ok(b)
    }

    /// Every attribute and block path below this block, for counting and
    /// comparing (`a`, `b.c`, ...).
    pub fn paths(&self, prefix: &str, out: &mut Vec<String>) {
        for (name, a) in &self.attributes {
            let p = format!("{prefix}{name}");
            if let Some(n) = &a.nested_type {
                let inner = BlockDoc {
                    attributes: n.attributes.clone(),
                    ..BlockDoc::default()
                };
                inner.paths(&format!("{p}."), out);
            }
            out.push(p);
        }
        for (name, t) in &self.block_types {
            let p = format!("{prefix}{name}");
            t.block.paths(&format!("{p}."), out);
            out.push(p);
        }
    }
}

impl SchemaDoc {
    /// The tfplugin schema.
    pub fn to_schema(&self, path: &str) -> Result<Schema, SchemaError> {
        Ok(Schema::new(self.block.to_block(path)?).version(self.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_terraforms_own_format_and_builds_tfplugin_schemas() {
        let doc: SchemaDoc = serde_json::from_str(
            r#"{"version":1,"block":{
                "attributes":{
                  "name":{"type":"string","required":true},
                  "tags":{"type":["map","string"],"optional":true},
                  "arn":{"type":"string","computed":true},
                  "rules":{"nested_type":{"nesting_mode":"list","attributes":{
                      "cidr":{"type":"string","optional":true}}},"optional":true}
                },
                "block_types":{"vpc_config":{"nesting_mode":"list","max_items":1,"min_items":1,
                  "block":{"attributes":{"subnet_ids":{"type":["set","string"],"required":true}}}}}
            }}"#,
        )
        .unwrap();
        let s = doc.to_schema("aws_x").unwrap();
        assert_eq!(s.version, 1);
        let name = s.block.get_attribute("name").unwrap();
        assert!(name.required && !name.optional && !name.computed);
        assert_eq!(
            s.block.get_attribute("tags").unwrap().value_type(),
            Type::map(Type::String)
        );
        assert_eq!(
            s.block.get_attribute("rules").unwrap().value_type(),
            Type::list(Type::object([("cidr", Type::String)]))
        );
        let vpc = &s.block.blocks[0];
        assert_eq!(
            (vpc.nesting, vpc.min_items, vpc.max_items),
            (Nesting::List, 1, 1)
        );
        let mut paths = Vec::new();
        doc.block.paths("", &mut paths);
        paths.sort();
        assert_eq!(
            paths,
            [
                "arn",
                "name",
                "rules",
                "rules.cidr",
                "tags",
                "vpc_config",
                "vpc_config.subnet_ids"
            ]
        );
        // Round trip: what we write is what we read.
        let text = serde_json::to_string(&doc).unwrap();
        let back: SchemaDoc = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn refuses_what_terraform_would_crash_on() {
        let bad: SchemaDoc = serde_json::from_str(
            r#"{"block":{"attributes":{"x":{"type":"strin","optional":true}}}}"#,
        )
        .unwrap();
        assert!(matches!(bad.to_schema("t"), Err(SchemaError::Type { .. })));
        let untyped: SchemaDoc =
            serde_json::from_str(r#"{"block":{"attributes":{"x":{"optional":true}}}}"#).unwrap();
        assert!(matches!(
            untyped.to_schema("t"),
            Err(SchemaError::Untyped { .. })
        ));
        let nesting: SchemaDoc = serde_json::from_str(
            r#"{"block":{"block_types":{"b":{"nesting_mode":"bag","block":{}}}}}"#,
        )
        .unwrap();
        assert!(matches!(
            nesting.to_schema("t"),
            Err(SchemaError::Nesting { .. })
        ));
    }
}
