//! The subcommands, one module per command (as xsv's `src/cmd/`), each with a `run` that takes
//! the parsed arguments and returns how the run ended. What several commands share lives beside
//! them: `setup` loads the catalogue, register and key before any log is read, `render` writes
//! the reports (of a scan, of partials, of a `--state` window), `partial_out` stages a partial
//! for `merge`.

pub mod blocklist;
pub mod completions;
pub mod formats;
pub mod man;
pub mod match_hosts;
pub mod merge;
mod partial_out;
pub mod register;
mod render;
pub mod report;
pub mod reveal;
pub mod scan;
mod setup;
pub mod signatures;

use crate::aggregate::FileStats;
use crate::exit::Exit;

/// Names every failed input on stderr and says how the run ended: [`Exit::Partial`] when some
/// failed, [`Exit::Fatal`] when all did (nothing was audited).
fn files_outcome(files: &[FileStats]) -> Exit {
    let failed: Vec<_> = files.iter().filter(|f| f.error.is_some()).collect();
    for f in &failed {
        eprintln!(
            "shadowai: {}: {}",
            f.path.display(),
            f.error.as_deref().unwrap_or_default()
        );
    }
    if failed.is_empty() {
        Exit::Ok
    } else if failed.len() == files.len() {
        Exit::Fatal
    } else {
        Exit::Partial
    }
}
