//! The whole read path on one file: walk, gzip (intact or damaged), format detection, every
//! parser, the timestamp rule, matching and aggregation, then the partial writer and reader.
//! The per-parser target cannot reach what goes wrong between them (a damaged gzip losing the
//! lines before its cut; a timestamp that parses but overflows a day walk later).
//!
//! First byte: bit 0 gzips the rest; bits 1–2 damage the gzip (none, cut at a point the second
//! byte picks, flip the byte it picks, append 512 NUL bytes). Invariant checked: every line is
//! an event, ignored or skipped — nothing lost, nothing counted twice — and the partial written
//! from the scan reads back.
#![no_main]

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use shadowai::config::Config;
use shadowai::discovery::load_psl;
use shadowai::partial::{Meta, Partial, write_scan};
use shadowai::pipeline::{Context, scan};
use shadowai::signatures::Catalogue;

struct Fixture {
    psl: publicsuffix::List,
    catalogue: Catalogue,
    dir: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let psl = load_psl(None).unwrap();
        let catalogue = Catalogue::embedded(&psl).unwrap();
        let dir = std::env::temp_dir().join(format!("shadowai-fuzz-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Fixture { psl, catalogue, dir }
    })
}

fn input(data: &[u8]) -> Vec<u8> {
    let (Some(&mode), Some(&at)) = (data.first(), data.get(1)) else {
        return data.to_vec();
    };
    let body = &data[2..];
    if mode & 1 == 0 {
        return body.to_vec();
    }
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(body).unwrap();
    let mut gz = enc.finish().unwrap();
    let pick = usize::from(at) * gz.len() / 256;
    match (mode >> 1) & 3 {
        1 => gz.truncate(pick),
        2 => gz[pick] ^= 0x5a,
        3 => gz.extend_from_slice(&[0; 512]),
        _ => {}
    }
    gz
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let path = f.dir.join("input.log");
    std::fs::write(&path, input(data)).unwrap();
    let mut config = Config::render(f.dir.join("out"), None, None, false, String::new());
    config.inputs = vec![path];
    let ctx = Context {
        config: &config,
        catalogue: &f.catalogue,
        psl: &f.psl,
        bar: indicatif::ProgressBar::hidden(),
        identity: None,
        own: Default::default(),
    };
    let result = scan(&ctx);
    for file in &result.files {
        assert_eq!(
            file.lines,
            file.events + file.ignored + file.skipped,
            "every line is an event, ignored or skipped: {file:?}"
        );
    }
    let mut text = Vec::new();
    write_scan(&result, &f.catalogue, &Meta::default(), &mut text).unwrap();
    let mut partial = Partial::default();
    partial
        .read("scan", &text[..])
        .expect("a partial written from a scan reads back");
});
