#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orderstatus_fuzz::cloudsuite_response(data));
