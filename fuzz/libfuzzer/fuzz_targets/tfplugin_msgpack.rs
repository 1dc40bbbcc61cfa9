//! libFuzzer entry of the `tfplugin_msgpack` target; the checks live in s2s-fuzz.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| s2s_fuzz::tfvalue::run_msgpack(data));
