//! The contracts every s2s part agrees on (ARCHITECTURE.md, "Contracts"): what an
//! app name is, the environments, the sync schedule derived from an app name,
//! mesh hostnames, SPIFFE IDs, the names secrets get in Secrets Manager and
//! the Keywhiz group of an app's AWS accounts; and the UTC calendar dates are
//! written in.
//!
//! Pure functions only: the Terraform provider, the syncer and the
//! certificate issuer all call these, so they cannot disagree.

mod calendar;
mod groups;
mod names;
mod schedule;
mod secrets;

pub use calendar::{format_rfc3339, parse_rfc3339, UtcDateTime};
pub use groups::keywhiz_aws_group;
pub use names::{
    mesh_hostname, spiffe_id, validate_app, validate_mesh_domain, validate_trust_domain,
    Environment, NameError, APP_NAME_RULE, ENVIRONMENTS,
};
pub use schedule::{sync_minutes, sync_offset, sync_schedule, SYNC_PERIOD_MINUTES};
pub use secrets::{
    certificate_secret_name, keywhiz_name_from_secretsmanager, secretsmanager_name_for_keywhiz,
    validate_keywhiz_secret_name, KEYWHIZ_PREFIX,
};
