//! keywhiz-syncer: keeps an app account's Secrets Manager (`keywhiz/*`) equal
//! to what Keywhiz lets the app read, cheaply (a no-op run reads no value:
//! one Keywhiz listing and ceil(M/100) `ListSecrets` calls) and safely
//! (nothing is written or deleted when Keywhiz cannot be trusted; a listing
//! that would delete too much deletes nothing; foreign secrets are never touched).
//!
//! Modules, one job each: [`settings`] (what to do), [`identity`] (the app's
//! mTLS certificate), [`source`] (Keywhiz), [`inventory`] (Secrets Manager,
//! metadata only), [`plan`] (the pure diff), [`policy`] (the secrets' resource
//! policy and its digest), [`apply`] (writes), [`error`] (why a write or a run failed,
//! and of what kind), [`sync`]
//! (one run), [`decommission`] (the explicit removal of an app's mirror),
//! [`report`]/[`log`] (what it did; the call counts come from
//! runtime-support), [`cli`] and [`lambda`] (the two front ends, same code path).

pub mod apply;
pub mod cli;
pub mod clock;
pub mod decommission;
pub mod error;
pub mod identity;
pub mod inventory;
pub mod lambda;
pub mod log;
pub mod plan;
pub mod policy;
pub mod ratelimit;
pub mod report;
pub mod settings;
pub mod source;
pub mod sync;
pub mod tags;

pub use report::{Report, Status};
pub use runtime_support::aws::load_sdk_config;
pub use settings::Settings;
pub use sync::{secretsmanager_client, Syncer};
