//! The syncer's log: runtime-support's one JSON object per line on stderr.
//! Callers pass names and counts only, never secret contents.

pub use runtime_support::log::*;
