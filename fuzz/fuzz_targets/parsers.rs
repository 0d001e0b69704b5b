//! Every registered parser on arbitrary bytes: the first byte picks the format, the rest is
//! split into lines and fed to one parser in order (so header state is exercised too).
//! A new format is fuzzed without touching this file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shadowai::formats::FORMATS;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let format = FORMATS[pick as usize % FORMATS.len()];
    let mut parser = format.new_parser();
    for line in rest.split(|&b| b == b'\n') {
        let _ = parser.parse(line);
    }
});
