//! Integration tests: the built binary on temporary folders, outputs deserialized before
//! comparing. Generated logs carry their own ground truth, so counts are checked exactly.
//!
//! One test binary (`autotests = false`, `[[test]] name = "tests"` in Cargo.toml), so the crate
//! is linked once. Each module is named after what it tests; `util` holds the helpers they
//! share and `generate` the log generator (also used by `examples/generate.rs`).

mod blocklist;
mod blocklist_readback;
mod catalogue_facts;
mod cli_docs;
mod csv_cells;
mod custom_formats;
mod detect;
mod duplicates;
mod evidence;
mod generate;
mod hostile;
mod identity;
mod inputs;
mod manifest;
mod org;
mod outcome;
mod partial;
mod pdf;
mod people;
mod privacy;
mod register;
mod report_bounded;
mod report_html;
mod scan;
mod siem_export;
mod signatures;
mod spark;
mod state;
mod timestamps;
mod uploads;
mod util;
mod vendor_samples;
mod vendors;
mod xlsx;
