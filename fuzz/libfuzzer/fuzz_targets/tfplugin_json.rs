//! libFuzzer entry of the `tfplugin_json` target; the checks live in the `fuzz` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::tfvalue::run_json(data));
