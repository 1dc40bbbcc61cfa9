//! The issuer's log: runtime-support's one JSON object per line on stderr.
//! Callers pass names, counts, serials and error codes, never key material or
//! bundle values.

pub use runtime_support::log::*;
