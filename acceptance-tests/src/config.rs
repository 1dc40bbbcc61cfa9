//! The configuration text every test starts from: the `terraform` block that
//! names the s2s provider by its source address, so that a test writes only
//! the resources it is about.

/// The s2s provider's source address, as `required_providers` names it and
/// the harness's `dev_overrides` map it to the local build.
pub const S2S_SOURCE: &str = "registry.example.internal/platform/s2s";

/// `terraform { required_providers { s2s = ... } }`, newline-terminated.
pub const HEADER: &str =
    "terraform {\n  required_providers {\n    s2s = { source = \"registry.example.internal/platform/s2s\" }\n  }\n}\n";

/// A root module: [`HEADER`], then `body`.
pub fn with_header(body: &str) -> String {
    format!("{HEADER}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_source_address() {
        assert!(HEADER.contains(&format!("source = \"{S2S_SOURCE}\"")));
        assert!(with_header("output \"x\" { value = 1 }\n")
            .ends_with("}\noutput \"x\" { value = 1 }\n"));
    }
}
