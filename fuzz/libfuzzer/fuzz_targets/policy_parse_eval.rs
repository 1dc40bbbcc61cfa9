//! libFuzzer entry of the `policy_parse_eval` target; the checks live in the `fuzz` crate.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::policy::run(data));
