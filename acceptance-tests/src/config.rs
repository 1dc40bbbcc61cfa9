//! The configuration text every test starts from: the `terraform` block that
//! names the s2s provider by its source address, so that a test writes only
//! the resources it is about; or an example of the repository, copied whole.

use crate::{repo_root, Terraform};

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

/// `s2s_registry_app.<label>`: app `app` with one staging account, `111122223333`.
pub fn staging_app(label: &str, app: &str, certificate_generation: bool) -> String {
    format!(
        r#"resource "s2s_registry_app" "{label}" {{
  app                    = "{app}"
  accounts               = [{{ account_id = "111122223333", environment = "staging" }}]
  certificate_generation = {certificate_generation}
}}
"#
    )
}

/// The app of `s2s_registry_app.<label>`, as an HCL expression (what ties a
/// resource to the app resource, so that Terraform orders them).
pub fn app_id(label: &str) -> String {
    format!("s2s_registry_app.{label}.id")
}

/// `s2s_secret_assignment.key` of `secret` to `app` (an HCL expression: [`app_id`],
/// or a quoted name).
pub fn key_assignment(app: &str, secret: &str) -> String {
    format!(
        r#"resource "s2s_secret_assignment" "key" {{
  app    = {app}
  secret = "{secret}"
}}
"#
    )
}

/// `s2s_lambda_function.api`: function `name` (its role named alike) of `app` (an HCL
/// expression), in `account` as staging, in eu-west-1.
pub fn api_function(app: &str, account: &str, name: &str) -> String {
    format!(
        r#"resource "s2s_lambda_function" "api" {{
  app           = {app}
  environment   = "staging"
  account_id    = "{account}"
  function_name = "{name}"
  role_name     = "{name}"
  region        = "eu-west-1"
}}
"#
    )
}

/// Copies the `.tf` files of `examples/<example>` into the working directory,
/// so that a test runs the example exactly as a user would.
pub fn copy_example(tf: &Terraform, example: &str) {
    let dir = repo_root().join("examples").join(example);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a .tf file has a UTF-8 name");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            tf.write_file(name, &text);
        }
    }
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
