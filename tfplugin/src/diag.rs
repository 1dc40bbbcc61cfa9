//! Diagnostics and attribute paths.
//!
//! A [`Diagnostic`] is what Terraform shows to the user: a severity, a one-line
//! summary, a longer detail and optionally the [`AttributePath`] of the value it
//! is about, which Terraform uses to underline the offending expression in the
//! configuration. Diagnostics never carry backtraces.

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute or nested block by name.
    Attribute(String),
    /// A map element by key.
    Key(String),
    /// A list or tuple element by index.
    Index(i64),
}

impl PathStep {
    /// The step to element `index` of a list, set or tuple.
    pub fn index(index: usize) -> Self {
        PathStep::Index(i64::try_from(index).unwrap_or(i64::MAX))
    }
}

/// The location of a value inside a configuration or state object,
/// e.g. `tags["team"]` or `rule[2].name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    steps: Vec<PathStep>,
}

impl AttributePath {
    /// The empty path: the whole object.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path to a top-level attribute.
    pub fn attr(name: impl Into<String>) -> Self {
        Self::root().attribute(name)
    }

    /// This path extended by an attribute name.
    #[must_use]
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.steps.push(PathStep::Attribute(name.into()));
        self
    }

    /// This path extended by a map key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(PathStep::Key(key.into()));
        self
    }

    /// This path extended by a list index.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.steps.push(PathStep::index(index));
        self
    }

    /// Appends a step in place.
    pub fn push(&mut self, step: PathStep) {
        self.steps.push(step);
    }

    /// Removes the last step in place.
    pub fn pop(&mut self) -> Option<PathStep> {
        self.steps.pop()
    }

    /// Runs `f` on this path with `step` appended, and takes the step off
    /// again: how a walk over a value keeps track of where it is.
    pub fn within<R>(&mut self, step: PathStep, f: impl FnOnce(&mut Self) -> R) -> R {
        self.steps.push(step);
        let result = f(self);
        self.steps.pop();
        result
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    pub(crate) fn to_proto(&self) -> magma_protocol::tfplugin6::AttributePath {
        use magma_protocol::tfplugin6::attribute_path::{step::Selector, Step};
        magma_protocol::tfplugin6::AttributePath {
            steps: self
                .steps
                .iter()
                .map(|s| Step {
                    selector: Some(match s {
                        PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                        PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                        PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    }),
                })
                .collect(),
        }
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return f.write_str("(root)");
        }
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                PathStep::Attribute(n) if i == 0 => f.write_str(n)?,
                PathStep::Attribute(n) => write!(f, ".{n}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The operation failed.
    Error,
    /// The operation succeeded but the user should know something.
    Warning,
}

/// A message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line, shown in bold.
    pub summary: String,
    /// Longer explanation (may be empty).
    pub detail: String,
    /// The value this is about, if any.
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    /// An error without a path.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// A warning without a path.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(summary, detail)
        }
    }

    /// This diagnostic, pointing at `path`.
    #[must_use]
    pub fn with_path(mut self, path: AttributePath) -> Self {
        self.path = if path.is_root() { None } else { Some(path) };
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub(crate) fn to_proto(&self) -> magma_protocol::tfplugin6::Diagnostic {
        use magma_protocol::tfplugin6::diagnostic::Severity as S;
        magma_protocol::tfplugin6::Diagnostic {
            severity: match self.severity {
                Severity::Error => S::Error as i32,
                Severity::Warning => S::Warning as i32,
            },
            summary: self.summary.clone(),
            detail: self.detail.clone(),
            attribute: self.path.as_ref().map(AttributePath::to_proto),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.summary)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// A list of diagnostics; also the error type of every framework callback.
///
/// `Result<T, Diagnostics>` is the usual return type: `Err` must hold at least
/// one error (the framework adds a generic one if it does not).
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_list(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn display_list(d: &[Diagnostic]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// A single error.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self(vec![Diagnostic::error(summary, detail)])
    }

    /// A single error pointing at `path`.
    pub fn attribute_error(
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self(vec![Diagnostic::error(summary, detail).with_path(path)])
    }

    /// Adds a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Adds an error.
    pub fn add_error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }

    /// Adds a warning.
    pub fn add_warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }

    /// Adds an error pointing at `path`.
    pub fn add_attribute_error(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::error(summary, detail).with_path(path));
    }

    /// Moves all of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Whether there are no diagnostics at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The diagnostics.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when there are no errors, otherwise `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(value)
        }
    }

    pub(crate) fn to_proto(&self) -> Vec<magma_protocol::tfplugin6::Diagnostic> {
        self.0.iter().map(Diagnostic::to_proto).collect()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl From<crate::value::ValueError> for Diagnostics {
    fn from(e: crate::value::ValueError) -> Self {
        Diagnostic::error("Invalid value", e.message.clone())
            .with_path(e.path.clone())
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display_and_proto() {
        let p = AttributePath::attr("rule")
            .index(2)
            .attribute("tags")
            .key("team");
        assert_eq!(p.to_string(), "rule[2].tags[\"team\"]");
        assert_eq!(p.to_proto().steps.len(), 4);
    }

    #[test]
    fn into_result_respects_warnings() {
        let mut d = Diagnostics::new();
        d.add_warning("careful", "");
        assert!(d.clone().into_result(1).is_ok());
        d.add_error("broken", "detail");
        assert!(d.into_result(1).is_err());
    }
}
