//! libFuzzer entry of the `policy_parse_eval` target; the checks live in s2s-fuzz.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| s2s_fuzz::policy::run(data));
