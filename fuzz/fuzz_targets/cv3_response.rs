#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orderstatus_fuzz::cv3_response(data));
