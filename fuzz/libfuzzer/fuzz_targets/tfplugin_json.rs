//! libFuzzer entry of the `tfplugin_json` target; the checks live in s2s-fuzz.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| s2s_fuzz::tfvalue::run_json(data));
