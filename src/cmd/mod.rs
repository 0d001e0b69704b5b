//! The subcommands, one module per command (as xsv's `src/cmd/`), each with a `run` that takes
//! the parsed arguments and returns how the run ended. What several commands share lives beside
//! them: `setup` loads the catalogue, register and key before any log is read, `render` writes
//! the reports (of a scan, of partials, of a `--state` window), `partial_out` stages a partial
//! for `merge`.

pub mod blocklist;
pub mod completions;
pub mod digest;
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

/// Names every input with a warning (a special file skipped, gzip padding ignored) or an error
/// on stderr and says how the run ended: [`Exit::Ok`] when none failed, [`Exit::Fatal`] when
/// [`nothing_read`], else [`Exit::Partial`] (reports are worth writing: they hold what was
/// read, and the failures are named in them).
fn files_outcome(files: &[FileStats]) -> Exit {
    let mut failed = false;
    for f in files {
        if let Some(warning) = &f.warning {
            eprintln!("shadowai: {}: {warning}", f.path.display());
        }
        if let Some(error) = &f.error {
            failed = true;
            eprintln!("shadowai: {}: {error}", f.path.display());
        }
    }
    if !failed {
        Exit::Ok
    } else if nothing_read(files) {
        Exit::Fatal
    } else {
        Exit::Partial
    }
}

/// Whether not one input yielded a single line: every input failed before its first data line
/// (a mistyped path, a file of no known format, a gzip corrupt from its first bytes). A report
/// would say nothing then, and writing it would replace the last good one with an empty one; a
/// file that failed after some lines (a truncated gzip, a decompression bomb stopped at its
/// limit) was partly read, and what it held is worth a report. No input at all (an empty
/// folder) is not a failure: there was nothing to read.
fn nothing_read(files: &[FileStats]) -> bool {
    !files.is_empty() && files.iter().all(|f| f.error.is_some() && f.lines == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: u64, error: Option<&str>) -> FileStats {
        FileStats {
            lines,
            error: error.map(str::to_string),
            ..FileStats::default()
        }
    }

    #[test]
    fn exit_1_only_when_every_input_failed_before_its_first_line() {
        let missing = || file(0, Some("No such file or directory"));
        let truncated = || file(4_557, Some("gzip stream truncated"));
        let good = || file(10, None);
        let empty = || file(0, None);
        assert_eq!(files_outcome(&[]), Exit::Ok);
        assert_eq!(files_outcome(&[good(), empty()]), Exit::Ok);
        assert_eq!(files_outcome(&[missing()]), Exit::Fatal);
        assert_eq!(files_outcome(&[missing(), missing()]), Exit::Fatal);
        assert_eq!(files_outcome(&[truncated()]), Exit::Partial);
        assert_eq!(files_outcome(&[missing(), truncated()]), Exit::Partial);
        assert_eq!(files_outcome(&[missing(), good()]), Exit::Partial);
        assert_eq!(files_outcome(&[missing(), empty()]), Exit::Partial);
    }
}
