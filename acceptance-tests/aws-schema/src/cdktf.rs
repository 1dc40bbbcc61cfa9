//! Rebuilds a provider schema from HashiCorp's generated CDKTF binding of it
//! (the npm package `@cdktf/provider-aws`), which is the only form of the
//! hashicorp/aws schema these machines can download.
//!
//! How the package stores the schema (there is no schema JSON in it): one
//! directory per resource or data source under `lib/`, each with generated
//! JavaScript (`index.js`, large ones split into `index-structs/*.js`) and
//! TypeScript declarations (`index.d.ts`). The code generator leaves
//! everything Terraform needs there, in a fixed shape:
//!
//! - `X.tfResourceType = "aws_..."` names the Terraform type of class `X`;
//! - every argument and block is an entry of `synthesizeHclAttributes()` (the
//!   resource) or `xToHclTerraform(struct)` (a nested struct):
//!   `name: { value: <expr>, isBlock, type: "simple|list|set|map|struct",
//!   storageClassType: "string|stringList|...|<StructClass>List" }`; for a
//!   struct, `<expr>` calls its own `...ToHclTerraform`, wrapped in
//!   `listMapperHcl(f, true)` for list/set blocks, `listMapperHcl(f, false)`
//!   for list/set attributes of objects, `hashMapperHcl(f)` for a map, and
//!   nothing for a block of at most one;
//! - the declarations mark an optional argument `readonly name?:`;
//! - every computed-only attribute, and every struct-valued one, is
//!   introduced by the comment `// name - computed: B, optional: B,
//!   required: B` followed by its getter (`return this.getStringAttribute('name')`,
//!   ...) or its field (`this._x = new XList(this, "name", wrapsSet)`).
//!
//! What the binding does not carry, and is therefore approximated: whether an
//! optional primitive argument is also computed (marked optional only, except
//! the `id` that SDKv2 adds, which its docs flag), the five structs the
//! generator gave up on and typed `any` (wafv2 `statement`, QuickSight
//! `definition`: `dynamic` here, and a set block around one becomes a list,
//! as Terraform refuses `dynamic` in sets), `sensitive`, descriptions,
//! deprecations, schema versions, more than one as a block's minimum or any
//! maximum other than one, provider functions, ephemeral and list resources.
//! Anything in a shape this module does not know is an error, never a guess.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::providers_schema::{
    AttributeDoc, BlockDoc, BlockTypeDoc, Document, NestedTypeDoc, ProviderSchema, SchemaDoc,
};

/// What went wrong reading or converting the package.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The tarball cannot be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The tarball.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The package is not the binding of a provider.
    #[error("package.json: {0}")]
    Package(String),
    /// Generated code in a shape this converter does not know.
    #[error("{dir}: {what}")]
    Shape {
        /// The lib/ directory.
        dir: String,
        /// What was unexpected.
        what: String,
    },
}

fn shape(dir: &str, what: impl Into<String>) -> ConvertError {
    ConvertError::Shape {
        dir: dir.to_string(),
        what: what.into(),
    }
}

/// The generated sources of one `lib/<dir>`.
#[derive(Default)]
struct DirSources {
    js: Vec<String>,
    dts: Vec<String>,
}

/// The parts of the npm tarball the conversion reads.
pub struct Package {
    /// The provider the binding was generated from, e.g.
    /// `registry.terraform.io/hashicorp/aws`.
    pub provider: String,
    /// Its version, e.g. `6.25.0`.
    pub provider_version: String,
    /// The npm package version.
    pub version: String,
    dirs: BTreeMap<String, DirSources>,
}

impl Package {
    /// Reads the `.tgz` npm produced (`npm pack`), keeping only `package.json`
    /// and the generated sources.
    pub fn read(tgz: &Path) -> Result<Package, ConvertError> {
        let io = |source| ConvertError::Io {
            path: tgz.display().to_string(),
            source,
        };
        let file = std::fs::File::open(tgz).map_err(io)?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let mut dirs: BTreeMap<String, DirSources> = BTreeMap::new();
        let mut package_json = None;
        for entry in archive.entries().map_err(io)? {
            let mut entry = entry.map_err(io)?;
            let path = entry.path().map_err(io)?.to_string_lossy().into_owned();
            let Some(rel) = path.strip_prefix("package/") else {
                continue;
            };
            if rel == "package.json" {
                let mut s = String::new();
                entry.read_to_string(&mut s).map_err(io)?;
                package_json = Some(s);
                continue;
            }
            let Some(rest) = rel.strip_prefix("lib/") else {
                continue;
            };
            let Some((dir, file)) = rest.split_once('/') else {
                continue; // lib/index.js and friends: only re-exports
            };
            let is_dts = file.ends_with(".d.ts");
            if !is_dts && !file.ends_with(".js") {
                continue;
            }
            let mut s = String::new();
            entry.read_to_string(&mut s).map_err(io)?;
            let d = dirs.entry(dir.to_string()).or_default();
            if is_dts {
                d.dts.push(s);
            } else {
                d.js.push(s);
            }
        }
        let pj: Value = serde_json::from_str(
            &package_json.ok_or_else(|| ConvertError::Package("missing".into()))?,
        )
        .map_err(|e| ConvertError::Package(e.to_string()))?;
        let provider = pj["cdktf"]["provider"]["name"]
            .as_str()
            .ok_or_else(|| ConvertError::Package("no cdktf.provider.name".into()))?
            .to_string();
        let provider_version = pj["cdktf"]["provider"]["version"]
            .as_str()
            .ok_or_else(|| ConvertError::Package("no cdktf.provider.version".into()))?
            .to_string();
        let version = pj["version"].as_str().unwrap_or_default().to_string();
        Ok(Package {
            provider,
            provider_version,
            version,
            dirs,
        })
    }

    /// Number of `lib/` directories read.
    pub fn dir_count(&self) -> usize {
        self.dirs.len()
    }

    /// The provider schema the binding was generated from.
    pub fn convert(&self) -> Result<Document, ConvertError> {
        let mut schema = ProviderSchema::default();
        let mut provider_seen = false;
        for (name, src) in &self.dirs {
            let dir = Dir::parse(name, src)?;
            for (class, tf_type) in &dir.types {
                let c = dir
                    .classes
                    .get(class.as_str())
                    .ok_or_else(|| shape(name, format!("no class {class}")))?;
                let iface = dir
                    .configs
                    .get(class.as_str())
                    .cloned()
                    .unwrap_or_else(|| format!("{class}Config"));
                let mut block = dir.class_block(class, &iface, 0)?;
                let doc = match c.base.as_str() {
                    "cdktf.TerraformResource" => schema.resource_schemas.entry(tf_type.clone()),
                    "cdktf.TerraformDataSource" => {
                        schema.data_source_schemas.entry(tf_type.clone())
                    }
                    "cdktf.TerraformProvider" => {
                        // `alias` is Terraform's meta-argument, not the provider's.
                        block.attributes.remove("alias");
                        schema.provider = SchemaDoc { version: 0, block };
                        provider_seen = true;
                        continue;
                    }
                    other => return Err(shape(name, format!("{class} extends {other}"))),
                };
                if let std::collections::btree_map::Entry::Vacant(v) = doc {
                    v.insert(SchemaDoc { version: 0, block });
                } else {
                    return Err(shape(name, format!("{tf_type} defined twice")));
                }
            }
        }
        if !provider_seen {
            return Err(ConvertError::Package("no provider class".into()));
        }
        let mut doc = Document {
            format_version: "1.0".into(),
            ..Document::default()
        };
        doc.provider_schemas.insert(self.provider.clone(), schema);
        Ok(doc)
    }
}

// ---------------------------------------------------------------------------
// The generated JavaScript and declarations of one directory.
// ---------------------------------------------------------------------------

/// One entry of a `const attrs = { ... }` table.
#[derive(Debug, Clone)]
struct Entry {
    tf_name: String,
    value: String,
    is_block: bool,
    kind: String,
    storage: String,
}

/// A `// name - computed: .., optional: .., required: ..` comment and the
/// line(s) after it.
#[derive(Debug, Clone)]
struct Annotated {
    tf_name: String,
    computed: bool,
    optional: bool,
    required: bool,
    code: String,
}

#[derive(Debug, Default)]
struct Class {
    base: String,
    synth: Vec<Entry>,
    annotated: Vec<Annotated>,
}

/// A property of a declared interface.
#[derive(Debug, Clone, Copy)]
struct Prop {
    optional: bool,
    /// The docs say it is the `id` SDKv2 adds to every resource (optional
    /// and computed).
    sdk_id: bool,
}

struct Dir<'a> {
    name: &'a str,
    /// Struct name (`LambdaFunctionVpcConfig`) -> its `...ToHclTerraform` table.
    structs: HashMap<String, Vec<Entry>>,
    classes: HashMap<String, Class>,
    interfaces: HashMap<String, HashMap<String, Prop>>,
    /// (class, Terraform type name).
    types: Vec<(String, String)>,
    /// Class -> the interface its constructor takes (`<Class>Config`, or a
    /// renamed one where that clashes).
    configs: HashMap<String, String>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

fn entry_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r#"(?m)^\s+"?([A-Za-z0-9_]+)"?: \{\n\s+value: (.*),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",\n\s+\},?$"#,
    )
}

fn annotation_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?m)^\s+// ([A-Za-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)$",
    )
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The `const attrs = { ... };` table inside `body`.
fn attrs_table(dir: &str, body: &str) -> Result<Vec<Entry>, ConvertError> {
    if body.contains("const attrs = {};") {
        return Ok(Vec::new());
    }
    let Some(start) = body.find("const attrs = {") else {
        return Ok(Vec::new());
    };
    let rest = &body[start..];
    let end = rest
        .find("\n        };")
        .or_else(|| rest.find("\n    };"))
        .ok_or_else(|| shape(dir, "unterminated attrs table"))?;
    let table = &rest[..end];
    let entries: Vec<Entry> = entry_re()
        .captures_iter(table)
        .map(|c| Entry {
            tf_name: c[1].to_string(),
            value: c[2].to_string(),
            is_block: &c[3] == "true",
            kind: c[4].to_string(),
            storage: c[5].to_string(),
        })
        .collect();
    let expected = table.matches("isBlock:").count();
    if entries.len() != expected {
        return Err(shape(
            dir,
            format!(
                "read {} of {expected} attrs entries in:\n{table}",
                entries.len()
            ),
        ));
    }
    Ok(entries)
}

impl<'a> Dir<'a> {
    fn parse(name: &'a str, src: &DirSources) -> Result<Dir<'a>, ConvertError> {
        static FUNC: OnceLock<Regex> = OnceLock::new();
        static CLASS: OnceLock<Regex> = OnceLock::new();
        static TYPE: OnceLock<Regex> = OnceLock::new();
        let func = re(&FUNC, r"^function ([a-z][A-Za-z0-9_]*)ToHclTerraform\(");
        let class = re(
            &CLASS,
            r"^class ([A-Za-z0-9_]+) extends ([A-Za-z0-9_.]+) \{",
        );
        let ty = re(
            &TYPE,
            r#"^([A-Za-z0-9_]+)\.tfResourceType = "([a-z0-9_]+)";"#,
        );
        let mut dir = Dir {
            name,
            structs: HashMap::new(),
            classes: HashMap::new(),
            interfaces: HashMap::new(),
            types: Vec::new(),
            configs: HashMap::new(),
        };
        for js in &src.js {
            // Top-level items start at column 0 and end at a lone `}`.
            let mut lines = js.split('\n');
            while let Some(line) = lines.next() {
                if let Some(c) = ty.captures(line) {
                    dir.types.push((c[1].to_string(), c[2].to_string()));
                    continue;
                }
                let item = func
                    .captures(line)
                    .map(|c| (true, upper_first(&c[1]), String::new()))
                    .or_else(|| {
                        class
                            .captures(line)
                            .map(|c| (false, c[1].to_string(), c[2].to_string()))
                    });
                let Some((is_fn, item_name, base)) = item else {
                    continue;
                };
                let mut body = String::new();
                for l in lines.by_ref() {
                    if l == "}" {
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                if is_fn {
                    dir.structs.insert(item_name, attrs_table(name, &body)?);
                } else {
                    let synth = match body.find("synthesizeHclAttributes() {") {
                        Some(at) => attrs_table(name, &body[at..])?,
                        None => Vec::new(),
                    };
                    let annotated = annotation_re()
                        .captures_iter(&body)
                        .map(|c| {
                            // The two lines after the comment: a field, or a
                            // getter and its return statement.
                            let after = c.get(0).map_or(body.len(), |m| m.end());
                            let code: Vec<&str> = body[after..]
                                .lines()
                                .skip(1)
                                .take(2)
                                .map(str::trim)
                                .collect();
                            Annotated {
                                tf_name: c[1].to_string(),
                                computed: &c[2] == "true",
                                optional: &c[3] == "true",
                                required: &c[4] == "true",
                                code: code.join("\n"),
                            }
                        })
                        .collect();
                    dir.classes.insert(
                        item_name,
                        Class {
                            base,
                            synth,
                            annotated,
                        },
                    );
                }
            }
        }
        for dts in &src.dts {
            dir.read_declarations(dts);
        }
        Ok(dir)
    }

    /// `export interface X { readonly name?: T; }`, with the doc comment
    /// before each property.
    fn read_declarations(&mut self, dts: &str) {
        static IFACE: OnceLock<Regex> = OnceLock::new();
        static PROP: OnceLock<Regex> = OnceLock::new();
        let iface = re(&IFACE, r"^export interface ([A-Za-z0-9_]+)\b");
        static LINK: OnceLock<Regex> = OnceLock::new();
        let prop = re(&PROP, r"^    readonly ([A-Za-z0-9_]+)(\??):");
        let link = re(&LINK, r"#([A-Za-z0-9_]+)\}");
        static CLASS: OnceLock<Regex> = OnceLock::new();
        static CTOR: OnceLock<Regex> = OnceLock::new();
        let class = re(&CLASS, r"^export declare class ([A-Za-z0-9_]+) extends");
        let ctor = re(
            &CTOR,
            r"^    constructor\(scope: Construct, id: string, config\??: ([A-Za-z0-9_]+)\);",
        );
        let mut current: Option<String> = None;
        let mut current_class: Option<String> = None;
        let mut comment = String::new();
        for line in dts.lines() {
            if let Some(c) = class.captures(line) {
                current_class = Some(c[1].to_string());
                continue;
            }
            if let (Some(k), Some(c)) = (&current_class, ctor.captures(line)) {
                self.configs.insert(k.clone(), c[1].to_string());
                continue;
            }
            if let Some(c) = iface.captures(line) {
                current = Some(c[1].to_string());
                self.interfaces.entry(c[1].to_string()).or_default();
                continue;
            }
            if line == "}" {
                current = None;
                current_class = None;
                continue;
            }
            let Some(iface_name) = &current else {
                continue;
            };
            let t = line.trim();
            if t.starts_with("/**") {
                comment.clear();
            }
            if t.starts_with('*') || t.starts_with("/**") {
                comment.push_str(t);
                comment.push('\n');
                continue;
            }
            if let Some(c) = prop.captures(line) {
                // The Terraform name is in the docs link (`Class#tf_name}`):
                // the TypeScript name is renamed where it would clash.
                let tf_name = link
                    .captures(&comment)
                    .map_or_else(|| c[1].to_string(), |l| l[1].to_string());
                let p = Prop {
                    optional: &c[2] == "?",
                    sdk_id: tf_name == "id"
                        && comment.contains("the id field is automatically added to all resources"),
                };
                if let Some(m) = self.interfaces.get_mut(iface_name) {
                    m.insert(tf_name, p);
                }
                comment.clear();
            }
        }
    }

    /// The block of a resource, data source, provider (`class` with its
    /// `synthesizeHclAttributes`) or, with `class` = `<S>OutputReference`, of
    /// struct `S`.
    fn class_block(
        &self,
        class: &str,
        iface: &str,
        depth: usize,
    ) -> Result<BlockDoc, ConvertError> {
        let entries = &self
            .classes
            .get(class)
            .ok_or_else(|| shape(self.name, format!("no class {class}")))?
            .synth;
        self.block(entries, class, iface, depth)
    }

    fn struct_block(&self, s: &str, depth: usize) -> Result<BlockDoc, ConvertError> {
        let entries = self
            .structs
            .get(s)
            .ok_or_else(|| shape(self.name, format!("no struct function for {s}")))?;
        self.block(entries, &format!("{s}OutputReference"), s, depth)
    }

    /// A block from its configurable entries, the declared interface (which
    /// arguments are optional) and the class whose annotated getters and
    /// fields add the computed-only attributes.
    fn block(
        &self,
        entries: &[Entry],
        class: &str,
        iface: &str,
        depth: usize,
    ) -> Result<BlockDoc, ConvertError> {
        if depth > 32 {
            return Err(shape(self.name, format!("{class}: nested too deeply")));
        }
        let props = self.interfaces.get(iface);
        let annotated: HashMap<&str, &Annotated> = self
            .classes
            .get(class)
            .map(|c| {
                c.annotated
                    .iter()
                    .map(|a| (a.tf_name.as_str(), a))
                    .collect()
            })
            .unwrap_or_default();
        let mut block = BlockDoc::default();
        for e in entries {
            let prop = props
                .and_then(|p| p.get(&e.tf_name))
                .ok_or_else(|| shape(self.name, format!("{iface} declares no {}", e.tf_name)))?;
            let note = annotated.get(e.tf_name.as_str());
            let flags = |a: &mut AttributeDoc| match note {
                Some(n) => {
                    a.required = n.required;
                    a.optional = n.optional;
                    a.computed = n.computed;
                }
                None => {
                    a.required = !prop.optional;
                    a.optional = prop.optional;
                    // Only a resource's own optional `id` is SDKv2's.
                    a.computed = prop.sdk_id && prop.optional && depth == 0;
                }
            };
            let Some(s) = struct_of(&e.value) else {
                let mut a = AttributeDoc {
                    ty: Some(primitive_type(self.name, e)?),
                    ..AttributeDoc::default()
                };
                flags(&mut a);
                block.attributes.insert(e.tf_name.clone(), a);
                continue;
            };
            let inner = self.struct_block(&s, depth + 1)?;
            let min = i64::from(!prop.optional);
            match mapper(&e.value) {
                Mapper::List { blocks: true } if e.is_block => {
                    let mut nesting_mode = collection(self.name, e, &["list", "set"])?;
                    // Where the generator typed a too-deep struct `any`,
                    // Terraform refuses the set block around it: a list is
                    // the closest schema it accepts.
                    if nesting_mode == "set" && has_dynamic(&inner) {
                        nesting_mode = "list".into();
                    }
                    block.block_types.insert(
                        e.tf_name.clone(),
                        BlockTypeDoc {
                            nesting_mode,
                            block: inner,
                            min_items: min,
                            max_items: 0,
                        },
                    );
                }
                Mapper::None if e.is_block && e.kind == "list" => {
                    block.block_types.insert(
                        e.tf_name.clone(),
                        BlockTypeDoc {
                            nesting_mode: "list".into(),
                            block: inner,
                            min_items: min,
                            max_items: 1,
                        },
                    );
                }
                Mapper::None if e.is_block && e.kind == "struct" => {
                    block.block_types.insert(
                        e.tf_name.clone(),
                        BlockTypeDoc {
                            nesting_mode: "single".into(),
                            block: inner,
                            min_items: 0,
                            max_items: 0,
                        },
                    );
                }
                // SDKv2's attributes-as-blocks: a list or set of objects.
                Mapper::List { blocks: false } => {
                    let kind = collection(self.name, e, &["list", "set"])?;
                    let mut a = AttributeDoc {
                        ty: Some(json!([kind, object_type(self.name, &inner)?])),
                        ..AttributeDoc::default()
                    };
                    flags(&mut a);
                    block.attributes.insert(e.tf_name.clone(), a);
                }
                // A map of objects exists only as nested attributes.
                Mapper::Map => {
                    if !inner.block_types.is_empty() {
                        return Err(shape(self.name, format!("{}: blocks in a map", e.tf_name)));
                    }
                    let mut a = AttributeDoc {
                        nested_type: Some(NestedTypeDoc {
                            attributes: inner.attributes,
                            nesting_mode: "map".into(),
                        }),
                        ..AttributeDoc::default()
                    };
                    flags(&mut a);
                    block.attributes.insert(e.tf_name.clone(), a);
                }
                other => {
                    return Err(shape(
                        self.name,
                        format!("{}: unknown struct shape {other:?} / {e:?}", e.tf_name),
                    ))
                }
            }
        }
        if let Some(c) = self.classes.get(class) {
            for n in &c.annotated {
                if block.attributes.contains_key(&n.tf_name)
                    || block.block_types.contains_key(&n.tf_name)
                {
                    continue;
                }
                if !(n.computed && !n.optional && !n.required) {
                    return Err(shape(
                        self.name,
                        format!(
                            "{class}.{}: configurable but not in its attrs table",
                            n.tf_name
                        ),
                    ));
                }
                let ty = self.computed_type(class, n, depth)?;
                block.attributes.insert(
                    n.tf_name.clone(),
                    AttributeDoc {
                        ty: Some(ty),
                        computed: true,
                        ..AttributeDoc::default()
                    },
                );
            }
        }
        Ok(block)
    }

    /// The type of a computed-only attribute from its getter or field.
    fn computed_type(
        &self,
        class: &str,
        n: &Annotated,
        depth: usize,
    ) -> Result<Value, ConvertError> {
        static GETTER: OnceLock<Regex> = OnceLock::new();
        static FIELD: OnceLock<Regex> = OnceLock::new();
        let getter = re(&GETTER, r"^get [A-Za-z0-9_]+\(\) \{\nreturn (.*);$");
        let field = re(
            &FIELD,
            r#"^this\._[A-Za-z0-9_]+ = new ([A-Za-z0-9_.]+)\(this, "([A-Za-z0-9_]+)"(?:, (true|false))?\);"#,
        );
        let at = || format!("{class}.{}", n.tf_name);
        if let Some(c) = getter.captures(&n.code) {
            let expr = &c[1];
            let t = [
                ("this.getStringAttribute(", json!("string")),
                ("this.getNumberAttribute(", json!("number")),
                ("this.getBooleanAttribute(", json!("bool")),
                (
                    "cdktf.Fn.tolist(this.getListAttribute(",
                    json!(["set", "string"]),
                ),
                ("this.getListAttribute(", json!(["list", "string"])),
                (
                    "cdktf.Token.asNumberList(cdktf.Fn.tolist(this.getNumberListAttribute(",
                    json!(["set", "number"]),
                ),
                ("this.getNumberListAttribute(", json!(["list", "number"])),
                ("this.interpolationForAttribute(", json!("dynamic")),
            ]
            .into_iter()
            .find(|(prefix, _)| {
                expr.starts_with(prefix) && expr.contains(&format!("('{}')", n.tf_name))
            })
            .map(|(_, t)| t);
            return t.ok_or_else(|| shape(self.name, format!("{}: getter {expr}", at())));
        }
        let line = n.code.lines().next().unwrap_or_default();
        let c = field
            .captures(line)
            .ok_or_else(|| shape(self.name, format!("{}: {}", at(), n.code)))?;
        if c[2] != *n.tf_name {
            return Err(shape(self.name, format!("{}: field for {}", at(), &c[2])));
        }
        let ctor = &c[1];
        let simple = match ctor {
            "cdktf.StringMap" => Some(json!(["map", "string"])),
            "cdktf.NumberMap" => Some(json!(["map", "number"])),
            "cdktf.BooleanMap" => Some(json!(["map", "bool"])),
            "cdktf.AnyMap" => Some(json!(["map", "dynamic"])),
            _ => None,
        };
        if let Some(t) = simple {
            return Ok(t);
        }
        let (elem_class, wrap) = if let Some(base) = ctor.strip_suffix("List") {
            let kind = if c.get(3).is_some_and(|m| m.as_str() == "true") {
                "set"
            } else {
                "list"
            };
            (format!("{base}OutputReference"), Some(kind))
        } else if let Some(base) = ctor.strip_suffix("Map") {
            (format!("{base}OutputReference"), Some("map"))
        } else if ctor.ends_with("OutputReference") {
            (ctor.to_string(), None)
        } else {
            return Err(shape(self.name, format!("{}: constructor {ctor}", at())));
        };
        // A computed struct: every attribute of its element class, all
        // computed, as an object type.
        let inner = self.block(&[], &elem_class, "", depth + 1)?;
        let obj = object_type(self.name, &inner)?;
        Ok(match wrap {
            Some(kind) => json!([kind, obj]),
            None => obj,
        })
    }
}

#[derive(Debug, PartialEq)]
enum Mapper {
    None,
    List { blocks: bool },
    Map,
}

/// The struct whose `...ToHclTerraform` the value calls, if any (cdktf's own
/// `cdktf.stringToHclTerraform` and friends are primitives).
fn struct_of(value: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r"([A-Za-z0-9_.]*?)([a-z][A-Za-z0-9_]*)ToHclTerraform\b");
    r.captures_iter(value)
        .find(|c| &c[1] != "cdktf.")
        .map(|c| upper_first(&c[2]))
}

fn mapper(value: &str) -> Mapper {
    static LIST: OnceLock<Regex> = OnceLock::new();
    let list = re(
        &LIST,
        r"listMapperHcl\((?:[A-Za-z0-9_]+\.)?[a-z][A-Za-z0-9_]*ToHclTerraform, (true|false)\)",
    );
    if let Some(c) = list.captures(value) {
        if !value.contains("cdktf.listMapperHcl(cdktf.") {
            return Mapper::List {
                blocks: &c[1] == "true",
            };
        }
    }
    if value.contains("hashMapperHcl(") && !value.contains("hashMapperHcl(cdktf.") {
        return Mapper::Map;
    }
    Mapper::None
}

fn collection(dir: &str, e: &Entry, allowed: &[&str]) -> Result<String, ConvertError> {
    if allowed.contains(&e.kind.as_str()) {
        Ok(e.kind.clone())
    } else {
        Err(shape(
            dir,
            format!("{}: collection kind {}", e.tf_name, e.kind),
        ))
    }
}

/// `string`, `number`, `boolean`, `any`, then `List`/`Map` suffixes from the
/// inside out (`stringListList`); the outermost collection's kind is `type`.
fn primitive_type(dir: &str, e: &Entry) -> Result<Value, ConvertError> {
    let bad = || {
        shape(
            dir,
            format!("{}: storage {} / type {}", e.tf_name, e.storage, e.kind),
        )
    };
    let (base, mut rest) = ["string", "number", "boolean", "any"]
        .iter()
        .find_map(|b| e.storage.strip_prefix(b).map(|r| (*b, r)))
        .ok_or_else(bad)?;
    let mut t = match base {
        "string" => json!("string"),
        "number" => json!("number"),
        "boolean" => json!("bool"),
        _ => json!("dynamic"),
    };
    let mut layers = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("List") {
            layers.push("list");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("Map") {
            layers.push("map");
            rest = r;
        } else {
            return Err(bad());
        }
    }
    match (e.kind.as_str(), layers.last()) {
        ("simple", None) => {}
        ("list" | "set", Some(&"list")) | ("map", Some(&"map")) => {
            if let Some(last) = layers.last_mut() {
                *last = if e.kind == "set" { "set" } else { last };
            }
        }
        _ => return Err(bad()),
    }
    for kind in layers {
        t = json!([kind, t]);
    }
    Ok(t)
}

/// Whether a block holds a `dynamic` anywhere (Terraform refuses that in a
/// set block).
fn has_dynamic(b: &BlockDoc) -> bool {
    fn in_type(t: &Value) -> bool {
        match t {
            Value::String(s) => s == "dynamic",
            Value::Array(a) => a.iter().any(in_type),
            Value::Object(o) => o.values().any(in_type),
            _ => false,
        }
    }
    b.attributes.values().any(|a| {
        a.ty.as_ref().is_some_and(in_type)
            || a.nested_type.as_ref().is_some_and(|n| {
                has_dynamic(&BlockDoc {
                    attributes: n.attributes.clone(),
                    ..BlockDoc::default()
                })
            })
    }) || b.block_types.values().any(|t| has_dynamic(&t.block))
}

/// The cty object type of a block's values (attributes and nested blocks).
fn object_type(dir: &str, b: &BlockDoc) -> Result<Value, ConvertError> {
    let mut attrs = serde_json::Map::new();
    for (name, a) in &b.attributes {
        let t = match (&a.ty, &a.nested_type) {
            (Some(t), _) => t.clone(),
            (None, Some(n)) => {
                let inner = BlockDoc {
                    attributes: n.attributes.clone(),
                    ..BlockDoc::default()
                };
                let o = object_type(dir, &inner)?;
                match n.nesting_mode.as_str() {
                    "single" => o,
                    m => json!([m, o]),
                }
            }
            (None, None) => return Err(shape(dir, format!("{name}: untyped"))),
        };
        attrs.insert(name.clone(), t);
    }
    for (name, t) in &b.block_types {
        let o = object_type(dir, &t.block)?;
        attrs.insert(
            name.clone(),
            match t.nesting_mode.as_str() {
                "single" | "group" => o,
                m => json!([m, o]),
            },
        );
    }
    Ok(json!(["object", Value::Object(attrs)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory in the generator's shape, written for this test.
    fn sample() -> DirSources {
        let js = r#"
function thingRuleToHclTerraform(struct) {
    const attrs = {
        cidr: {
            value: cdktf.stringToHclTerraform(struct.cidr),
            isBlock: false,
            type: "simple",
            storageClassType: "string",
        },
        ports: {
            value: cdktf.listMapperHcl(cdktf.numberToHclTerraform, false)(struct.ports),
            isBlock: false,
            type: "set",
            storageClassType: "numberList",
        },
    };
    return attrs;
}
class ThingRuleOutputReference extends cdktf.ComplexObject {
    // rule_id - computed: true, optional: false, required: false
    get ruleId() {
        return this.getStringAttribute('rule_id');
    }
}
function thingVpcToHclTerraform(struct) {
    const attrs = {
        subnet_ids: {
            value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(struct.subnetIds),
            isBlock: false,
            type: "set",
            storageClassType: "stringList",
        },
    };
    return attrs;
}
class ThingStatusOutputReference extends cdktf.ComplexObject {
    // code - computed: true, optional: false, required: false
    get code() {
        return this.getNumberAttribute('code');
    }
}
class Thing extends cdktf.TerraformResource {
    constructor(scope, id, config) {
        // status - computed: true, optional: false, required: false
        this._status = new ThingStatusList(this, "status", true);
        // tags_all - computed: true, optional: false, required: false
        this._tagsAll = new cdktf.StringMap(this, "tags_all");
    }
    // arn - computed: true, optional: false, required: false
    get arn() {
        return this.getStringAttribute('arn');
    }
    synthesizeHclAttributes() {
        const attrs = {
            id: {
                value: cdktf.stringToHclTerraform(this._id),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            name: {
                value: cdktf.stringToHclTerraform(this._name),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            nested: {
                value: cdktf.listMapperHcl(cdktf.listMapperHcl(cdktf.stringToHclTerraform, false), false)(this._nested),
                isBlock: false,
                type: "list",
                storageClassType: "stringListList",
            },
            rule: {
                value: cdktf.listMapperHcl(thingRuleToHclTerraform, true)(this._rule.internalValue),
                isBlock: true,
                type: "set",
                storageClassType: "ThingRuleList",
            },
            vpc: {
                value: thingVpcToHclTerraform(this._vpc.internalValue),
                isBlock: true,
                type: "list",
                storageClassType: "ThingVpcList",
            },
        };
        return attrs;
    }
}
exports.Thing = Thing;
Thing.tfResourceType = "example_thing";
"#;
        let dts = r#"
export interface ThingConfig extends cdktf.TerraformMetaArguments {
    /**
    * Docs at Terraform Registry: {@link https://registry.example/thing#id Thing#id}
    *
    * Please be aware that the id field is automatically added to all resources in Terraform providers using a Terraform provider SDK version below 2.
    */
    readonly id?: string;
    /**
    * Renamed in TypeScript; the link has the Terraform name.
    *
    * Docs at Terraform Registry: {@link https://registry.example/thing#name Thing#name}
    */
    readonly fetchName: string;
    /** Docs at Terraform Registry: {@link https://registry.example/thing#nested Thing#nested} */
    readonly nested?: string[][];
    /** Docs at Terraform Registry: {@link https://registry.example/thing#rule Thing#rule} */
    readonly rule?: ThingRule[] | cdktf.IResolvable;
    /** Docs at Terraform Registry: {@link https://registry.example/thing#vpc Thing#vpc} */
    readonly vpc: ThingVpc;
}
export interface ThingRule {
    /** Docs at Terraform Registry: {@link https://registry.example/thing#cidr Thing#cidr} */
    readonly cidr?: string;
    /** Docs at Terraform Registry: {@link https://registry.example/thing#ports Thing#ports} */
    readonly ports: number[];
}
export interface ThingVpc {
    /** Docs at Terraform Registry: {@link https://registry.example/thing#subnet_ids Thing#subnet_ids} */
    readonly subnetIds: string[];
}
"#;
        DirSources {
            js: vec![js.to_string()],
            dts: vec![dts.to_string()],
        }
    }

    #[test]
    fn rebuilds_arguments_blocks_and_computed_attributes() {
        let src = sample();
        let dir = Dir::parse("thing", &src).unwrap();
        assert_eq!(
            dir.types,
            [("Thing".to_string(), "example_thing".to_string())]
        );
        let b = dir.class_block("Thing", "ThingConfig", 0).unwrap();
        let got = serde_json::to_value(&b).unwrap();
        let want = json!({
            "attributes": {
                "arn": {"type": "string", "computed": true},
                "id": {"type": "string", "optional": true, "computed": true},
                "name": {"type": "string", "required": true},
                "nested": {"type": ["list", ["list", "string"]], "optional": true},
                "status": {"type": ["set", ["object", {"code": "number"}]], "computed": true},
                "tags_all": {"type": ["map", "string"], "computed": true}
            },
            "block_types": {
                "rule": {"nesting_mode": "set", "block": {"attributes": {
                    "cidr": {"type": "string", "optional": true},
                    "ports": {"type": ["set", "number"], "required": true},
                    "rule_id": {"type": "string", "computed": true}
                }}},
                "vpc": {"nesting_mode": "list", "min_items": 1, "max_items": 1, "block": {"attributes": {
                    "subnet_ids": {"type": ["set", "string"], "required": true}
                }}}
            }
        });
        assert_eq!(got, want, "{}", serde_json::to_string_pretty(&got).unwrap());
    }

    #[test]
    fn an_unknown_shape_is_an_error_not_a_guess() {
        let mut src = sample();
        src.js[0] = src.js[0].replace("getNumberAttribute('code')", "getWeirdAttribute('code')");
        let dir = Dir::parse("thing", &src).unwrap();
        let err = dir
            .class_block("Thing", "ThingConfig", 0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("getter this.getWeirdAttribute('code')"),
            "{err}"
        );

        let mut src = sample();
        src.dts[0] = src.dts[0].replace("thing#name Thing#name", "thing#nam Thing#nam");
        let dir = Dir::parse("thing", &src).unwrap();
        let err = dir
            .class_block("Thing", "ThingConfig", 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ThingConfig declares no name"), "{err}");
    }

    #[test]
    fn primitive_types_follow_storage_and_type() {
        let e = |storage: &str, kind: &str| Entry {
            tf_name: "x".into(),
            value: String::new(),
            is_block: false,
            kind: kind.into(),
            storage: storage.into(),
        };
        let t = |s, k| primitive_type("d", &e(s, k)).unwrap();
        assert_eq!(t("string", "simple"), json!("string"));
        assert_eq!(t("any", "simple"), json!("dynamic"));
        assert_eq!(t("stringList", "set"), json!(["set", "string"]));
        assert_eq!(t("booleanMap", "map"), json!(["map", "bool"]));
        assert_eq!(t("stringMapMap", "map"), json!(["map", ["map", "string"]]));
        assert_eq!(
            t("stringMapList", "list"),
            json!(["list", ["map", "string"]])
        );
        assert_eq!(
            t("stringListList", "set"),
            json!(["set", ["list", "string"]])
        );
        assert!(primitive_type("d", &e("stringList", "map")).is_err());
        assert!(primitive_type("d", &e("string", "list")).is_err());
    }
}
