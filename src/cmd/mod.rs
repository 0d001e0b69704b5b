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

use std::path::PathBuf;

use crate::aggregate::FileStats;
use crate::exit::Exit;

/// Names on stderr every input with a warning (a special file skipped, gzip padding ignored,
/// a recognized format of which no line named a host),
/// not read as a duplicate of another, or with an error, and says how the run ended:
/// [`Exit::Ok`] when none failed (a duplicate is no failure), [`Exit::Fatal`] when
/// [`nothing_read`], else [`Exit::Partial`] (reports are worth writing: they hold what was
/// read, and the failures are named in them). Whether there is anything to report at all is
/// [`no_data`]'s question.
fn files_outcome(files: &[FileStats]) -> Exit {
    let mut failed = false;
    for f in files {
        if let Some(warning) = &f.warning {
            eprintln!("shadowai: {}: {warning}", f.path.display());
        }
        if let Some(warning) = f.no_event_warning() {
            eprintln!("shadowai: {}: {warning}", f.path.display());
        }
        if let Some(d) = &f.duplicate {
            eprintln!("shadowai: {}: {}", f.path.display(), d.message());
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
/// (a mistyped path, a file of no known format, a gzip corrupt from its first bytes). A file
/// that failed after some lines (a truncated gzip, a decompression bomb stopped at its limit)
/// was partly read, and what it held is worth a report.
fn nothing_read(files: &[FileStats]) -> bool {
    !files.is_empty() && files.iter().all(|f| f.error.is_some() && f.lines == 0)
}

/// Why `files` hold nothing to report, if they do not: no input file at all (an empty folder),
/// every input failed before its first line ([`nothing_read`]), or not one line became an
/// event or an ignored data line (empty files, headers, comments, malformed lines only).
/// `inputs` are the paths given, for the message.
///
/// Why no report then: it would say "0 people used 0 unapproved AI tools", a green headline
/// from no data, and replace the last good report with it (issue 17).
fn no_data(files: &[FileStats], inputs: &str) -> Option<String> {
    if files.is_empty() {
        return Some(format!("no input file in {inputs}"));
    }
    if nothing_read(files) {
        return Some(format!("no input in {inputs} could be read"));
    }
    (!has_data(files)).then(|| {
        format!(
            "not one data line in the {} input file(s) in {inputs}: only empty files, headers, comments or malformed lines",
            files.len()
        )
    })
}

/// Whether some line of `files` became an event or an ignored data line.
fn has_data(files: &[FileStats]) -> bool {
    files.iter().any(|f| f.events + f.ignored > 0)
}

/// Paths for a message: the first few, then how many more.
fn paths_text(paths: &[PathBuf]) -> String {
    const SHOWN: usize = 3;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        text.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    text
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

    /// Issue 17 case 2: an empty folder, empty files and a mistyped path give no report.
    #[test]
    fn no_data_without_a_data_line() {
        let with = |events: u64, ignored: u64, skipped: u64| FileStats {
            lines: events + ignored + skipped,
            events,
            ignored,
            skipped,
            ..FileStats::default()
        };
        let missing = file(0, Some("No such file or directory"));
        assert!(no_data(&[], "logs").is_some_and(|m| m.contains("no input file in logs")));
        assert!(
            no_data(std::slice::from_ref(&missing), "x")
                .is_some_and(|m| m.contains("could be read"))
        );
        assert!(no_data(&[with(0, 0, 0), with(0, 0, 3)], "x").is_some());
        assert!(no_data(&[missing.clone(), with(0, 0, 0)], "x").is_some());
        assert_eq!(no_data(&[with(1, 0, 0)], "x"), None);
        assert_eq!(no_data(&[with(0, 1, 0), missing], "x"), None);
        let many: Vec<PathBuf> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(paths_text(&many), "a, b, c and 2 more");
    }
}
