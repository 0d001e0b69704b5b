//! What the JSON-lines formats share: the line prologue (blank, not an object, not JSON), the
//! ways an event keeps values serde had to unescape, and lenient number fields.
//!
//! It exists because seven formats (Sysmon, CrowdStrike, MDE, osquery, Route 53, Zeek, Zscaler
//! NSS) read one JSON object per line with borrowed `Cow<str>` fields. A value without escapes
//! is borrowed from the line; one with escapes (every Windows path, `\/` in URLs) is owned by
//! serde and must be copied somewhere the event can borrow from: either a [`Stash`] (many
//! values, one buffer, ranges) or [`keep`] (one buffer per field).

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;

use super::present;
use crate::error::ParseError;
use crate::event::{Action, Event, SourceKind};

/// The JSON object on `line`, or `None` for a blank line. A line that is not a JSON object of
/// shape `T` is `Unrecognized(what)`.
pub(super) fn object<'a, T: Deserialize<'a>>(
    line: &'a [u8],
    what: &'static str,
) -> Result<Option<T>, ParseError> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    if line.first() != Some(&b'{') {
        return Err(ParseError::Unrecognized(what));
    }
    serde_json::from_slice(line)
        .map(Some)
        .map_err(|_| ParseError::Unrecognized(what))
}

/// A reused buffer that owns the unescaped strings an event borrows.
#[derive(Default)]
pub(super) struct Stash {
    buf: Vec<u8>,
}

impl Stash {
    /// Empties the buffer for the next line (keeps its capacity).
    pub(super) fn clear(&mut self) {
        self.buf.clear();
    }
    /// Copies `s` in; `None` for absent or placeholder values (`""`, `-`).
    pub(super) fn put(&mut self, s: Option<&str>) -> Option<Range<usize>> {
        let s = present(s?.trim().as_bytes())?;
        let start = self.buf.len();
        self.buf.extend_from_slice(s);
        Some(start..self.buf.len())
    }
    /// Copies `parts` in, joined by `sep`, skipping absent parts; `None` if all are absent.
    pub(super) fn join(&mut self, parts: &[Option<&str>], sep: u8) -> Option<Range<usize>> {
        let start = self.buf.len();
        for p in parts
            .iter()
            .filter_map(|p| present(p.unwrap_or("").trim().as_bytes()))
        {
            if self.buf.len() > start {
                self.buf.push(sep);
            }
            self.buf.extend_from_slice(p);
        }
        (self.buf.len() > start).then_some(start..self.buf.len())
    }
    /// The bytes of a range returned by [`Stash::put`].
    pub(super) fn get(&self, r: Option<Range<usize>>) -> Option<&[u8]> {
        r.and_then(|r| self.buf.get(r))
    }
    /// An allowed endpoint event whose strings are ranges in this stash.
    pub(super) fn endpoint_event(
        &self,
        ts: Option<i64>,
        host: Range<usize>,
        user: Option<Range<usize>>,
        device: Option<Range<usize>>,
        process: Option<Range<usize>>,
    ) -> Event<'_> {
        Event {
            ts,
            user: self.get(user),
            host: self.get(Some(host)).unwrap_or_default(),
            action: Action::Allowed,
            source: SourceKind::Endpoint,
            device: self.get(device),
            process: self.get(process),
            ..Event::default()
        }
    }
}

/// The value's bytes: borrowed from the line, or copied into `buf` if it was unescaped.
pub(super) fn keep<'a>(v: Cow<'a, str>, buf: &'a mut Vec<u8>) -> &'a [u8] {
    match v {
        Cow::Borrowed(s) => s.as_bytes(),
        Cow::Owned(s) => {
            buf.clear();
            buf.extend_from_slice(s.as_bytes());
            let buf: &'a Vec<u8> = buf;
            buf
        }
    }
}

/// `None` for an absent, empty or `-` value.
pub(super) fn non_empty(v: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    v.filter(|s| !s.is_empty() && s != "-")
}

/// Deserializes an id written as a number (`22`) or a string (`"22"`).
pub(super) fn de_num<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number or a numeric string")
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(v).ok())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v >= 0.0).then_some(v as u64))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse().ok())
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A JSON value that may be an object of the expected shape or anything else (a string
/// `host` in NXLog output, an object `host` in Winlogbeat's): the other shapes are dropped.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Maybe<T> {
    /// The expected shape.
    Is(T),
    /// Anything else.
    Other(serde::de::IgnoredAny),
}

impl<T> Maybe<T> {
    pub(super) fn get(&self) -> Option<&T> {
        match self {
            Maybe::Is(t) => Some(t),
            Maybe::Other(_) => None,
        }
    }
}
