//! Error types. Per-line errors are small `Copy` values that never allocate, because a bad
//! file can produce millions of them; per-input errors carry the path.

use std::path::PathBuf;

/// Why one line could not be parsed. The `&'static str` names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ParseError {
    /// Fewer fields than the format has, or a required field is absent.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field that must be a number is not.
    #[error("bad number in field `{0}`")]
    BadNumber(&'static str),
    /// The timestamp field does not parse.
    #[error("bad timestamp")]
    BadTimestamp,
    /// The line has none of the shapes this format writes.
    #[error("not a {0} line")]
    Unrecognized(&'static str),
    /// The line is longer than the line-length cap and was not read.
    #[error("line longer than {} bytes", crate::lines::MAX_LINE)]
    TooLong,
}

/// A file that could not be read (fully). The scan goes on with the other inputs.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct InputError {
    /// The input's path as given or found by the walk.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
    pub source: std::io::Error,
}
