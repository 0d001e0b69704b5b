//! Checked run settings. Built from the command line in `cli.rs`; everything below takes
//! `&Config` and knows nothing of clap.

use std::path::PathBuf;

use crate::formats::LogFormat;
use crate::time::Plausible;

/// Plain files larger than this are read as parallel chunks (formats without header state).
/// Small enough that the workers finish a file together: with 16 MiB chunks one worker
/// still parsed the last chunk of a 184 MB log 10 to 30 ms after the other had stopped (perf
/// timeline, 2 threads), with 4 MiB under 2 ms. Large enough that opening and seeking per
/// chunk costs nothing measurable (see benches/compare.sh).
pub const DEFAULT_CHUNK_BYTES: u64 = 4 << 20;

/// Settings of one `scan`.
pub struct Config {
    /// Files and directories to read.
    pub inputs: Vec<PathBuf>,
    /// `--shard K/N`: read only the files whose path hashes to shard K of N.
    pub shard: Option<(u64, u64)>,
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
    /// The run's settings as a canonical command, for the report's method section: the same
    /// for a scan and for the merge of its partials, in any order.
    pub command_line: String,
    /// `--emit-partial`: keep what a partial aggregate needs (per-day detail; client-address
    /// events at their second when there is no `--identity`).
    pub partial: bool,
    /// The event times counted, from the clock read once when the run starts: every worker
    /// judges a line the same way, at any thread count. Events outside are skipped lines.
    pub plausible: Plausible,
}

impl Config {
    /// Settings for rendering reports from stored aggregates (`report`, `merge`): no inputs to
    /// read, the window and user normalization the aggregates were made with.
    pub fn render(
        out: PathBuf,
        since: Option<i64>,
        until: Option<i64>,
        keep_user_domain: bool,
        command_line: String,
    ) -> Config {
        Config {
            inputs: Vec::new(),
            shard: None,
            out,
            format: None,
            keep_user_domain,
            progress: false,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            min_expansion: crate::input::MIN_EXPANSION_LIMIT,
            since,
            until,
            command_line,
            partial: false,
            plausible: Plausible::from_clock(),
        }
    }
}
