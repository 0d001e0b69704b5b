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
use serde::de::{self, Deserializer, Visitor};

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
pub(super) fn de_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    number_or_string(d, |s| s.trim().parse().ok(), Bools::Reject)
}

/// A number type a [`number_or_string`] field reads: how it takes each kind of JSON number
/// (serde_json hands non-negative integers as `u64`, negative ones as `i64`, the rest as
/// `f64`). A number the type cannot hold is `None`.
pub(super) trait JsonNumber: Sized {
    /// A non-negative integer.
    fn from_u64(v: u64) -> Option<Self>;
    /// A negative integer.
    fn from_i64(v: i64) -> Option<Self>;
    /// A number with a fraction or an exponent.
    fn from_f64(v: f64) -> Option<Self>;
}

/// Ids, counts and sizes: a negative number is none, a fraction is cut off.
impl JsonNumber for u64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v >= 0.0).then_some(v as u64)
    }
}

/// Epoch seconds: a fraction is floored, and a number past ±10^15 (no plausible time) is none.
impl JsonNumber for i64 {
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v.is_finite() && v.abs() < 1e15).then_some(v.floor() as i64)
    }
}

/// Epoch seconds kept with their fraction.
impl JsonNumber for f64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
}

/// What a [`number_or_string`] field makes of `true` or `false`.
#[derive(Clone, Copy)]
pub(super) enum Bools {
    /// A type error: the record does not parse, as with an object or an array.
    Reject,
    /// No value.
    Absent,
}

/// Deserializes a field that logs write as a JSON number or as a string (`"22"`,
/// `"1625677475.806"`, an ISO 8601 time): a number is converted by [`JsonNumber`], a string
/// by `parse`, and `null` is `None`, as is anything `parse` or the conversion rejects. The
/// one visitor behind every such field, so the formats differ only where their data does.
pub(super) fn number_or_string<'de, D, T>(
    d: D,
    parse: fn(&str) -> Option<T>,
    bools: Bools,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: JsonNumber,
{
    struct V<T> {
        parse: fn(&str) -> Option<T>,
        bools: Bools,
    }
    impl<T: JsonNumber> Visitor<'_> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number or a string holding one")
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(T::from_u64(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(T::from_i64(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(T::from_f64(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok((self.parse)(v))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            match self.bools {
                Bools::Absent => Ok(None),
                Bools::Reject => Err(E::invalid_type(de::Unexpected::Bool(v), &self)),
            }
        }
    }
    d.deserialize_any(V { parse, bools })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_iso8601;

    fn read<T: JsonNumber>(
        json: &str,
        parse: fn(&str) -> Option<T>,
        bools: Bools,
    ) -> Result<Option<T>, serde_json::Error> {
        number_or_string(&mut serde_json::Deserializer::from_str(json), parse, bools)
    }

    #[test]
    fn ids_and_sizes_read_as_u64() {
        let id = |json| de_num(&mut serde_json::Deserializer::from_str(json)).ok();
        for (json, want) in [
            ("22", Some(22)),
            (r#"" 22 ""#, Some(22)),
            ("-3", None),
            ("2.9", Some(2)),
            ("1e3", Some(1000)),
            ("-2.5", None),
            (r#""2.5""#, None),
            (r#""x""#, None),
            ("null", None),
        ] {
            assert_eq!(id(json), Some(want), "{json}");
        }
        // Booleans, objects and arrays fail the record...
        for json in ["true", "{}", "[1]"] {
            assert_eq!(id(json), None, "{json}");
        }
        // ...unless booleans are declared absent.
        let digits = |s: &str| s.parse().ok();
        assert_eq!(read::<u64>("false", digits, Bools::Absent).ok(), Some(None));
        assert!(read::<u64>("{}", digits, Bools::Absent).is_err());
    }

    #[test]
    fn epoch_seconds_read_as_i64_floor_fractions() {
        let iso = |s: &str| parse_iso8601(s.as_bytes()).map(|(t, _)| t);
        for (json, want) in [
            ("1625677475", Some(1_625_677_475)),
            ("1625677475.9", Some(1_625_677_475)),
            ("-5", Some(-5)),
            ("-0.5", Some(-1)),
            ("1e16", None),
            ("18446744073709551615", None),
            (r#""1970-01-01T00:00:10Z""#, Some(10)),
            (r#""10""#, None),
            ("null", None),
        ] {
            assert_eq!(
                read::<i64>(json, iso, Bools::Reject).ok(),
                Some(want),
                "{json}"
            );
        }
        assert!(read::<i64>("true", iso, Bools::Reject).is_err());
    }

    #[test]
    fn epoch_seconds_read_as_f64_keep_fractions() {
        let finite = |s: &str| s.trim().parse().ok().filter(|x: &f64| x.is_finite());
        for (json, want) in [
            ("1625677475.806", Some(1_625_677_475.806)),
            (r#""1625677475.806""#, Some(1_625_677_475.806)),
            ("7", Some(7.0)),
            ("-7", Some(-7.0)),
            (r#""NaN""#, None),
            (r#""inf""#, None),
            ("null", None),
        ] {
            assert_eq!(
                read::<f64>(json, finite, Bools::Reject).ok(),
                Some(want),
                "{json}"
            );
        }
    }
}
