//! Shared reader for Zeek logs written by the default ASCII (TSV) writer: the header
//! directives and the column lookup by name, used by `zeek_dns`, `zeek_http` and `zeek_ssl`.
//!
//! Spec: <https://docs.zeek.org/en/master/frameworks/logging.html> (ASCII writer). A file
//! starts with `#separator \x09`, `#set_separator ,`, `#empty_field (empty)`,
//! `#unset_field -`, `#path NAME`, `#open …`, `#fields …`, `#types …`, and may end with
//! `#close …`. Rotated logs concatenated together repeat the header, possibly with other
//! columns, so every `#fields` line resets the layout. Without any `#fields` line the format's
//! default column order is assumed.

use crate::error::ParseError;
use crate::time::{parse_epoch, parse_iso8601};

/// The columns a Zeek module reads, found by name in `#fields`. `N` names; the first
/// `required` must be present for a layout to be usable.
pub(crate) struct ZeekTsv<const N: usize> {
    names: [&'static [u8]; N],
    required: usize,
    sep: u8,
    unset: Vec<u8>,
    empty: Vec<u8>,
    /// Column of each name; `None` after a `#fields` line lacking a required column.
    idx: Option<[Option<usize>; N]>,
    /// One past the largest column read.
    width: usize,
    /// `(start, end)` of the current line's columns, reused.
    cols: Vec<(usize, usize)>,
}

impl<const N: usize> ZeekTsv<N> {
    /// A reader for `names` (the first `required` mandatory), starting from `default_fields`
    /// (tab-separated) for files whose header was stripped.
    pub(crate) fn new(names: [&'static [u8]; N], required: usize, default_fields: &[u8]) -> Self {
        let mut z = ZeekTsv {
            names,
            required,
            sep: b'\t',
            unset: b"-".to_vec(),
            empty: b"(empty)".to_vec(),
            idx: None,
            width: 0,
            cols: Vec::with_capacity(32),
        };
        z.set_fields(default_fields);
        z
    }

    fn set_fields(&mut self, fields: &[u8]) {
        let mut idx = [None; N];
        for (i, name) in fields.split(|&b| b == self.sep).enumerate() {
            let name = name.trim_ascii();
            if let Some(k) = self.names.iter().position(|n| *n == name) {
                idx[k].get_or_insert(i);
            }
        }
        let usable = idx.iter().take(self.required).all(Option::is_some);
        self.width = idx.iter().flatten().map(|i| i + 1).max().unwrap_or(0);
        self.idx = usable.then_some(idx);
    }

    /// Handles header directives and blank lines: `Ok(true)` if `line` is one (not data).
    pub(crate) fn meta(&mut self, line: &[u8]) -> Result<bool, ParseError> {
        if line.first() == Some(&b'#') {
            // `#separator` is itself separated by a space; the others by the separator.
            if let Some(v) = line.strip_prefix(b"#separator ") {
                self.sep = unescape_separator(v.trim_ascii())
                    .ok_or(ParseError::MissingField("#separator"))?;
                return Ok(true);
            }
            let (name, value) = match memchr::memchr(self.sep, line) {
                Some(i) => (&line[..i], &line[i + 1..]),
                None => (line, &b""[..]),
            };
            match name {
                b"#unset_field" => self.unset = value.to_vec(),
                b"#empty_field" => self.empty = value.to_vec(),
                b"#fields" => self.set_fields(value),
                _ => {}
            }
            return Ok(true);
        }
        Ok(line.trim_ascii().is_empty())
    }

    /// Splits a data line into the columns up to the last one read. `missing` names the field
    /// reported when the layout lacks a required column or the row is too short.
    pub(crate) fn split(&mut self, line: &[u8], missing: &'static str) -> Result<(), ParseError> {
        if self.idx.is_none() {
            return Err(ParseError::MissingField(missing));
        }
        self.cols.clear();
        let mut start = 0;
        for i in memchr::memchr_iter(self.sep, line) {
            if self.cols.len() == self.width {
                break;
            }
            self.cols.push((start, i));
            start = i + 1;
        }
        if self.cols.len() < self.width {
            self.cols.push((start, line.len()));
        }
        if self.cols.len() < self.width {
            return Err(ParseError::MissingField(missing));
        }
        Ok(())
    }

    /// The start of every parse: `Ok(None)` for a header or blank line; otherwise splits the
    /// data line (see [`split`](Self::split)) and returns its time, read from `names[0]`,
    /// which must be `ts`.
    pub(crate) fn row(
        &mut self,
        line: &[u8],
        missing: &'static str,
    ) -> Result<Option<i64>, ParseError> {
        if self.meta(line)? {
            return Ok(None);
        }
        self.split(line, missing)?;
        let ts = self.get(line, 0).ok_or(ParseError::MissingField("ts"))?;
        parse_ts(ts).map(Some).ok_or(ParseError::BadTimestamp)
    }

    /// The value of `names[k]` in the line last [`split`](Self::split); `None` if the column
    /// is absent, unset, empty or `""`.
    pub(crate) fn get<'a>(&self, line: &'a [u8], k: usize) -> Option<&'a [u8]> {
        let i = (*self.idx.as_ref()?.get(k)?)?;
        let (b, e) = *self.cols.get(i)?;
        let v = line.get(b..e)?;
        (v != self.unset.as_slice() && v != self.empty.as_slice() && !v.is_empty()).then_some(v)
    }
}

/// A Zeek `ts`: epoch seconds, or ISO 8601 where the writer was set to it.
fn parse_ts(v: &[u8]) -> Option<i64> {
    parse_epoch(v).or_else(|| parse_iso8601(v).map(|(t, _)| t))
}

/// Decodes a `#separator` value such as `\x09`.
fn unescape_separator(v: &[u8]) -> Option<u8> {
    match v {
        [b'\\', b'x', h, l] => {
            let hex = |c: u8| (c as char).to_digit(16);
            Some((hex(*h)? * 16 + hex(*l)?) as u8)
        }
        [c] => Some(*c),
        _ => None,
    }
}

/// What a file head's header says: whether `#path` is `path`, and whether a `#fields` line
/// holds all of `fields`.
pub(crate) fn sniff_header(head: &[u8], path: &[u8], fields: &[&[u8]]) -> (bool, bool) {
    let (mut path_ok, mut fields_ok) = (false, false);
    for line in head.split(|&b| b == b'\n') {
        if let Some(p) = line.strip_prefix(b"#path") {
            path_ok |= p.trim_ascii() == path;
        }
        if line.starts_with(b"#fields") {
            fields_ok = fields
                .iter()
                .all(|name| line.split(|&b| b == b'\t').any(|f| f.trim_ascii() == *name));
        }
    }
    (path_ok, fields_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_resets_and_required_fields() {
        let mut z = ZeekTsv::new([b"ts", b"host", b"username"], 2, b"ts\thost");
        let line = b"1700000000\tclaude.ai";
        z.split(line, "host").unwrap();
        assert_eq!(z.get(line, 1), Some(&b"claude.ai"[..]));
        assert_eq!(z.get(line, 2), None);
        assert!(z.meta(b"#fields\tts\tfoo").unwrap());
        assert_eq!(z.split(line, "host"), Err(ParseError::MissingField("host")));
        assert!(z.meta(b"#fields\tusername\tts\thost").unwrap());
        assert!(z.split(line, "host").is_err());
        let line = b"bob\t1700000000\t(empty)\textra";
        z.split(line, "host").unwrap();
        assert_eq!(
            (z.get(line, 0), z.get(line, 1), z.get(line, 2)),
            (Some(&b"1700000000"[..]), None, Some(&b"bob"[..]))
        );
        assert!(!z.meta(line).unwrap());
        assert!(z.meta(b"  ").unwrap());
        assert_eq!(
            z.meta(b"#separator \\xZZ"),
            Err(ParseError::MissingField("#separator"))
        );
    }
}
