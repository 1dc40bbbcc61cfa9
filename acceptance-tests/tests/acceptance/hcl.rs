//! The modules and examples read as HCL (through `hcl-edit`, not a reader of
//! our own), for the checks Terraform itself does not make: which documents
//! are attached where, what a setting is set to. Terraform's loader decides
//! whether a configuration is valid (modules_terraform.rs); this only reads.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use acceptance_tests::repo_root;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::visit::{visit_expr, Visit};

/// One directory's `.tf` files, parsed.
pub struct Config {
    pub name: String,
    pub dir: PathBuf,
    /// `(file name, its body)`, sorted by file name.
    pub files: Vec<(String, Body)>,
}

impl Config {
    /// Parses every `.tf` file of `dir`; panics naming the file that does not parse.
    pub fn load(dir: &Path) -> Config {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        paths.sort();
        let files = paths
            .iter()
            .map(|p| {
                let src = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let name = p
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, parse(&p.display().to_string(), &src))
            })
            .collect();
        Config {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir: dir.to_path_buf(),
            files,
        }
    }

    /// A configuration of one file's text, for tests of the checks themselves.
    pub fn of_text(name: &str, src: &str) -> Config {
        Config {
            name: name.into(),
            dir: PathBuf::new(),
            files: vec![(format!("{name}.tf"), parse(name, src))],
        }
    }

    /// Every top-level block.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> + '_ {
        self.files.iter().flat_map(|(_, body)| body.blocks())
    }

    /// The top-level blocks of one kind (`resource`, `data`, `variable`, ...).
    pub fn of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks().filter(move |b| b.has_ident(kind))
    }

    pub fn variables(&self) -> BTreeMap<String, &Block> {
        self.of("variable")
            .map(|b| (label(b, 0).to_owned(), b))
            .collect()
    }

    pub fn outputs(&self) -> BTreeMap<String, &Block> {
        self.of("output")
            .map(|b| (label(b, 0).to_owned(), b))
            .collect()
    }

    /// `resource "ty" "name"` (or `data`, with `kind`).
    pub fn resource<'a>(&'a self, kind: &'a str, ty: &str, name: &str) -> Option<&'a Block> {
        self.of(kind)
            .find(|b| label(b, 0) == ty && label(b, 1) == name)
    }

    /// Every `locals` entry.
    pub fn locals(&self) -> BTreeMap<String, &Expression> {
        self.of("locals")
            .flat_map(|b| b.body.attributes())
            .map(|a| (a.key.as_str().to_owned(), &a.value))
            .collect()
    }

    /// Every attribute, at any depth, with where it is (`file: kind labels.path.name`).
    pub fn attributes(&self) -> Vec<(String, &Expression)> {
        fn walk<'a>(body: &'a Body, at: &str, out: &mut Vec<(String, &'a Expression)>) {
            for a in body.attributes() {
                out.push((format!("{at}.{}", a.key.as_str()), &a.value));
            }
            for b in body.blocks() {
                walk(&b.body, &format!("{at}.{}", b.ident.as_str()), out);
            }
        }
        let mut out = Vec::new();
        for (file, body) in &self.files {
            for b in body.blocks() {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                let at = format!("{file}: {} {}", b.ident.as_str(), labels.join("."));
                walk(&b.body, &at, &mut out);
            }
        }
        out
    }
}

fn parse(file: &str, src: &str) -> Body {
    hcl_edit::parser::parse_body(src).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// A block's `i`-th label ("" when it has fewer).
pub fn label(b: &Block, i: usize) -> &str {
    b.labels.get(i).map(|l| l.as_str()).unwrap_or_default()
}

/// A block's attribute.
pub fn attr<'a>(b: &'a Block, name: &str) -> Option<&'a Expression> {
    b.body.get_attribute(name).map(|a| &a.value)
}

/// A block's nested blocks of one kind.
pub fn nested<'a>(b: &'a Block, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    b.body.get_blocks(kind)
}

/// A string literal without interpolation.
pub fn literal(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// An expression's source text, as written (without surrounding space).
pub fn text(e: &Expression) -> String {
    e.to_string().trim().to_owned()
}

/// The entries of an object expression (`{ key = value, ... }`), by key.
pub fn object(e: &Expression) -> BTreeMap<String, &Expression> {
    let Expression::Object(o) = e else {
        return BTreeMap::new();
    };
    o.iter()
        .map(|(k, v)| {
            let key = match k {
                ObjectKey::Ident(i) => i.as_str().to_owned(),
                ObjectKey::Expression(e) => literal(e).unwrap_or_else(|| text(e)),
            };
            (key, v.expr())
        })
        .collect()
}

/// Every reference in an expression, at any depth (function arguments,
/// conditionals, templates, objects): the root name and the attribute
/// names that follow it, `data.s2s_policy.x.json` as
/// `["data", "s2s_policy", "x", "json"]` (an index or splat ends it).
pub fn references(e: &Expression) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Refs(Vec<Vec<String>>);
    impl Visit for Refs {
        fn visit_expr(&mut self, expr: &Expression) {
            match expr {
                Expression::Variable(v) => self.0.push(vec![v.as_str().to_owned()]),
                Expression::Traversal(t) => {
                    if let Expression::Variable(root) = &t.expr {
                        let mut path = vec![root.as_str().to_owned()];
                        for op in &t.operators {
                            match op.value() {
                                TraversalOperator::GetAttr(name) => {
                                    path.push(name.as_str().to_owned())
                                }
                                _ => break,
                            }
                        }
                        self.0.push(path);
                        // Index expressions may hold references of their own.
                        for op in &t.operators {
                            self.visit_traversal_operator(op.value());
                        }
                    } else {
                        visit_expr(self, expr);
                    }
                }
                _ => visit_expr(self, expr),
            }
        }
    }
    let mut refs = Refs::default();
    refs.visit_expr(e);
    refs.0
}

/// The names of the functions an expression calls, at any depth.
pub fn calls(e: &Expression) -> Vec<String> {
    #[derive(Default)]
    struct Calls(Vec<String>);
    impl Visit for Calls {
        fn visit_func_call(&mut self, call: &hcl_edit::expr::FuncCall) {
            self.0.push(call.name.name.as_str().to_owned());
            hcl_edit::visit::visit_func_call(self, call);
        }
    }
    let mut calls = Calls::default();
    calls.visit_expr(e);
    calls.0
}

/// A string attribute's value: the literal, or the text of a template.
pub fn string_of(e: &Expression) -> String {
    literal(e).unwrap_or_else(|| text(e).trim_matches('"').to_owned())
}

/// A bare `local.X` or `var.X` reference: `("local", "X")`.
pub fn bare_reference(e: &Expression) -> Option<(String, String)> {
    match references(e).as_slice() {
        [path] if path.len() == 2 && text(e) == path.join(".") => {
            Some((path[0].clone(), path[1].clone()))
        }
        _ => None,
    }
}

/// A value with the module's locals substituted (`local.role_path` → the
/// text it is set to), for names and paths.
pub fn resolved(e: &Expression, locals: &BTreeMap<String, &Expression>) -> String {
    match bare_reference(e) {
        Some((kind, name)) if kind == "local" => locals
            .get(&name)
            .map(|l| resolved(l, locals))
            .unwrap_or_else(|| panic!("local.{name} is not defined")),
        _ => string_of(e),
    }
}
/// The value a key is set to in an object-valued setting (`tags`,
/// `environment { variables }`): through `merge(...)`, conditionals (either
/// arm) and locals. Every such value, when set in several places.
pub fn settings<'a>(
    e: &'a Expression,
    locals: &BTreeMap<String, &'a Expression>,
) -> Vec<(String, &'a Expression)> {
    match e {
        Expression::Object(_) => object(e).into_iter().collect(),
        Expression::FuncCall(call) if call.name.name.as_str() == "merge" => {
            call.args.iter().flat_map(|a| settings(a, locals)).collect()
        }
        Expression::Conditional(c) => {
            let mut out = settings(&c.true_expr, locals);
            out.extend(settings(&c.false_expr, locals));
            out
        }
        _ => match bare_reference(e) {
            Some((kind, name)) if kind == "local" => locals
                .get(&name)
                .map(|l| settings(l, locals))
                .unwrap_or_default(),
            _ => Vec::new(),
        },
    }
}

/// The argument lists of every call of function `name` in an expression.
pub fn call_args<'a>(e: &'a Expression, name: &str) -> Vec<Vec<&'a Expression>> {
    struct Calls<'a, 'n> {
        name: &'n str,
        found: Vec<Vec<&'a Expression>>,
    }
    impl<'a> Calls<'a, '_> {
        fn walk(&mut self, e: &'a Expression) {
            // By hand rather than with `Visit`, whose callbacks cannot hand
            // out references that outlive them.
            if let Expression::FuncCall(call) = e {
                if call.name.name.as_str() == self.name {
                    self.found.push(call.args.iter().collect());
                }
                for arg in call.args.iter() {
                    self.walk(arg);
                }
                return;
            }
            for child in children(e) {
                self.walk(child);
            }
        }
    }
    let mut calls = Calls {
        name,
        found: Vec::new(),
    };
    calls.walk(e);
    calls.found
}

/// The direct sub-expressions of an expression.
fn children(e: &Expression) -> Vec<&Expression> {
    match e {
        Expression::Array(a) => a.iter().collect(),
        Expression::Object(o) => o
            .iter()
            .flat_map(|(k, v)| k.as_expr().into_iter().chain([v.expr()]))
            .collect(),
        Expression::Parenthesis(p) => vec![p.inner()],
        Expression::Conditional(c) => vec![&c.cond_expr, &c.true_expr, &c.false_expr],
        Expression::FuncCall(c) => c.args.iter().collect(),
        Expression::Traversal(t) => {
            let mut out = vec![&t.expr];
            out.extend(t.operators.iter().filter_map(|op| match op.value() {
                TraversalOperator::Index(i) => Some(i),
                _ => None,
            }));
            out
        }
        Expression::UnaryOp(u) => vec![&u.expr],
        Expression::BinaryOp(b) => vec![&b.lhs_expr, &b.rhs_expr],
        _ => Vec::new(),
    }
}

/// `modules/<name>`.
pub fn module(name: &str) -> Config {
    Config::load(&repo_root().join("modules").join(name))
}

/// `examples/<name>`.
pub fn example(name: &str) -> Config {
    Config::load(&repo_root().join("examples").join(name))
}

#[test]
fn references_are_found_wherever_an_expression_holds_them() {
    let c = Config::of_text(
        "t",
        r#"
locals {
  m = merge(var.a, local.b, { x = data.s2s_policy.p.json })
  t = "${var.app}-${aws_iam_role.r.name}"
  c = var.on ? s2s_lambda_function.f.certificate_read_policy_json : aws_iam_role.r.arn[0]
  o = { x = "v", "k" = 1 }
}
"#,
    );
    let locals = c.locals();
    let refs = |name: &str| -> Vec<String> {
        references(locals[name])
            .into_iter()
            .map(|r| r.join("."))
            .collect()
    };
    assert_eq!(
        refs("m"),
        ["var.a", "local.b", "data.s2s_policy.p.json"],
        "every argument of a call"
    );
    assert_eq!(refs("t"), ["var.app", "aws_iam_role.r.name"], "a template");
    assert_eq!(
        refs("c"),
        [
            "var.on",
            "s2s_lambda_function.f.certificate_read_policy_json",
            "aws_iam_role.r.arn"
        ],
        "both arms of a conditional, an index ending the path"
    );
    assert_eq!(calls(locals["m"]), ["merge"]);
    let o = object(locals["o"]);
    assert_eq!(o.keys().collect::<Vec<_>>(), ["k", "x"]);
    assert_eq!(literal(o["x"]).as_deref(), Some("v"));
    assert!(object(locals["m"]).is_empty(), "a call is not an object");
}
