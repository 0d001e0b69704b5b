//! Format detection (every sniffer) on arbitrary heads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shadowai::formats::detect(data);
});
