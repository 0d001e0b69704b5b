//! Per-line parse errors: small `Copy` values that never allocate, because a bad file can
//! produce millions of them. (A file that cannot be read is recorded on its `FileStats` and the
//! scan goes on.)

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
    /// The time parses but lies outside what a run counts (`time::Plausible`): before 1990 or
    /// more than a day past the run's clock.
    #[error("timestamp out of range (before 1990 or after tomorrow)")]
    ImplausibleTime,
    /// The line has none of the shapes this format writes.
    #[error("not a {0} line")]
    Unrecognized(&'static str),
    /// The line is longer than the line-length cap and was not read.
    #[error("line longer than {} bytes", crate::lines::MAX_LINE)]
    TooLong,
}
