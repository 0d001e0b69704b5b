//! The signature-file loader (what `--signatures FILE` and `signatures lint` read) on arbitrary
//! text; errors are fine, panics are not. Matching then runs on the same bytes as a host.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use publicsuffix::List;
use shadowai::signatures::Catalogue;

fn psl() -> &'static List {
    static PSL: OnceLock<List> = OnceLock::new();
    PSL.get_or_init(|| shadowai::discovery::load_psl(None).expect("embedded list"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut c = Catalogue::empty();
    if c.add_source("fuzz.toml", text, psl()).is_ok() {
        let _ = c.find_host(data);
    }
});
