//! libFuzzer entry of the `syncer_planner` target; the checks live in the `fuzz` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::planner::run(data));
