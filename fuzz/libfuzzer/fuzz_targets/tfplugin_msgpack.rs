//! libFuzzer entry of the `tfplugin_msgpack` target; the checks live in the `fuzz` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::tfvalue::run_msgpack(data));
