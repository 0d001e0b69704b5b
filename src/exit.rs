//! Exit codes, one documented enum (README "Exit codes"), so schedulers can act on them.

use std::process::ExitCode;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every input was read fully and the outputs were written.
    Ok = 0,
    /// Nothing useful could be done: not one input yielded a line (every input failed before
    /// its first one), or the outputs cannot be written. No report is written, so last run's
    /// reports stay as they were (with `--state` they are rendered from the state all the
    /// same: its window stands without this run's inputs). `register check`: a register row
    /// matches no catalogue tool.
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
