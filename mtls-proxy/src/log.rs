//! The proxy's log: runtime-support's one JSON object per line on stderr,
//! with the level filter `S2S_LOG_LEVEL` sets (requests at debug, certificate
//! loads at info). Callers pass names, serials, times and errors only: never a
//! key or a certificate body.

pub use runtime_support::log::*;
