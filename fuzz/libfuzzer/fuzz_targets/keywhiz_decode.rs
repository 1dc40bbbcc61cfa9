//! libFuzzer entry of the `keywhiz_decode` target; the checks live in the `fuzz` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::keywhiz::run(data));
