//! The partial-aggregate reader on arbitrary bytes (partials travel through engines and object
//! storage): errors are fine, panics are not. A partial that reads is written, and what is
//! written must read back to the same bytes; it is then resolved and turned into aggregates.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shadowai::discovery::load_psl;
use shadowai::partial::Partial;
use shadowai::signatures::Catalogue;

fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| Catalogue::embedded(&load_psl(None).unwrap()).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let mut p = Partial::default();
    if p.read("fuzz", data).is_err() {
        return;
    }
    let mut once = Vec::new();
    p.write(&mut once).unwrap();
    let mut again = Partial::default();
    again.read("written", &once[..]).unwrap();
    let mut twice = Vec::new();
    again.write(&mut twice).unwrap();
    assert_eq!(once, twice, "a written partial reads back to itself");
    again.resolve(None);
    again.cap_seen();
    let _ = again.into_scan(catalogue());
});
