//! The partial format's records: kinds and their merge rules, field escaping, and reading,
//! combining and writing records. The format itself is specified in the parent module.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::Context as _;
use flate2::bufread::MultiGzDecoder;
use rustc_hash::FxHashMap;

use super::Partial;
use crate::exit::UsageError;
use crate::lines::{Line, LineReader};

/// The format version written, and the only one read. Version 2 added the incidental-event
/// count to `usage` and `ipusage` (issue 18): a version 1 partial, matched without evidence,
/// is refused rather than read as all use. Version 3 added the input's SHA-256 to `file`
/// (issue 16), so merged reports carry the evidence manifest of the scans, and leaves the
/// `bytes_out` of `usage` and `ipusage` empty where no source measured uploads ("not
/// measured", not 0).
pub const VERSION: u32 = 3;

/// One field's type and, for values, how two records' fields combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Col {
    /// Text that must be equal in records that meet.
    Text,
    /// A number that must be equal in records that meet.
    Int,
    /// Added.
    Sum,
    /// The smaller (none when both are none).
    Min,
    /// The larger.
    Max,
    /// Bitwise or.
    Or,
}

/// A record kind: its name, key fields and value fields.
pub(super) struct Kind {
    name: &'static str,
    keys: &'static [Col],
    values: &'static [Col],
    /// Two records with this key are an error (the same input counted twice).
    unique: bool,
}

use Col::{Int, Max, Min, Or, Sum, Text};

/// Every kind, in the order a partial is written.
pub(super) const KINDS: &[Kind] = &[
    Kind {
        name: "meta",
        keys: &[Text],
        values: &[Text],
        unique: false,
    },
    Kind {
        name: "file",
        keys: &[Text],
        values: &[
            Text, Int, Int, Int, Int, Int, Int, Int, Text, Text, Int, Int, Int, Text, Int, Text,
            Text,
        ],
        unique: true,
    },
    Kind {
        name: "usage",
        keys: &[Int, Text, Text],
        values: &[Sum, Sum, Min, Max, Sum],
        unique: false,
    },
    Kind {
        name: "seen",
        keys: &[Text, Text, Text, Text],
        values: &[],
        unique: false,
    },
    Kind {
        name: "cover",
        keys: &[Text, Int],
        values: &[],
        unique: false,
    },
    Kind {
        name: "cand",
        keys: &[Int, Text, Text, Text],
        values: &[Sum, Min, Max, Or],
        unique: false,
    },
    Kind {
        name: "day",
        keys: &[Int],
        values: &[Sum, Min, Max, Sum, Sum],
        unique: false,
    },
    Kind {
        name: "ipusage",
        keys: &[Text, Int, Text],
        values: &[Sum, Sum, Sum],
        unique: false,
    },
    Kind {
        name: "ipcand",
        keys: &[Text, Int, Text, Text],
        values: &[Sum, Or],
        unique: false,
    },
    Kind {
        name: "ipseen",
        keys: &[Text, Int, Text, Text, Text],
        values: &[],
        unique: false,
    },
];

pub(super) const META: u8 = 0;
pub(super) const FILE: u8 = 1;
pub(super) const USAGE: u8 = 2;
pub(super) const SEEN: u8 = 3;
pub(super) const COVER: u8 = 4;
pub(super) const CAND: u8 = 5;
pub(super) const DAY: u8 = 6;
pub(super) const IPUSAGE: u8 = 7;
pub(super) const IPCAND: u8 = 8;
pub(super) const IPSEEN: u8 = 9;

/// A field value: text (escaped, canonical) or a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Val {
    T(Box<[u8]>),
    N(Option<i64>),
}

/// A record's kind and its key fields joined by TAB. TAB sorts below every byte an escaped
/// field can hold, so joined keys sort as their fields do, one after the other.
pub(super) type Key = (u8, Box<[u8]>);

/// The fields of a joined key.
pub(super) fn fields(key: &[u8]) -> Vec<&[u8]> {
    key.split(|&b| b == b'\t').collect()
}

/// Key fields (escaped) joined into a key.
pub(super) fn join(fields: &[&[u8]]) -> Box<[u8]> {
    fields.join(&b'\t').into_boxed_slice()
}

/// Appends `raw` escaped (see the module docs).
pub(super) fn escape_into(out: &mut Vec<u8>, raw: &[u8]) {
    fn plain(out: &mut Vec<u8>, s: &[u8]) {
        for &b in s {
            if b == b'%' || b < 0x20 || b == 0x7f {
                pct(out, b);
            } else {
                out.push(b);
            }
        }
    }
    fn pct(out: &mut Vec<u8>, b: u8) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
    }
    let mut rest = raw;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => return plain(out, rest),
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                plain(out, valid);
                let bad = e.error_len().unwrap_or(after.len());
                for &b in &after[..bad] {
                    pct(out, b);
                }
                rest = &after[bad..];
            }
        }
    }
}

pub(super) fn escape(raw: &[u8]) -> Box<[u8]> {
    let mut out = Vec::with_capacity(raw.len());
    escape_into(&mut out, raw);
    out.into_boxed_slice()
}

/// The bytes an escaped field stands for, or `None` for a malformed escape.
pub(super) fn unescape(field: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'%' {
            let hi = hex(*field.get(i + 1)?)?;
            let lo = hex(*field.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(field[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A field in its one canonical spelling, so that equal bytes are equal keys.
///
/// # Performance
/// Runs for every text field `merge` reads: a field with nothing to escape (what shadowai
/// writes for almost every field) is taken as it is, without decoding it.
pub(super) fn canonical(field: &[u8]) -> Option<Box<[u8]>> {
    let plain = |b: &u8| *b != b'%' && *b >= 0x20 && *b != 0x7f;
    if field.iter().all(plain) && (field.is_ascii() || std::str::from_utf8(field).is_ok()) {
        return Some(field.into());
    }
    Some(escape(&unescape(field)?))
}

pub(super) fn parse_int(field: &[u8]) -> Result<Option<i64>, ()> {
    if field.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or(())
}

/// Appends a number in decimal (nothing for none).
pub(super) fn push_int(out: &mut Vec<u8>, v: Option<i64>) {
    if let Some(n) = v {
        // Formatting into a Vec cannot fail.
        let _ = write!(out, "{n}");
    }
}

pub(super) fn int_field(v: Option<i64>) -> Box<[u8]> {
    let mut out = Vec::new();
    push_int(&mut out, v);
    out.into_boxed_slice()
}

pub(super) fn text(raw: &[u8]) -> Val {
    Val::T(escape(raw))
}

pub(super) fn day_key(day: Option<i32>) -> Box<[u8]> {
    int_field(day.map(i64::from))
}

/// Combines `b` into `a` by the column's rule; `Err` when fields that must agree differ.
pub(super) fn combine(col: Col, a: &mut Val, b: Val) -> Result<(), ()> {
    match (col, a, b) {
        (Text | Int, a, b) => {
            if *a == b {
                Ok(())
            } else {
                Err(())
            }
        }
        (Sum, Val::N(x), Val::N(y)) => {
            // Empty stays empty only when both are: uploaded bytes no source measured.
            *x = match (*x, y) {
                (None, None) => None,
                (x, y) => Some(x.unwrap_or(0).saturating_add(y.unwrap_or(0))),
            };
            Ok(())
        }
        (Min, Val::N(x), Val::N(y)) => {
            *x = match (*x, y) {
                (Some(p), Some(q)) => Some(p.min(q)),
                (p, None) | (None, p) => p,
            };
            Ok(())
        }
        (Max, Val::N(x), Val::N(y)) => {
            *x = (*x).max(y);
            Ok(())
        }
        (Or, Val::N(x), Val::N(y)) => {
            *x = Some(x.unwrap_or(0) | y.unwrap_or(0));
            Ok(())
        }
        _ => Err(()),
    }
}

pub(super) fn u(v: &Val) -> u64 {
    match v {
        Val::N(Some(n)) => u64::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

pub(super) fn i(v: &Val) -> Option<i64> {
    match v {
        Val::N(n) => *n,
        Val::T(_) => None,
    }
}

pub(super) fn bytes(v: &[u8]) -> Vec<u8> {
    // Fields are canonical by construction; a malformed escape cannot be stored.
    unescape(v).unwrap_or_default()
}

pub(super) fn t(v: &Val) -> Vec<u8> {
    match v {
        Val::T(b) => bytes(b),
        Val::N(_) => Vec::new(),
    }
}

pub(super) fn key_day(k: &[u8]) -> Option<i32> {
    parse_int(k)
        .ok()
        .flatten()
        .and_then(|d| i32::try_from(d).ok())
}

pub(super) fn key_int(k: &[u8]) -> Option<i64> {
    parse_int(k).ok().flatten()
}

/// Opens a partial: a file (gzip or plain, by content) or `-` for standard input.
pub fn open(name: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = if name == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(name).with_context(|| format!("opening {}", name.display()))?)
    };
    let mut buffered = BufReader::with_capacity(256 * 1024, raw);
    let gzip = buffered
        .fill_buf()
        .with_context(|| format!("reading {}", name.display()))?
        .starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::new(Gzip(MultiGzDecoder::new(buffered))))
    } else {
        Box::new(buffered)
    })
}

/// A gzip decoder whose complaints about the data (a truncated member, a CRC or length
/// mismatch, garbage where the next member's header should be) are [`io::ErrorKind::InvalidData`]
/// errors saying so, which [`Partial::read`] refuses as a malformed partial; an error of the
/// file underneath stays an I/O error.
struct Gzip<R>(R);

impl<R: Read> Read for Gzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidInput
            | io::ErrorKind::InvalidData
            | io::ErrorKind::UnexpectedEof => io::Error::new(
                io::ErrorKind::InvalidData,
                format!("corrupt or truncated gzip ({e})"),
            ),
            _ => e,
        })
    }
}

/// Counts the bytes read through it, so the reader can tell a last line without its line end.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Where a record was read: the partial (an index into [`Origins::files`]) and its line.
type Origin = (usize, u64);

/// Where the records that name a tool or a setting came from, so that what can only be
/// checked after reading (a tool the catalogue lacks, a partial matched with another
/// catalogue) is still named as `FILE:LINE`. One entry per distinct tool id and meta name: the
/// first record that named it.
#[derive(Debug, Default)]
pub(super) struct Origins {
    /// The partials read, in order.
    files: Vec<String>,
    tools: FxHashMap<Box<[u8]>, Origin>,
    meta: FxHashMap<Box<[u8]>, Origin>,
}

impl Origins {
    /// # Performance
    /// Runs for every record naming a tool: a lookup, and an allocation only for a tool not
    /// seen before.
    fn note(map: &mut FxHashMap<Box<[u8]>, Origin>, key: &[u8], at: Origin) {
        if !map.contains_key(key) {
            map.insert(key.into(), at);
        }
    }

    fn show(&self, at: Option<&Origin>) -> Option<String> {
        at.map(|&(file, line)| format!("{}:{line}", self.files[file]))
    }

    /// `FILE:LINE` of the first record naming tool `id` (escaped).
    pub(super) fn tool(&self, id: &[u8]) -> Option<String> {
        self.show(self.tools.get(id))
    }

    /// `FILE:LINE` of the first `meta` record of `name`.
    pub(super) fn meta(&self, name: &str) -> Option<String> {
        self.show(self.meta.get(name.as_bytes()))
    }
}

/// The `meta` names a partial may hold.
const META_NAMES: [&str; 5] = [
    "catalogue",
    "since",
    "until",
    "keep-user-domain",
    "identity",
];

/// Checks what a record's field types cannot say: the counts of a `file` record add up, a
/// count is never negative, a first time is not after the last, times lie on their record's
/// day, days fit the report's day numbers, names are among the known ones. `f` are the key
/// fields then the values, typed by [`KINDS`]. A partial is written by shadowai, so a record
/// that breaks one of these was damaged or forged on its way; merging it would put numbers in
/// the report that no scan could have produced.
fn check(kind: u8, f: &[Val]) -> Result<(), String> {
    let name = KINDS[usize::from(kind)].name;
    let num = |i: usize| match &f[i] {
        Val::N(n) => *n,
        Val::T(_) => None,
    };
    let txt = |i: usize| match &f[i] {
        Val::T(b) => &b[..],
        Val::N(_) => &[][..],
    };
    let count = |i: usize, what: &str| -> Result<i64, String> {
        match num(i) {
            Some(n) if n >= 0 => Ok(n),
            Some(n) => Err(format!("a `{name}` record's {what} is negative ({n})")),
            None => Err(format!("a `{name}` record has no {what}")),
        }
    };
    // Empty: no source of these events measured uploads.
    let uploaded = |i: usize| match num(i) {
        Some(n) if n < 0 => Err(format!("a `{name}` record's bytes_out is negative ({n})")),
        _ => Ok(()),
    };
    let day = |i: usize| -> Result<Option<i64>, String> {
        match num(i) {
            Some(d) if i32::try_from(d).is_err() => {
                Err(format!("a `{name}` record's day {d} is out of range"))
            }
            d => Ok(d),
        }
    };
    let time = |i: usize| -> Result<Option<i64>, String> {
        match num(i) {
            Some(t) if i32::try_from(t.div_euclid(86_400)).is_err() => {
                Err(format!("a `{name}` record's time {t} is out of range"))
            }
            t => Ok(t),
        }
    };
    // A day's first and last times: both or neither, in order, on that day (none without one).
    let span = |d: usize, first: usize, last: usize| -> Result<(), String> {
        let (d, first, last) = (day(d)?, time(first)?, time(last)?);
        match (first, last) {
            (None, None) => Ok(()),
            (Some(a), Some(b)) if a > b => Err(format!(
                "a `{name}` record's first time {a} is after its last {b}"
            )),
            (Some(a), Some(b)) => match d {
                None => Err(format!("a `{name}` record without a day has times")),
                Some(d) if a.div_euclid(86_400) != d || b.div_euclid(86_400) != d => Err(format!(
                    "a `{name}` record of day {d} has times {a} to {b} of another day"
                )),
                Some(_) => Ok(()),
            },
            _ => Err(format!(
                "a `{name}` record has a first time or a last time, not both"
            )),
        }
    };
    let tool = |i: usize| {
        if txt(i).is_empty() {
            Err(format!("a `{name}` record names no tool"))
        } else {
            Ok(())
        }
    };
    let seen_kind = |i: usize| match txt(i) {
        b"device" | b"process" => Ok(()),
        other => Err(format!(
            "a `{name}` record's kind `{}` is neither `device` nor `process`",
            String::from_utf8_lossy(other)
        )),
    };
    let incidental = |events: i64, incidental: i64| {
        if incidental > events {
            Err(format!(
                "a `{name}` record counts {incidental} incidental of only {events} events"
            ))
        } else {
            Ok(())
        }
    };
    let reasons = |i: usize| {
        let r = count(i, "reasons")?;
        u32::try_from(r)
            .map(drop)
            .map_err(|_| format!("a `{name}` record's reasons {r} are out of range"))
    };
    match kind {
        META => check_meta(txt(0), txt(1)),
        FILE => check_file(f),
        USAGE => {
            tool(2)?;
            let events = count(3, "events")?;
            uploaded(4)?;
            incidental(events, count(7, "incidental")?)?;
            span(0, 5, 6)
        }
        SEEN => {
            tool(1)?;
            seen_kind(2)
        }
        COVER => {
            if !matches!(txt(0), b"dns" | b"proxy" | b"endpoint") {
                return Err(format!(
                    "a `cover` record's source `{}` is not dns, proxy or endpoint",
                    String::from_utf8_lossy(txt(0))
                ));
            }
            day(1)?
                .map(drop)
                .ok_or_else(|| "a `cover` record has no day".to_string())
        }
        CAND => {
            count(4, "events")?;
            reasons(7)?;
            span(0, 5, 6)
        }
        DAY => {
            count(1, "events")?;
            count(4, "attributed")?;
            count(5, "unattributed")?;
            span(0, 2, 3)
        }
        IPUSAGE => {
            time(1)?;
            tool(2)?;
            let events = count(3, "events")?;
            uploaded(4)?;
            incidental(events, count(5, "incidental")?)
        }
        IPCAND => {
            time(1)?;
            count(4, "events")?;
            reasons(5)
        }
        _ => {
            time(1)?;
            tool(2)?;
            seen_kind(3)
        }
    }
}

/// A `meta` record: a known name with a value of its kind.
fn check_meta(name: &[u8], value: &[u8]) -> Result<(), String> {
    let value = unescape(value).unwrap_or_default();
    let ok = match name {
        b"catalogue" => true,
        b"since" | b"until" => parse_int(&value).is_ok(),
        b"keep-user-domain" => matches!(&value[..], b"0" | b"1"),
        b"identity" => {
            value == b"deferred" || value.split(|&b| b == b'\n').next() == Some(b"applied")
        }
        _ => {
            return Err(format!(
                "unknown `meta` record `{}` (known: {})",
                String::from_utf8_lossy(name),
                META_NAMES.join(", ")
            ));
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`meta` record `{}` has the malformed value `{}`",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(&value).escape_debug()
        ))
    }
}

/// A `file` record (fields as in the format table): a path, a known format, counts that add
/// up (`lines = events + ignored + skipped`, matched and out-of-window events among the
/// events, at most [`crate::aggregate::MAX_EXAMPLES`] examples, of skipped lines), and a
/// stream identity that is whole or absent.
fn check_file(f: &[Val]) -> Result<(), String> {
    let num = |i: usize| match &f[i] {
        Val::N(n) => *n,
        Val::T(_) => None,
    };
    let txt = |i: usize| match &f[i] {
        Val::T(b) => unescape(b).unwrap_or_default(),
        Val::N(_) => Vec::new(),
    };
    if txt(0).is_empty() {
        return Err("a `file` record names no input".into());
    }
    let format = txt(1);
    if !format.is_empty()
        && std::str::from_utf8(&format)
            .ok()
            .and_then(crate::formats::by_name)
            .is_none()
    {
        return Err(format!(
            "a `file` record names the unknown format `{}` (a user-defined one? give merge the scan's --format-file)",
            String::from_utf8_lossy(&format)
        ));
    }
    if !matches!(num(2), Some(0 | 1)) {
        return Err("a `file` record's gzip is neither 0 nor 1".into());
    }
    let mut counts = [0i64; 6];
    for (i, (c, what)) in counts
        .iter_mut()
        .zip([
            "lines",
            "events",
            "matched",
            "ignored",
            "skipped",
            "out_of_window",
        ])
        .enumerate()
    {
        *c = match num(3 + i) {
            Some(n) if n >= 0 => n,
            _ => return Err(format!("a `file` record's {what} is not a count")),
        };
    }
    let [lines, events, matched, ignored, skipped, out_of_window] = counts.map(i128::from);
    if lines != events + ignored + skipped {
        return Err(format!(
            "a `file` record's counts disagree: lines {lines} is not events {events} + ignored {ignored} + skipped {skipped}"
        ));
    }
    if matched + out_of_window > events {
        return Err(format!(
            "a `file` record counts {matched} matched and {out_of_window} out-of-window of only {events} events"
        ));
    }
    let examples = txt(9);
    let mut listed = 0i128;
    for e in examples.split(|&b| b == b'\n').filter(|e| !e.is_empty()) {
        listed += 1;
        let line = e.split(|&b| b == b':').next().unwrap_or_default();
        if !matches!(parse_int(line), Ok(Some(n)) if n > 0) || !e.contains(&b':') {
            return Err(format!(
                "a `file` record's example `{}` is not LINE:REASON",
                String::from_utf8_lossy(e).escape_debug()
            ));
        }
    }
    if listed > skipped || listed > crate::aggregate::MAX_EXAMPLES as i128 {
        return Err(format!(
            "a `file` record lists {listed} examples of {skipped} skipped lines"
        ));
    }
    if num(11).is_some_and(|size| size < 0) {
        return Err("a `file` record's size is negative".into());
    }
    let hash = |i: usize| {
        let h = txt(i);
        h.len() == 64 && h.iter().all(u8::is_ascii_hexdigit)
    };
    if !txt(17).is_empty() && !hash(17) {
        return Err("a `file` record's sha256 is not 64 hex digits".into());
    }
    match (num(13), num(15)) {
        (None, None) if txt(14).is_empty() && txt(16).is_empty() => Ok(()),
        (Some(head), Some(consumed)) if 0 <= head && head <= consumed && hash(14) && hash(16) => {
            Ok(())
        }
        _ => Err("a `file` record's stream identity (head_len, head_hash, consumed, tail_hash) is malformed".into()),
    }
}

impl Partial {
    /// Adds one record, combining it with a record of the same key.
    pub(super) fn add(&mut self, kind: u8, key: Box<[u8]>, values: Vec<Val>) -> Result<(), String> {
        let spec = &KINDS[usize::from(kind)];
        match self.records.entry((kind, key)) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(values);
                Ok(())
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let clash = spec.unique
                    || spec
                        .values
                        .iter()
                        .zip(o.get_mut().iter_mut())
                        .zip(values)
                        .any(|((col, a), b)| combine(*col, a, b).is_err());
                if !clash {
                    return Ok(());
                }
                let name = String::from_utf8_lossy(&o.key().1).into_owned();
                Err(match spec.name {
                    "file" => format!(
                        "input `{name}` is already in another partial of this merge; merging it again would count it twice"
                    ),
                    "meta" => format!(
                        "partials were scanned with different `{name}` settings; merge only partials scanned alike"
                    ),
                    kind => format!("conflicting `{kind}` records for `{name}`"),
                })
            }
        }
    }

    /// Reads every record of `r` (named `name` in errors) into this partial. Every record is
    /// checked (counts that add up, times on their day, known names: see docs/scaling-out.md
    /// "Validation") before it is combined, and the partial must end with a whole line: a
    /// malformed record, a last line without its line end (a cut copy) or a corrupt gzip is
    /// refused as a [`UsageError`] `NAME:LINE: what`, so that `merge` reports nothing a scan
    /// could not have produced.
    pub fn read(&mut self, name: &str, r: impl Read) -> anyhow::Result<()> {
        let file = self.origins.files.len();
        self.origins.files.push(name.to_string());
        let mut lines = LineReader::new(Counted { inner: r, bytes: 0 }).complete_lines_only();
        let mut n = 0u64;
        let fail = |n: u64, msg: String| -> anyhow::Error {
            UsageError(format!("{name}:{n}: {msg}")).into()
        };
        // The fields of one record, reused: keys, then values.
        let mut vals: Vec<Val> = Vec::new();
        loop {
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    return Err(fail(n + 1, format!("{e}; the partial is refused")));
                }
                Err(e) => return Err(anyhow::Error::new(e).context(format!("{name}:{}", n + 1))),
            };
            n += 1;
            let text = match line {
                Line::Text(t) => t,
                Line::TooLong => return Err(fail(n, "record longer than 1 MiB".into())),
            };
            if text.is_empty() {
                continue;
            }
            let mut fields = text.split(|&b| b == b'\t');
            let version = fields.next().unwrap_or_default();
            match std::str::from_utf8(version)
                .ok()
                .and_then(|v| v.parse::<u32>().ok())
            {
                Some(VERSION) => {}
                Some(v) => {
                    return Err(fail(
                        n,
                        format!(
                            "partial format version {v}; this shadowai ({}) reads version {VERSION}: use the shadowai that wrote it, or a newer one",
                            env!("CARGO_PKG_VERSION")
                        ),
                    ));
                }
                None => {
                    return Err(fail(
                        n,
                        "not a shadowai partial record (written by `scan --emit-partial`)".into(),
                    ));
                }
            }
            let kind_name = fields.next().unwrap_or_default();
            let Some(kind) = KINDS.iter().position(|k| k.name.as_bytes() == kind_name) else {
                return Err(fail(
                    n,
                    format!(
                        "unknown record kind `{}`",
                        String::from_utf8_lossy(kind_name)
                    ),
                ));
            };
            let spec = &KINDS[kind];
            let fields: Vec<&[u8]> = fields.collect();
            if fields.len() != spec.keys.len() + spec.values.len() {
                return Err(fail(
                    n,
                    format!(
                        "a `{}` record has {} fields after its kind, not {}",
                        spec.name,
                        fields.len(),
                        spec.keys.len() + spec.values.len()
                    ),
                ));
            }
            vals.clear();
            for (idx, (col, f)) in spec.keys.iter().chain(spec.values).zip(&fields).enumerate() {
                vals.push(match col {
                    Text => Val::T(
                        canonical(f)
                            .ok_or_else(|| fail(n, format!("bad %-escape in field {}", idx + 3)))?,
                    ),
                    _ => Val::N(
                        parse_int(f)
                            .map_err(|()| fail(n, format!("field {} is not a number", idx + 3)))?,
                    ),
                });
            }
            // `kind` indexes KINDS, which has ten entries.
            let kind = kind as u8;
            check(kind, &vals).map_err(|m| fail(n, m))?;
            let tool = match kind {
                USAGE | IPUSAGE | IPSEEN => Some(2),
                SEEN => Some(1),
                _ => None,
            };
            if let Some(Val::T(id)) = tool.map(|i| &vals[i]) {
                Origins::note(&mut self.origins.tools, id, (file, n));
            }
            if let (META, Val::T(meta)) = (kind, &vals[0]) {
                Origins::note(&mut self.origins.meta, meta, (file, n));
            }
            let mut key = Vec::with_capacity(text.len());
            for (idx, v) in vals[..spec.keys.len()].iter().enumerate() {
                if idx > 0 {
                    key.push(b'\t');
                }
                match v {
                    Val::T(b) => key.extend_from_slice(b),
                    Val::N(x) => push_int(&mut key, *x),
                }
            }
            let values: Vec<Val> = vals.drain(spec.keys.len()..).collect();
            self.add(kind, key.into_boxed_slice(), values)
                .map_err(|m| fail(n, m))?;
        }
        if lines.get_ref().bytes > lines.offset() {
            return Err(fail(
                n + 1,
                "the last record has no line end: the partial was cut short".into(),
            ));
        }
        Ok(())
    }

    /// Writes every record, sorted.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut line = RecordLine::default();
        for ((kind, key), values) in &self.records {
            line.start(*kind);
            line.raw(key);
            for v in values {
                match v {
                    Val::T(b) => line.raw(b),
                    Val::N(x) => line.int(*x),
                }
            }
            w.write_all(line.end())?;
        }
        Ok(())
    }

    /// Adds a record built here (by `resolve`): only `file` (unique) and `meta` (agree) records
    /// can be refused, and the kinds built here are neither, so nothing is dropped.
    pub(super) fn put(&mut self, kind: u8, key: &[&[u8]], values: Vec<Val>) {
        let _ = self.add(kind, join(key), values);
    }
}

/// One record line being built, in the one spelling every writer uses.
#[derive(Default)]
pub(super) struct RecordLine {
    buf: Vec<u8>,
}

impl RecordLine {
    /// Starts a record of `kind`.
    pub(super) fn start(&mut self, kind: u8) {
        self.buf.clear();
        push_int(&mut self.buf, Some(i64::from(VERSION)));
        self.buf.push(b'\t');
        self.buf
            .extend_from_slice(KINDS[usize::from(kind)].name.as_bytes());
    }

    /// A field already escaped (or several, joined by TAB).
    pub(super) fn raw(&mut self, escaped: &[u8]) {
        self.buf.push(b'\t');
        self.buf.extend_from_slice(escaped);
    }

    /// A text field, escaped here.
    pub(super) fn text(&mut self, raw: &[u8]) {
        self.buf.push(b'\t');
        escape_into(&mut self.buf, raw);
    }

    /// A number field (empty for none).
    pub(super) fn int(&mut self, v: Option<i64>) {
        self.buf.push(b'\t');
        push_int(&mut self.buf, v);
    }

    /// Uploaded bytes: empty when no source measured them.
    pub(super) fn uploaded(&mut self, bytes: u64, measured: bool) {
        if measured {
            self.num(bytes);
        } else {
            self.int(None);
        }
    }

    /// A count.
    pub(super) fn num(&mut self, v: u64) {
        self.int(Some(i64::try_from(v).unwrap_or(i64::MAX)));
    }

    /// The finished line, newline included.
    pub(super) fn end(&mut self) -> &[u8] {
        self.buf.push(b'\n');
        &self.buf
    }
}

/// Record lines collected out of order and written sorted: what `Partial::write` would write
/// for the same records, without building the map (a scan's records have distinct keys).
#[derive(Default)]
pub(super) struct Sorted {
    buf: Vec<u8>,
    /// (kind, start, end) of each line in `buf`.
    lines: Vec<(u8, usize, usize)>,
}

impl Sorted {
    /// Adds a finished line of `kind`.
    pub(super) fn push(&mut self, kind: u8, line: &mut RecordLine) {
        let start = self.buf.len();
        self.buf.extend_from_slice(line.end());
        self.lines.push((kind, start, self.buf.len()));
    }

    /// Writes the lines by kind, then by key (a line's key comes first and TAB sorts lowest).
    pub(super) fn write(mut self, w: &mut dyn Write) -> io::Result<()> {
        let buf = &self.buf;
        self.lines
            .sort_unstable_by(|a, b| (a.0, &buf[a.1..a.2]).cmp(&(b.0, &buf[b.1..b.2])));
        for &(_, s, e) in &self.lines {
            w.write_all(&buf[s..e])?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_hostile_bytes_and_stays_readable() {
        let raw = b"caf\xc3\xa9 %41\t\n\r\x00\x7f\xff\xfe end";
        let e = escape(raw);
        assert_eq!(&e[..], "café %2541%09%0A%0D%00%7F%FF%FE end".as_bytes());
        assert_eq!(unescape(&e).unwrap(), raw);
        assert!(!e.contains(&b'\t') && !e.contains(&b'\n'));
        assert_eq!(canonical(b"%2a%41").as_deref(), Some(&b"*A"[..]));
        assert_eq!(canonical(b"%4"), None);
    }

    /// A partial read from `text` (named `p`).
    pub(crate) fn read(text: &str) -> anyhow::Result<Partial> {
        let mut p = Partial::default();
        p.read("p", text.as_bytes())?;
        Ok(p)
    }

    /// A partial's written text.
    pub(crate) fn written(p: &Partial) -> String {
        let mut out = Vec::new();
        p.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn records_combine_by_rule_in_any_order() {
        let a = "3\tusage\t0\talice\tchatgpt\t2\t10\t100\t200\t1\n3\tcand\t0\tx.ai\tx.ai\tbob\t1\t\t\t4\n";
        let b = "3\tusage\t0\talice\tchatgpt\t3\t5\t50\t150\t2\n3\tcand\t0\tx.ai\tx.ai\tbob\t2\t7\t7\t1\n";
        let ab = read(&format!("{a}{b}")).unwrap();
        let ba = read(&format!("{b}{a}")).unwrap();
        assert_eq!(written(&ab), written(&ba));
        assert_eq!(
            written(&ab),
            "3\tusage\t0\talice\tchatgpt\t5\t15\t50\t200\t3\n3\tcand\t0\tx.ai\tx.ai\tbob\t3\t7\t7\t5\n"
        );
    }

    #[test]
    fn other_versions_and_malformed_lines_are_refused_with_file_and_line() {
        let err = read("3\tcover\tdns\t20400\n1\tusage\t0\talice\tchatgpt\t1\t0\t\t\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("p:2: partial format version 1; this shadowai"),
            "a partial written before evidence is refused, not read as use: {err}"
        );
        let err = read("hello\n").unwrap_err().to_string();
        assert!(err.contains("p:1: not a shadowai partial"), "{err}");
        let err = read("3\tusage\tx\talice\tchatgpt\t1\t0\t\t\t0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("p:1: field 3 is not a number"), "{err}");
        let err = read("3\tusage\t1\n").unwrap_err().to_string();
        assert!(err.contains("has 1 fields after its kind, not 8"), "{err}");
        let err = read("3\tbogus\n").unwrap_err().to_string();
        assert!(err.contains("unknown record kind `bogus`"), "{err}");
    }

    #[test]
    fn records_that_break_an_invariant_are_refused_with_file_and_line() {
        // A `file` record with its 17 values after the path; `counts` = lines … out_of_window.
        let file = |counts: &str, examples: &str, stream: &str| {
            format!("3\tfile\ta.log\tsquid\t0\t{counts}\t{examples}\t\t10\t5\t{stream}\t\n")
        };
        let hash = "0".repeat(64);
        let good_stream = format!("4\t{hash}\t9\t{hash}");
        assert!(read(&file("3\t2\t1\t0\t1\t0", "2:bad timestamp", "\t\t\t")).is_ok());
        assert!(read(&file("3\t2\t1\t0\t1\t0", "", &good_stream)).is_ok());
        let cases: Vec<(String, &str)> = vec![
            (
                file("3\t1\t0\t0\t1\t0", "", "\t\t\t"),
                "lines 3 is not events 1 + ignored 0 + skipped 1",
            ),
            (
                file("2\t2\t2\t0\t0\t1", "", "\t\t\t"),
                "2 matched and 1 out-of-window of only 2 events",
            ),
            (
                file("1\t-1\t0\t2\t0\t0", "", "\t\t\t"),
                "events is not a count",
            ),
            (
                file("1\t0\t0\t0\t1\t0", "1:a%0A2:b", "\t\t\t"),
                "lists 2 examples of 1 skipped lines",
            ),
            (
                file("1\t0\t0\t0\t1\t0", "x", "\t\t\t"),
                "is not LINE:REASON",
            ),
            (
                file("0\t0\t0\t0\t0\t0", "", &format!("9\t{hash}\t4\t{hash}")),
                "stream identity",
            ),
            (
                "3\tfile\ta.log\tnot-a-format\t0\t0\t0\t0\t0\t0\t0\t\t\t\t\t\t\t\t\t\n".into(),
                "unknown format `not-a-format`",
            ),
            (
                "3\tusage\t0\talice\tchatgpt\t1\t0\t200\t100\t0\n".into(),
                "first time 200 is after its last 100",
            ),
            (
                "3\tusage\t1\talice\tchatgpt\t1\t0\t100\t100\t0\n".into(),
                "of day 1 has times 100 to 100 of another day",
            ),
            (
                "3\tusage\t\talice\tchatgpt\t1\t0\t100\t100\t0\n".into(),
                "without a day has times",
            ),
            (
                "3\tusage\t0\talice\tchatgpt\t-4\t0\t\t\t0\n".into(),
                "events is negative (-4)",
            ),
            (
                "3\tusage\t0\talice\t\t1\t0\t\t\t0\n".into(),
                "names no tool",
            ),
            (
                "3\tusage\t0\talice\tchatgpt\t1\t0\t\t\t2\n".into(),
                "counts 2 incidental of only 1 events",
            ),
            (
                "3\tipusage\t10.0.0.1\t5\tchatgpt\t1\t0\t-1\n".into(),
                "incidental is negative (-1)",
            ),
            (
                "3\tday\t9999999999\t1\t\t\t0\t0\n".into(),
                "day 9999999999 is out of range",
            ),
            (
                "3\tipusage\t10.0.0.1\t999999999999999999\tchatgpt\t1\t0\t0\n".into(),
                "time 999999999999999999 is out of range",
            ),
            ("3\tcover\tsmtp\t3\n".into(), "source `smtp`"),
            ("3\tcover\tdns\t\n".into(), "has no day"),
            (
                "3\tseen\ta\tchatgpt\tprinter\tx\n".into(),
                "`printer` is neither",
            ),
            (
                "3\tcand\t0\tx.ai\tx.ai\tbob\t1\t\t\t4294967296\n".into(),
                "reasons 4294967296 are out of range",
            ),
            (
                "3\tmeta\tcolour\tblue\n".into(),
                "unknown `meta` record `colour`",
            ),
            (
                "3\tmeta\tsince\tyesterday\n".into(),
                "`since` has the malformed value",
            ),
            (
                "3\tmeta\tkeep-user-domain\t2\n".into(),
                "malformed value `2`",
            ),
            ("3\tmeta\tidentity\tsometimes\n".into(), "malformed value"),
        ];
        for (record, says) in cases {
            let text = format!("3\tcover\tdns\t0\n{record}");
            let err = read(&text).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
            let err = err.to_string();
            assert!(
                err.starts_with("p:2: ") && err.contains(says),
                "{record:?}: {err}"
            );
        }
    }

    #[test]
    fn a_last_record_without_its_line_end_is_a_cut_partial() {
        let err = read("3\tcover\tdns\t0\n3\tcover\tdns\t1").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p:2: the last record has no line end"),
            "{err}"
        );
        assert!(read("3\tcover\tdns\t0\r\n\n").is_ok());
    }

    #[test]
    fn a_corrupt_or_cut_gzip_partial_is_refused_naming_the_line_reached() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..20_000)
            .map(|d| format!("3\tcover\tdns\t{d}\n"))
            .collect();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        let gz = enc.finish().unwrap();
        let read_gz = |bytes: &[u8]| -> anyhow::Result<()> {
            let path = dir.path().join("p.tsv.gz");
            std::fs::write(&path, bytes).unwrap();
            Partial::default().read("p.tsv.gz", open(&path)?)
        };
        read_gz(&gz).unwrap();
        let mut bad_crc = gz.clone();
        let at = bad_crc.len() - 8;
        bad_crc[at] ^= 0xff;
        for (bytes, what) in [
            (&gz[..gz.len() / 2], "truncated"),
            (&bad_crc[..], "bad CRC"),
        ] {
            let err = read_gz(bytes).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{what}: {err}");
            let err = err.to_string();
            let line: u64 = err
                .strip_prefix("p.tsv.gz:")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{what}: no FILE:LINE in {err}"));
            assert!(line > 1, "{what}: the line reached: {err}");
            assert!(err.contains("corrupt or truncated gzip"), "{what}: {err}");
        }
    }

    #[test]
    fn an_input_twice_or_different_settings_are_refused() {
        let file = "3\tfile\ta.log\tsquid\t0\t1\t1\t0\t0\t0\t0\t\t\t10\t5\t\t\t\t\t\n";
        let err = read(&format!("{file}{file}")).unwrap_err().to_string();
        assert!(
            err.contains("input `a.log` is already in another partial"),
            "{err}"
        );
        let err = read("3\tmeta\tsince\t5\n3\tmeta\tsince\t6\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("different `since` settings"), "{err}");
        assert!(read("3\tmeta\tsince\t5\n3\tmeta\tsince\t5\n").is_ok());
    }
}
