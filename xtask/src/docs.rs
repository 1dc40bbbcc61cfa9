//! Provider docs in the tfplugindocs layout, generated from the schema that
//! Terraform itself reports (`terraform providers schema -json`) plus the
//! example files:
//!
//! | page | example(s) |
//! |---|---|
//! | `docs/index.md` | `examples/provider/provider.tf`, hand-written text in `templates/index.md.tmpl` |
//! | `docs/resources/<name>.md` | `examples/resources/s2s_<name>/resource.tf` and `import.sh` |
//! | `docs/data-sources/<name>.md` | `examples/data-sources/s2s_<name>/data-source.tf` |
//! | `docs/functions/<name>.md` | `examples/functions/<name>/function.tf` |
//!
//! `cargo xtask docs` writes the pages; xtask's `docs` test fails when a
//! page is missing, stale, or its example file does not exist. Pages that
//! are not generated (the guides in `docs/guides/`) are written by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use acceptance_tests::config::{HEADER, S2S_SOURCE};
use acceptance_tests::Terraform;

/// The provider's schema as Terraform reports it.
pub fn provider_schema() -> Value {
    let tf = Terraform::s2s();
    tf.write_config(HEADER);
    let out = tf.run_ok(&["providers", "schema", "-json"]);
    let all: Value = serde_json::from_str(&out.stdout).expect("schema JSON");
    all["provider_schemas"][S2S_SOURCE].clone()
}

/// One page to write: where, what, and the example files it embeds.
pub struct Page {
    pub path: PathBuf,
    pub text: String,
    pub examples: Vec<PathBuf>,
}

/// Every page for the schema (paths relative to `root`).
pub fn pages(schema: &Value, root: &Path) -> Vec<Page> {
    let mut pages = Vec::new();
    let examples = root.join("examples");
    let template = std::fs::read_to_string(root.join("templates/index.md.tmpl"))
        .unwrap_or_else(|_| "# s2s Provider\n\n{{ .Example }}\n\n{{ .SchemaMarkdown }}\n".into());
    let provider_example = examples.join("provider/provider.tf");
    let index = template
        .replace(
            "{{ .Example }}",
            &example_block(&provider_example, "terraform"),
        )
        .replace(
            "{{ .SchemaMarkdown }}",
            &schema_markdown(&schema["provider"]["block"]),
        );
    pages.push(Page {
        path: PathBuf::from("docs/index.md"),
        text: index,
        examples: vec![provider_example],
    });
    for (kind, key, dir, file, title) in [
        (
            "resources",
            "resource_schemas",
            "resources",
            "resource.tf",
            "Resource",
        ),
        (
            "data-sources",
            "data_source_schemas",
            "data-sources",
            "data-source.tf",
            "Data Source",
        ),
    ] {
        let Some(types) = schema[key].as_object() else {
            continue;
        };
        for (name, s) in types {
            let short = name.strip_prefix("s2s_").unwrap_or(name);
            let example = examples.join(dir).join(name).join(file);
            let block = &s["block"];
            let description = block["description"].as_str().unwrap_or_default();
            let mut text = front_matter(&format!("{name} {title}"), description);
            text += &format!("# {name} ({title})\n\n{description}\n\n## Example Usage\n\n");
            text += &example_block(&example, "terraform");
            text += "\n\n";
            text += &schema_markdown(block);
            let mut used = vec![example];
            if kind == "resources" {
                let import = examples.join(dir).join(name).join("import.sh");
                text += "\n## Import\n\nImport is supported using the following syntax:\n\n";
                text += &example_block(&import, "shell");
                let (to, id) = import_example(&import)
                    .unwrap_or_else(|| (format!("{name}.example"), "...".to_owned()));
                text += &format!(
                    "\n\nOr with an `import` block (Terraform >= 1.5):\n\n```terraform\nimport {{\n  to = {to}\n  id = \"{id}\"\n}}\n```\n"
                );
                used.push(import);
            }
            pages.push(Page {
                path: PathBuf::from(format!("docs/{kind}/{short}.md")),
                text,
                examples: used,
            });
        }
    }
    if let Some(functions) = schema["functions"].as_object() {
        for (name, f) in functions {
            let example = examples.join("functions").join(name).join("function.tf");
            let summary = f["summary"].as_str().unwrap_or_default();
            let description = f["description"].as_str().unwrap_or_default();
            let mut text = front_matter(&format!("{name} function"), summary);
            text += &format!("# function: {name}\n\n{description}\n\n## Example Usage\n\n");
            text += &example_block(&example, "terraform");
            let params: Vec<&Value> = f["parameters"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let sig: Vec<String> = params
                .iter()
                .map(|p| {
                    format!(
                        "{} {}",
                        p["name"].as_str().unwrap_or_default(),
                        type_name(&p["type"])
                    )
                })
                .collect();
            text += &format!(
                "\n\n## Signature\n\n```text\n{name}({}) {}\n```\n\n## Arguments\n\n",
                sig.join(", "),
                type_name(&f["return_type"])
            );
            for (i, p) in params.iter().enumerate() {
                text += &format!(
                    "{}. `{}` ({}) {}\n",
                    i + 1,
                    p["name"].as_str().unwrap_or_default(),
                    type_name(&p["type"]),
                    p["description"].as_str().unwrap_or_default()
                );
            }
            pages.push(Page {
                path: PathBuf::from(format!("docs/functions/{name}.md")),
                text,
                examples: vec![example],
            });
        }
    }
    pages
}

/// The address and id of the `terraform import ADDRESS ID` line of import.sh.
fn import_example(path: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("terraform import "))?;
    let mut words = line.split_whitespace().skip(2);
    Some((words.next()?.to_owned(), words.next()?.to_owned()))
}

fn front_matter(title: &str, description: &str) -> String {
    let first = description.split("\n\n").next().unwrap_or_default();
    let indented: Vec<String> = first.lines().map(|l| format!("  {l}")).collect();
    format!(
        "---\npage_title: \"{title} - terraform-provider-s2s\"\nsubcategory: \"\"\ndescription: |-\n{}\n---\n\n",
        indented.join("\n")
    )
}

fn example_block(path: &Path, lang: &str) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|_| format!("# missing example: {}\n", path.display()));
    format!("```{lang}\n{}\n```", text.trim_end())
}

/// cty type JSON → a name such as `String`, `Map of String`.
fn type_name(t: &Value) -> String {
    match t {
        Value::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            "dynamic" => "Dynamic".into(),
            other => other.into(),
        },
        Value::Array(a) if a.len() == 2 => {
            let kind = match a[0].as_str().unwrap_or_default() {
                "list" => "List",
                "set" => "Set",
                "map" => "Map",
                "object" => return "Object".into(),
                other => other,
            };
            format!("{kind} of {}", type_name(&a[1]))
        }
        _ => "Object".into(),
    }
}

fn describe(name: &str, attr: &Value, nested: &mut Vec<(String, Value)>) -> String {
    let ty = if let Some(n) = attr.get("nested_type") {
        nested.push((name.to_owned(), n.clone()));
        let mode = n["nesting_mode"].as_str().unwrap_or("single");
        format!(
            "Attributes {}",
            match mode {
                "set" => "Set",
                "list" => "List",
                "map" => "Map",
                _ => "",
            }
        )
        .trim_end()
        .to_owned()
    } else {
        type_name(&attr["type"])
    };
    let mut extra = String::new();
    if attr["sensitive"] == true {
        extra.push_str(", Sensitive");
    }
    if attr["deprecated"] == true {
        extra.push_str(", Deprecated");
    }
    let see = if attr.get("nested_type").is_some() {
        format!(" (see [below for nested schema](#nestedatt--{name}))")
    } else {
        String::new()
    };
    format!(
        "- `{name}` ({ty}{extra}) {}{see}\n",
        attr["description"].as_str().unwrap_or_default().trim()
    )
}

fn attribute_sections(
    attrs: &serde_json::Map<String, Value>,
    blocks: Option<&serde_json::Map<String, Value>>,
    nested: &mut Vec<(String, Value)>,
    heading: &str,
) -> String {
    let mut groups: BTreeMap<u8, (String, String)> = BTreeMap::new();
    for (name, a) in attrs {
        let (order, label) = if a["required"] == true {
            (0, "Required")
        } else if a["optional"] == true {
            (1, "Optional")
        } else {
            (2, "Read-Only")
        };
        let entry = groups
            .entry(order)
            .or_insert_with(|| (label.to_owned(), String::new()));
        entry.1 += &describe(name, a, nested);
    }
    if let Some(blocks) = blocks {
        for (name, b) in blocks {
            let entry = groups
                .entry(1)
                .or_insert_with(|| ("Optional".to_owned(), String::new()));
            entry.1 += &format!(
                "- `{name}` (Block) {} (see [below for nested schema](#nestedblock--{name}))\n",
                b["block"]["description"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
            );
            nested.push((format!("block:{name}"), b["block"].clone()));
        }
    }
    groups
        .values()
        .map(|(label, items)| {
            if heading.is_empty() {
                format!("{label}:\n\n{items}\n")
            } else {
                format!("{heading} {label}\n\n{items}\n")
            }
        })
        .collect()
}

/// The `## Schema` section of a block, nested attributes and blocks included.
fn schema_markdown(block: &Value) -> String {
    let empty = serde_json::Map::new();
    let mut nested = Vec::new();
    let mut out = String::from("## Schema\n\n");
    out += &attribute_sections(
        block["attributes"].as_object().unwrap_or(&empty),
        block["block_types"].as_object(),
        &mut nested,
        "###",
    );
    let mut i = 0;
    while i < nested.len() {
        let (name, n) = nested[i].clone();
        let (anchor, title, attrs, blocks) = match name.strip_prefix("block:") {
            Some(b) => (
                format!("nestedblock--{b}"),
                b.to_owned(),
                n["attributes"].clone(),
                n["block_types"].clone(),
            ),
            None => (
                format!("nestedatt--{name}"),
                name.clone(),
                n["attributes"].clone(),
                Value::Null,
            ),
        };
        out += &format!("<a id=\"{anchor}\"></a>\n### Nested Schema for `{title}`\n\n");
        let mut deeper = Vec::new();
        out += &attribute_sections(
            attrs.as_object().unwrap_or(&empty),
            blocks.as_object(),
            &mut deeper,
            "",
        );
        nested.extend(deeper);
        i += 1;
    }
    out.trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name(&serde_json::json!("string")), "String");
        assert_eq!(
            type_name(&serde_json::json!(["map", "string"])),
            "Map of String"
        );
        assert_eq!(
            type_name(&serde_json::json!(["list", "number"])),
            "List of Number"
        );
    }
}
