pub mod aws;
pub mod settings;
