//! terraform-provider-s2s: Registry s2s flags, Keywhiz secret assignments,
//! lambda-s2s functions, and the s2s naming functions, on the `tfplugin`
//! runtime. Only what the binary needs is public: the provider and its
//! address.

mod app_model;
mod aws;
mod cache;
mod clients;
mod data_sources;
mod functions;
#[cfg(test)]
mod model_checks;
mod plans;
mod provider;
mod reads;
mod resources;
mod settings;
mod validation;

pub use provider::{S2sData, S2sProvider, PROVIDER_ADDRESS};
