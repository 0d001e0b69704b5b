//! The partial format's records: kinds and their merge rules, field escaping, and reading,
//! combining and writing records. The format itself is specified in the parent module.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::Context as _;
use flate2::bufread::MultiGzDecoder;

use super::Partial;
use crate::exit::UsageError;
use crate::lines::{Line, LineReader};

/// The format version written, and the only one read.
pub const VERSION: u32 = 1;

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
        ],
        unique: true,
    },
    Kind {
        name: "usage",
        keys: &[Int, Text, Text],
        values: &[Sum, Sum, Min, Max],
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
        values: &[Sum, Sum],
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
            *x = Some(x.unwrap_or(0).saturating_add(y.unwrap_or(0)));
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
        Box::new(BufReader::new(MultiGzDecoder::new(buffered)))
    } else {
        Box::new(buffered)
    })
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

    /// Reads every record of `r` (named `name` in errors) into this partial.
    pub fn read(&mut self, name: &str, r: impl Read) -> anyhow::Result<()> {
        let mut lines = LineReader::new(r);
        let mut n = 0u64;
        let fail = |n: u64, msg: String| -> anyhow::Error {
            UsageError(format!("{name}:{n}: {msg}")).into()
        };
        while let Some(line) = lines
            .next_line()
            .with_context(|| format!("reading {name}"))?
        {
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
            let mut key = Vec::with_capacity(text.len());
            let mut values = Vec::with_capacity(spec.values.len());
            for (idx, (col, f)) in spec.keys.iter().chain(spec.values).zip(&fields).enumerate() {
                let v = match col {
                    Text => Val::T(
                        canonical(f)
                            .ok_or_else(|| fail(n, format!("bad %-escape in field {}", idx + 3)))?,
                    ),
                    _ => Val::N(
                        parse_int(f)
                            .map_err(|()| fail(n, format!("field {} is not a number", idx + 3)))?,
                    ),
                };
                if idx < spec.keys.len() {
                    if idx > 0 {
                        key.push(b'\t');
                    }
                    match v {
                        Val::T(b) => key.extend_from_slice(&b),
                        Val::N(x) => push_int(&mut key, x),
                    }
                } else {
                    values.push(v);
                }
            }
            self.add(kind as u8, key.into_boxed_slice(), values)
                .map_err(|m| fail(n, m))?;
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
        let a = "1\tusage\t20400\talice\tchatgpt\t2\t10\t100\t200\n1\tcand\t\tx.ai\tx.ai\tbob\t1\t\t\t4\n";
        let b = "1\tusage\t20400\talice\tchatgpt\t3\t5\t50\t150\n1\tcand\t\tx.ai\tx.ai\tbob\t2\t7\t7\t1\n";
        let ab = read(&format!("{a}{b}")).unwrap();
        let ba = read(&format!("{b}{a}")).unwrap();
        assert_eq!(written(&ab), written(&ba));
        assert_eq!(
            written(&ab),
            "1\tusage\t20400\talice\tchatgpt\t5\t15\t50\t200\n1\tcand\t\tx.ai\tx.ai\tbob\t3\t7\t7\t5\n"
        );
    }

    #[test]
    fn other_versions_and_malformed_lines_are_refused_with_file_and_line() {
        let err = read("1\tcover\tdns\t20400\n2\tcover\tdns\t20401\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p:2: partial format version 2"), "{err}");
        let err = read("hello\n").unwrap_err().to_string();
        assert!(err.contains("p:1: not a shadowai partial"), "{err}");
        let err = read("1\tusage\tx\talice\tchatgpt\t1\t0\t\t\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("p:1: field 3 is not a number"), "{err}");
        let err = read("1\tusage\t1\n").unwrap_err().to_string();
        assert!(err.contains("has 1 fields after its kind, not 7"), "{err}");
        let err = read("1\tbogus\n").unwrap_err().to_string();
        assert!(err.contains("unknown record kind `bogus`"), "{err}");
    }

    #[test]
    fn an_input_twice_or_different_settings_are_refused() {
        let file = "1\tfile\ta.log\tsquid\t0\t1\t1\t0\t0\t0\t0\t\t\t10\t5\t\t\t\t\n";
        let err = read(&format!("{file}{file}")).unwrap_err().to_string();
        assert!(
            err.contains("input `a.log` is already in another partial"),
            "{err}"
        );
        let err = read("1\tmeta\tsince\t5\n1\tmeta\tsince\t6\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("different `since` settings"), "{err}");
        assert!(read("1\tmeta\tsince\t5\n1\tmeta\tsince\t5\n").is_ok());
    }
}
