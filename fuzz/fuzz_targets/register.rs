//! The AI Tool Register reader on arbitrary bytes (a register is a user-supplied spreadsheet
//! export): errors are fine, panics are not. A parsed register is also joined and updated.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use shadowai::register::{Register, encode_rows};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Register::parse(Path::new("fuzz.csv"), data) {
        let row = vec!["x".to_string(); r.columns.headers.len()];
        let _ = encode_rows(&r, data, &[row]);
    }
});
