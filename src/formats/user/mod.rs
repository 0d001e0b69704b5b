//! User-defined log formats: a TOML spec given with `--format-file FILE` declares a format
//! without code (docs/custom-formats.md): its name and kind, how to recognize it (a header
//! line, a regex the first lines match, or by parsing them), the line syntax (a regex with
//! named groups, delimited columns, or JSON field paths) and which fields are the time, user,
//! client, device, process, host or URL, bytes out and action.
//!
//! A spec becomes a [`UserFormat`], a [`LogFormat`] like the built-ins: it is listed by
//! `shadowai formats`, chosen by `--format NAME`, and joins detection after the built-ins
//! ([`super::detect`]). Its parser follows the built-ins' rules: it never panics on any
//! input, it borrows the event from the line or from buffers it reuses (the regex's capture
//! slots, the CSV splitter's field buffer, the JSON picker's value buffer), so a line costs
//! no allocation, and a line it cannot read is an error the scan counts with its reason.

mod clock;
mod pick;
mod spec;

use std::path::PathBuf;
use std::sync::Arc;

use regex::bytes::{CaptureLocations, Regex};

#[cfg(test)]
use spec::compile;

use super::csv_fields::CsvSplitter;
use super::{LineParser, LogFormat, present};
use crate::error::ParseError;
use crate::event::{Action, Event, Parsed, SourceKind};
use crate::time::parse_u64;

/// The event fields a spec can map, in slot order.
#[derive(Clone, Copy)]
enum Slot {
    Time,
    User,
    Client,
    Device,
    Process,
    Host,
    Url,
    BytesOut,
    Action,
}

/// How many slots there are.
const SLOTS: usize = 9;

/// The slots' names, as `shadowai formats` shows them.
const SLOT_NAMES: [&str; SLOTS] = [
    "time",
    "user",
    "client",
    "device",
    "process",
    "host",
    "url",
    "bytes_out",
    "action",
];

/// A format loaded from a spec file.
pub struct UserFormat {
    name: &'static str,
    kind: SourceKind,
    about: &'static str,
    fields: &'static str,
    spec_url: &'static str,
    sample: &'static str,
    origin: &'static str,
    /// What the parsers share (cloned into each, since a parser outlives the borrow of
    /// `new_parser`).
    c: Arc<Compiled>,
}

/// A spec, compiled.
struct Compiled {
    name: &'static str,
    kind: SourceKind,
    comment: Option<Box<[u8]>>,
    syntax: Syntax,
    time: Option<TimeSpec>,
    action: Option<ActionMap>,
    /// With both a host and a URL field, the host is the event's host and the URL its path.
    both_host_and_url: bool,
    detect: Detect,
}

enum Syntax {
    /// A regex (anchored at the line's start) and the capture group of each mapped slot.
    Regex {
        re: Regex,
        groups: [Option<usize>; SLOTS],
    },
    /// Columns split by `separator`, optionally quoted; `fixed` gives each slot's column, or
    /// is `None` when the names come from the file's first line (`names` per slot).
    Delimited {
        separator: u8,
        quote: Option<u8>,
        fixed: Option<[Option<usize>; SLOTS]>,
        names: [Option<String>; SLOTS],
    },
    /// JSON objects; the slots' paths.
    Json(pick::Trie),
}

struct TimeSpec {
    format: clock::TimeFormat,
    /// Seconds east of UTC, for times written without a zone.
    offset: i64,
}

struct ActionMap {
    allowed: Vec<Vec<u8>>,
    blocked: Vec<Vec<u8>>,
    other: Action,
}

impl ActionMap {
    /// The action a value means: listed values match whole and ignoring ASCII case, and a
    /// value ending in `*` matches as a prefix (`TCP_DENIED*`).
    fn of(&self, v: &[u8]) -> Action {
        let hit = |list: &[Vec<u8>]| {
            list.iter().any(|p| match p.strip_suffix(b"*") {
                Some(prefix) => v
                    .get(..prefix.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(prefix)),
                None => v.eq_ignore_ascii_case(p),
            })
        };
        if hit(&self.blocked) {
            Action::Blocked
        } else if hit(&self.allowed) {
            Action::Allowed
        } else {
            self.other
        }
    }
}

/// How a user format recognizes a file's head.
enum Detect {
    /// The first non-blank, non-comment line starts with these bytes: 100, else 0.
    Header(Box<[u8]>),
    /// The share of the first `lines` data lines the regex is found in.
    Regex { re: Regex, lines: usize, min: u8 },
    /// The share of the first `lines` data lines that parse to an event.
    Parse { lines: usize, min: u8 },
}

impl LogFormat for UserFormat {
    fn name(&self) -> &'static str {
        self.name
    }
    fn kind(&self) -> SourceKind {
        self.kind
    }
    fn about(&self) -> &'static str {
        self.about
    }
    fn fields(&self) -> &'static str {
        self.fields
    }
    fn spec_url(&self) -> &'static str {
        self.spec_url
    }
    fn sample(&self) -> &'static str {
        self.sample
    }
    fn origin(&self) -> Option<&'static str> {
        Some(self.origin)
    }
    /// A share below the spec's `min_percent` scores at most 50, under what identifies a
    /// format, so a file that merely resembles the spec is not taken for it.
    fn sniff(&self, head: &[u8]) -> u8 {
        let c = &self.c;
        let (pct, min) = match &c.detect {
            Detect::Header(h) => {
                let first = head
                    .split(|&b| b == b'\n')
                    .map(<[u8]>::trim_ascii)
                    .find(|l| {
                        !l.is_empty() && !c.comment.as_deref().is_some_and(|p| l.starts_with(p))
                    });
                return if first.is_some_and(|l| l.starts_with(h)) {
                    100
                } else {
                    0
                };
            }
            Detect::Regex { re, lines, min } => {
                (share(head, *lines, c, |l| Some(re.is_match(l))), *min)
            }
            Detect::Parse { lines, min } => {
                let mut p = self.new_parser();
                (
                    share(head, *lines, c, |l| match p.parse(l) {
                        Ok(Parsed::Event(_)) => Some(true),
                        Ok(Parsed::Meta) => None,
                        _ => Some(false),
                    }),
                    *min,
                )
            }
        };
        if pct >= min { pct } else { pct.min(50) }
    }
    fn new_parser(&self) -> Box<dyn LineParser> {
        let state = match &self.c.syntax {
            Syntax::Regex { re, .. } => State::Regex(re.capture_locations()),
            Syntax::Delimited {
                separator,
                quote,
                fixed,
                ..
            } => State::Delimited {
                csv: Box::new(CsvSplitter::with(*separator, *quote)),
                cols: *fixed,
                header: Vec::new(),
            },
            Syntax::Json(_) => State::Json(pick::Picked::default()),
        };
        Box::new(UserParser {
            c: Arc::clone(&self.c),
            state,
        })
    }
    fn stateful(&self) -> bool {
        matches!(self.c.syntax, Syntax::Delimited { fixed: None, .. })
    }
}

/// The percentage of the first `lines` non-blank, non-comment lines of `head` that `pred`
/// accepts (`None`: the line does not count either way).
fn share(
    head: &[u8],
    lines: usize,
    c: &Compiled,
    mut pred: impl FnMut(&[u8]) -> Option<bool>,
) -> u8 {
    let (mut seen, mut hit) = (0usize, 0usize);
    for line in head.split(|&b| b == b'\n') {
        if seen == lines {
            break;
        }
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || c.comment.as_deref().is_some_and(|p| trimmed.starts_with(p)) {
            continue;
        }
        match pred(line.strip_suffix(b"\r").unwrap_or(line)) {
            Some(true) => (seen, hit) = (seen + 1, hit + 1),
            Some(false) => seen += 1,
            None => {}
        }
    }
    (hit * 100).checked_div(seen).unwrap_or(0) as u8
}

/// Per-file parse state, reused from line to line.
enum State {
    Regex(CaptureLocations),
    Delimited {
        /// Boxed: the csv-core reader's tables are large, and the variants are kept alike.
        csv: Box<CsvSplitter>,
        /// Each slot's column: from the spec, or from the header line once it is read.
        cols: Option<[Option<usize>; SLOTS]>,
        /// The header line, to recognize it repeated (concatenated files).
        header: Vec<u8>,
    },
    Json(pick::Picked),
}

struct UserParser {
    c: Arc<Compiled>,
    state: State,
}

impl LineParser for UserParser {
    fn parse<'a>(&'a mut self, line: &'a [u8]) -> Result<Parsed<'a>, ParseError> {
        let c = &*self.c;
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || c.comment.as_deref().is_some_and(|p| trimmed.starts_with(p)) {
            return Ok(Parsed::Meta);
        }
        match (&c.syntax, &mut self.state) {
            (Syntax::Regex { re, groups }, State::Regex(locs)) => {
                if re.captures_read(locs, line).is_none() {
                    return Err(ParseError::Unrecognized(c.name));
                }
                let locs = &*locs;
                c.event(|slot| {
                    let (s, e) = locs.get(groups[slot]?)?;
                    line.get(s..e)
                })
            }
            (Syntax::Delimited { names, .. }, State::Delimited { csv, cols, header }) => {
                if cols.is_none() || *header == line {
                    if cols.is_none() {
                        let f = csv.split(line, usize::MAX);
                        let mut found = [None; SLOTS];
                        for (slot, name) in names.iter().enumerate() {
                            found[slot] = name.as_deref().and_then(|n| {
                                f.iter().position(|h| h.trim_ascii() == n.as_bytes())
                            });
                        }
                        *cols = Some(found);
                        header.extend_from_slice(line);
                    }
                    return Ok(Parsed::Meta);
                }
                let cols = cols.unwrap_or([None; SLOTS]);
                if cols[Slot::Host as usize].is_none() && cols[Slot::Url as usize].is_none() {
                    return Err(ParseError::MissingField("host"));
                }
                let f = csv.split(line, usize::MAX);
                c.event(|slot| cols[slot].map(|i| f.get(i)))
            }
            (Syntax::Json(trie), State::Json(picked)) => {
                if trimmed.first() != Some(&b'{') || !picked.read(trie, trimmed) {
                    return Err(ParseError::Unrecognized(c.name));
                }
                let picked = &*picked;
                c.event(|slot| picked.get(slot))
            }
            _ => Err(ParseError::Unrecognized(c.name)),
        }
    }
}

impl Compiled {
    /// The event of a line whose mapped values `get` returns by slot.
    fn event<'a>(&self, get: impl Fn(usize) -> Option<&'a [u8]>) -> Result<Parsed<'a>, ParseError> {
        let v = |slot: Slot| get(slot as usize).map(<[u8]>::trim_ascii).and_then(present);
        let ts = match &self.time {
            None => None,
            Some(t) => {
                let text = v(Slot::Time).ok_or(ParseError::MissingField("time"))?;
                Some(
                    t.format
                        .read(text, t.offset)
                        .ok_or(ParseError::BadTimestamp)?,
                )
            }
        };
        let url = v(Slot::Url);
        let Some(host) = v(Slot::Host).or(url) else {
            return Ok(Parsed::Ignored);
        };
        let bytes_out = match v(Slot::BytesOut) {
            None => None,
            Some(b) => {
                let int = b.split(|&c| c == b'.').next().unwrap_or_default();
                Some(parse_u64(int).ok_or(ParseError::BadNumber("bytes_out"))?)
            }
        };
        let action = match (&self.action, v(Slot::Action)) {
            (Some(map), Some(a)) => map.of(a),
            (Some(map), None) => map.other,
            (None, _) => Action::Unknown,
        };
        Ok(Parsed::Event(Event {
            ts,
            user: v(Slot::User),
            client: v(Slot::Client),
            host,
            bytes_out,
            action,
            source: self.kind,
            device: v(Slot::Device),
            process: v(Slot::Process),
            path: if self.both_host_and_url { url } else { None },
        }))
    }
}

/// Loads the spec files (`--format-file`, in order) and adds their formats to the registry
/// for the rest of the process. A name may be defined once, and never a built-in's.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut all: Vec<UserFormat> = Vec::new();
    for path in paths {
        let taken: Vec<&str> = all.iter().map(|f| f.name).collect();
        let formats = spec::read(path, &taken)?;
        all.extend(formats);
    }
    let leaked: Vec<&'static dyn LogFormat> = all
        .into_iter()
        .map(|f| &*Box::leak(Box::new(f)) as &'static dyn LogFormat)
        .collect();
    super::install_user(leaked);
    Ok(())
}

/// The test fixtures (tests/data/formats/fixtures.toml) and the worked example
/// (examples/formats/), for the conformance tests that mangle every format's sample.
#[cfg(test)]
pub(crate) fn test_fixtures() -> Vec<&'static dyn LogFormat> {
    [
        include_str!("../../../tests/data/formats/fixtures.toml"),
        include_str!("../../../examples/formats/barracuda-wsg.toml"),
    ]
    .into_iter()
    .flat_map(|text| compile(text, "fixture.toml", &[]).unwrap_or_default())
    .map(|f| &*Box::leak(Box::new(f)) as &'static dyn LogFormat)
    .collect()
}

#[cfg(test)]
mod tests;
