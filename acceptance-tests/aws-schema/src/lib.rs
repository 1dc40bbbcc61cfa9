//! The hashicorp/aws provider schema for tests that cannot download the
//! provider: `terraform validate` and `terraform test` with
//! `mock_provider "aws"` need the real provider's schema and nothing else.
//!
//! - [`cache::prepare`] fetches HashiCorp's generated CDKTF binding of
//!   hashicorp/aws 6.25.0 (`@cdktf/provider-aws@21.22.1`, integrity pinned)
//!   into a cache once, and converts it once;
//! - [`cdktf`] rebuilds the provider schema from the binding's generated code;
//! - [`providers_schema`] is the `terraform providers schema -json` format it
//!   is written in, and its translation into tfplugin schemas;
//! - the `terraform-provider-aws` binary serves that document, schema only,
//!   on the tfplugin runtime: every plan and apply must go through
//!   `mock_provider "aws"`; configuring it for real fails with an error.

pub mod cache;
pub mod cdktf;
pub mod providers_schema;
pub mod schema_only;

/// The environment variable naming the schema document the
/// `terraform-provider-aws` binary serves.
pub const SCHEMA_ENV: &str = "S2S_AWS_SCHEMA";
