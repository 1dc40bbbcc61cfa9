//! The real-Terraform acceptance harness.
//!
//! A test writes a configuration into a fresh temporary directory, and
//! [`Terraform`] runs the real CLI there (Terraform 1.15.5 from the project
//! venv, or any binary named by `TF_ACC_TERRAFORM_PATH`) against the freshly
//! built provider, wired in with a `dev_overrides` CLI configuration. Every
//! command's output goes to the test log, so a failing test explains itself.
//!
//! [`Terraform::apply_step`] follows terraform-plugin-testing: after an apply,
//! a plan without refresh and a plan with refresh must both be empty.

mod aws;
pub mod config;
mod names;
mod paths;
mod release;
pub mod stack;
mod static_site;
pub mod stats;
mod terraform;

pub use aws::{aws_schema_provider, platform, AwsSchemaProvider};
pub use mock_common::Moto;
pub use names::generated_app_names;
pub use paths::{build_profile, built_binary, provider_dir, repo_root, target_dir, venv_dir};
pub use release::{test_releases, Releases, REGISTRY_HOST, TEST_VERSIONS};
pub use stack::{Stack, StackOptions};
pub use static_site::StaticSite;
pub use terraform::{cli_config, pointed_attribute, Output, Provider, Terraform};
