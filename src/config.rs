//! Checked run settings. Built from the command line in `cli.rs`; everything below takes
//! `&Config` and knows nothing of clap.

use std::path::PathBuf;

use crate::formats::LogFormat;

/// Plain files larger than this are read as parallel chunks (formats without header state).
/// Small enough that a 200 MB file keeps two to eight cores evenly busy, large enough that
/// opening and seeking per chunk costs nothing measurable (see benches/compare.sh).
pub const DEFAULT_CHUNK_BYTES: u64 = 16 << 20;

/// Settings of one `scan`.
pub struct Config {
    /// Files and directories to read.
    pub inputs: Vec<PathBuf>,
    /// Report folder.
    pub out: PathBuf,
    /// `--format`: skip detection.
    pub format: Option<&'static dyn LogFormat>,
    /// Keep `DOMAIN\user` and `user@domain` whole.
    pub keep_user_domain: bool,
    /// Draw a progress bar (only ever on a terminal).
    pub progress: bool,
    /// Chunk size for splitting large plain files.
    pub chunk_bytes: u64,
    /// Smallest decompressed size at which a gzip input is cut off as a bomb (see
    /// `input::MAX_RATIO`).
    pub min_expansion: u64,
    /// Audit window start (Unix seconds, inclusive): earlier events are not counted.
    pub since: Option<i64>,
    /// Audit window end (Unix seconds, inclusive): later events are not counted.
    pub until: Option<i64>,
    /// The command line, for the report's method section.
    pub command_line: String,
}
