#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orderstatus_fuzz::channeladvisor_response(data));
