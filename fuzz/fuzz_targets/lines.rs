//! The bounded line reader: any input, a small line cap, reads of any size. Lines must never
//! exceed the cap and the reader must always terminate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shadowai::lines::{Line, LineReader};

fuzz_target!(|data: &[u8]| {
    let cap = 1 + data.first().copied().unwrap_or(0) as usize;
    let mut reader = LineReader::with_max_line(data, cap);
    let mut n = 0;
    while let Ok(Some(line)) = reader.next_line() {
        if let Line::Text(t) = line {
            assert!(t.len() <= cap);
        }
        n += 1;
        assert!(n <= data.len() + 1);
    }
});
