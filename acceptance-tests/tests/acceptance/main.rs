//! The acceptance tests: real Terraform against the freshly built provider,
//! the mocks and moto, as a user would run them. One test binary (as
//! ripgrep's tests/tests.rs), one module per subject: the crates it links
//! (the harness, the mocks, the AWS SDK of the syncer's contracts) are linked
//! once instead of once per file, and the whole suite shares one pool of
//! test threads.
//!
//! Run one subject: `cargo test -p acceptance-tests --test acceptance resource_registry_app::`.
//! What the tests share (the configuration header, a stack's working
//! directory, state attributes) is in the harness library: `acceptance_tests::config`,
//! `Stack::terraform`, `Terraform::attributes`.

mod hcl;

mod aws_identity;
mod contracts;
mod example_multi_account;
mod functions;
mod install;
mod mesh_end_to_end;
mod modules;
mod modules_terraform;
mod provider_identity_errors;
mod provider_settings;
mod provider_version;
mod resource_adoption;
mod resource_app_changes;
mod resource_bad_input;
mod resource_destroy;
mod resource_first_grant_requests;
mod resource_lambda_function;
mod resource_ownership;
mod resource_plan_time;
mod resource_registry_app;
mod resource_reliability;
mod resource_repair_and_import;
mod resource_requests;
mod resource_secret_assignment;
mod source_address;
