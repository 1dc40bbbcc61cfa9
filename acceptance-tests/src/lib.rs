//! Real-Terraform acceptance harness.
