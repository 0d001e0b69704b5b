//! Test helpers shared by unit tests.

use std::path::PathBuf;

use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::formats::LineParser;

/// Reads a file under `../shared/` (the vendor samples beside the repository). A user's clone
/// has no `../shared`: then it prints a notice and returns `None`, and the test skips.
pub fn shared(rel: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => {
            eprintln!(
                "notice: {} not found; skipping (needs ../shared)",
                path.display()
            );
            None
        }
    }
}

/// An owned copy of an [`Event`], so tests can keep events past the next line and compare
/// them whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Owned {
    pub ts: Option<i64>,
    pub user: Option<String>,
    pub client: Option<String>,
    pub host: String,
    pub bytes_out: Option<u64>,
    pub action: Action,
    pub source: SourceKind,
    pub device: Option<String>,
    pub process: Option<String>,
}

impl From<&Event<'_>> for Owned {
    fn from(e: &Event<'_>) -> Owned {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Owned {
            ts: e.ts,
            user: e.user.map(s),
            client: e.client.map(s),
            host: s(e.host),
            bytes_out: e.bytes_out,
            action: e.action,
            source: e.source,
            device: e.device.map(s),
            process: e.process.map(s),
        }
    }
}

/// What a parser made of every line of a text.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// The events, in order.
    pub events: Vec<Owned>,
    /// Lines that parsed as [`Parsed::Ignored`].
    pub ignored: usize,
    /// Lines that parsed as [`Parsed::Meta`].
    pub meta: usize,
    /// Lines that failed to parse.
    pub errors: usize,
}

/// Feeds every line of `text` to `parser` and counts what came out.
pub fn tally(parser: &mut dyn LineParser, text: &str) -> Tally {
    let mut t = Tally::default();
    for line in text.lines() {
        match parser.parse(line.as_bytes()) {
            Ok(Parsed::Event(e)) => t.events.push(Owned::from(&e)),
            Ok(Parsed::Ignored) => t.ignored += 1,
            Ok(Parsed::Meta) => t.meta += 1,
            Err(_) => t.errors += 1,
        }
    }
    t
}

/// What a fresh `parser` makes of `line`. The parser is leaked (a test's worth of bytes), so
/// what it lends out lives as long as the line.
pub fn parse_with<'a>(
    parser: impl LineParser + 'static,
    line: &'a str,
) -> Result<Parsed<'a>, ParseError> {
    Box::leak(Box::new(parser)).parse(line.as_bytes())
}

/// The event a fresh `parser` makes of `line`; panics if the line is not one.
pub fn event_with<'a>(parser: impl LineParser + 'static, line: &'a str) -> Event<'a> {
    match parse_with(parser, line) {
        Ok(Parsed::Event(e)) => e,
        other => panic!("{line}: {other:?}"),
    }
}

/// Reads the vendor sample `file` (under `../shared/`, see [`shared`]) with `parser` and asserts
/// it gives exactly `counts` (events, ignored, errors) and is detected as `format` without
/// `--format`; returns the tally for the test's own checks, or `None` (the test skips) without
/// `../shared`. Shared by the formats' real-sample tests so that each checks both the parse
/// and the detection of the vendor's own file in the same way.
pub fn vendor_sample(
    mut parser: impl LineParser,
    format: &str,
    file: &str,
    counts: (usize, usize, usize),
) -> Option<Tally> {
    let text = shared(file)?;
    let t = tally(&mut parser, &text);
    assert_eq!((t.events.len(), t.ignored, t.errors), counts, "{file}");
    let got = crate::formats::detect(text.as_bytes()).map(|f| f.name());
    assert_eq!(got.ok(), Some(format), "{file}");
    Some(t)
}
