//! cert-issuer: short-lived certificates for the apps that Registry flags
//! (`certificate_generation`), issued by ACM Private CA (or a local CA) and
//! written to `s2s/<app>/tls` in each of the app's accounts through the
//! writer role there, with the bundle's resource policy. Hourly runs renew at
//! the 12-hour margin of a 24-hour certificate, so a valid certificate always
//! overlaps the next and a failed run is retried within the hour.
//!
//! Modules, one job each: [`settings`], [`target`] (Registry's desired
//! state), [`ledger`] (what was written where), [`plan`] (the pure decision),
//! [`job`] (units of work and their messages), [`ca`] (the two CA backends),
//! [`issue`] (key, CSR, checking the CA's answer), [`policy`] (the resource
//! policy), [`accounts`] (the secrets in the app accounts), [`work`] (one
//! job), [`queue`] (SQS), [`issuer`] (the runs), [`report`]/[`log`] (what it
//! did, with EMF metrics), [`cli`] and [`lambda`] (the front ends).

pub mod accounts;
pub mod aws;
pub mod ca;
pub mod cli;
pub mod clock;
pub mod issue;
pub mod issuer;
pub mod job;
pub mod lambda;
pub mod ledger;
pub mod log;
pub mod plan;
pub mod policy;
pub mod queue;
pub mod ratelimit;
pub mod report;
pub mod settings;
pub mod target;
pub mod work;

pub use issuer::{Issuer, Parts, RegistrySource};
pub use report::{Report, Status};
pub use settings::Settings;
