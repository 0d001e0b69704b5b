//! Exit codes, one documented enum (README "Exit codes"), so schedulers can act on them.

use std::process::ExitCode;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every input was read fully and the outputs were written.
    Ok = 0,
    /// Nothing to report: no input file at all (an empty folder), not one input could be read
    /// (a mistyped path), or not one line of them was data (only empty files, headers or
    /// comments); or the outputs cannot be written. No report is written, so last run's
    /// reports stay as they were. With `--state`, a night that reads nothing new renders the
    /// state's window all the same (it stands without tonight's data); only a state that holds
    /// no data at all gives no report.
    /// `register check`: a register row matches no catalogue tool.
    Fatal = 1,
    /// Usage or configuration error: bad flag, bad signature file or register.
    Usage = 2,
    /// Outputs were written, but some input was unreadable or only partly read, or a register
    /// row matches no catalogue tool (the tool it meant counts as unregistered, so the policy
    /// view is incomplete): the reports hold what was read and name what failed.
    Partial = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A configuration problem: reported with exit code [`Exit::Usage`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A configuration problem at `line` of `path` (`FILE:LINE: msg`), as the register, the
/// identity file and the directory report them.
pub fn at_line(path: &std::path::Path, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
    UsageError(format!("{}:{line}: {msg}", path.display())).into()
}
