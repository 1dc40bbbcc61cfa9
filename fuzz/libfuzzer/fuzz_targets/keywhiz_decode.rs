//! libFuzzer entry of the `keywhiz_decode` target; the checks live in s2s-fuzz.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| s2s_fuzz::keywhiz::run(data));
