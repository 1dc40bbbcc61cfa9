//! The fuzz targets of s2s, as plain functions of the input bytes. Each one
//! feeds untrusted input to one decoder or to the planner and panics only
//! when a property fails (a panic inside the code under test counts too).
//!
//! Two drivers call them: libFuzzer through cargo-fuzz (`fuzz/libfuzzer`,
//! `make fuzz`), and `cargo test` (tests/corpus.rs), which replays every
//! committed seed and crash regression in `fuzz/corpus/<target>/` so that
//! `make test` checks them in seconds without any fuzzing tool.

pub mod keywhiz;
pub mod planner;
pub mod policy;
pub mod registry;
pub mod tfvalue;

/// A target: the checks run on one input.
pub type Target = fn(&[u8]);

/// Every target by the name of its corpus directory and libFuzzer binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("policy_parse_eval", policy::run),
    ("keywhiz_decode", keywhiz::run),
    ("registry_decode", registry::run),
    ("syncer_planner", planner::run),
    ("tfplugin_msgpack", tfvalue::run_msgpack),
    ("tfplugin_json", tfvalue::run_json),
];
