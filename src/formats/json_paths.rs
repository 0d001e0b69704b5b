//! What the schema-shaped JSON formats (ECS, OCSF) share: values picked out of a document by
//! dotted path, whether the document nests them (`{"dns":{"question":{"name":…}}}`), writes
//! them flat (`{"dns.question.name":…}`, as Elasticsearch exports and Logstash outputs do) or
//! mixes the two; and the one time field that logs write in four ways (RFC 3339, or epoch
//! seconds, milliseconds or nanoseconds, as a number or a string).
//!
//! Why a visitor rather than derived structs: a schema with hundreds of optional fields, each
//! in two spellings, would need a struct per object and an alias per flat key, and a document
//! mixing both would still slip through. The visitor walks only the objects a wanted path
//! goes through, borrows every string it can, and skips the rest without building it.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::JsonNumber;
use crate::error::ParseError;
use crate::time::parse_iso8601;

/// One picked value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val<'a> {
    /// A string, borrowed from the line unless it had escapes.
    Str(Cow<'a, str>),
    /// A number.
    Num(f64),
    /// An array: its string elements (others are dropped).
    List(Vec<Cow<'a, str>>),
    /// `null`, a boolean or an object.
    Other,
}

impl<'a> Val<'a> {
    /// The value as text, if it is a string that is not empty or `-`.
    pub(super) fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) if !s.trim().is_empty() && s.trim() != "-" => Some(s.trim()),
            _ => None,
        }
    }
    /// The value as a non-negative whole number (a numeric string too).
    pub(super) fn count(&self) -> Option<u64> {
        match self {
            Val::Num(n) => u64::from_f64(*n),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    /// Whether the value is `want` or an array holding it (ASCII case ignored).
    pub(super) fn has(&self, want: &str) -> bool {
        match self {
            Val::Str(s) => s.eq_ignore_ascii_case(want),
            Val::List(l) => l.iter().any(|s| s.eq_ignore_ascii_case(want)),
            _ => false,
        }
    }
}

/// The values at `paths` in the JSON object on `line` (each `None` when absent), or `None` for
/// a blank line. A line that is not a JSON object is `Unrecognized(what)`. When a document
/// holds a path twice (nested and flat), the first one written wins.
pub(super) fn pick<'a, const N: usize>(
    line: &'a [u8],
    paths: &[&'static str; N],
    what: &'static str,
) -> Result<Option<[Option<Val<'a>>; N]>, ParseError> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    if line.first() != Some(&b'{') {
        return Err(ParseError::Unrecognized(what));
    }
    let mut out: [Option<Val<'a>>; N] = std::array::from_fn(|_| None);
    let mut de = serde_json::Deserializer::from_slice(line);
    Node {
        prefix: "",
        paths,
        out: &mut out,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|_| ParseError::Unrecognized(what))?;
    Ok(Some(out))
}

/// An object at `prefix` (empty at the top), filling `out` for the `paths` below it.
struct Node<'p, 'o, 'a, const N: usize> {
    prefix: &'static str,
    paths: &'p [&'static str; N],
    out: &'o mut [Option<Val<'a>>; N],
}

/// What a key of the object at `prefix` is to the wanted paths.
enum Role {
    /// The whole of path `i`.
    Leaf(usize),
    /// A step on the way to some path: the new prefix.
    Step(&'static str),
    /// Nothing wanted.
    Skip,
}

impl<const N: usize> Node<'_, '_, '_, N> {
    fn role(&self, key: &str) -> Role {
        let mut step = None;
        for (i, p) in self.paths.iter().enumerate() {
            let rest = if self.prefix.is_empty() {
                Some(*p)
            } else {
                p.strip_prefix(self.prefix)
                    .and_then(|r| r.strip_prefix('.'))
            };
            let Some(rest) = rest else { continue };
            if rest == key {
                return Role::Leaf(i);
            }
            if rest.len() > key.len() && rest.starts_with(key) && rest.as_bytes()[key.len()] == b'.'
            {
                let end = p.len() - rest.len() + key.len();
                step = Some(&p[..end]);
            }
        }
        step.map_or(Role::Skip, Role::Step)
    }
}

impl<'de, const N: usize> DeserializeSeed<'de> for Node<'_, '_, 'de, N> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Node<'_, '_, 'de, N> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match self.role(&key.0) {
                Role::Leaf(i) => {
                    let v = map.next_value::<Picked<'de>>()?.0;
                    if self.out[i].is_none() {
                        self.out[i] = Some(v);
                    }
                }
                Role::Step(prefix) => map.next_value_seed(Inner(Node {
                    prefix,
                    paths: self.paths,
                    out: &mut *self.out,
                }))?,
                Role::Skip => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A nested value on a wanted path: an object is walked, anything else (a string where the
/// schema has an object) is skipped rather than failing the line.
struct Inner<'p, 'o, 'a, const N: usize>(Node<'p, 'o, 'a, N>);

impl<'de, const N: usize> DeserializeSeed<'de> for Inner<'_, '_, 'de, N> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Inner<'_, '_, 'de, N> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.visit_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A string borrowed from the line when it has no escapes (serde's own `Cow<str>` always
/// copies).
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A leaf value, whatever its JSON type.
struct Picked<'a>(Val<'a>);

impl<'de> Deserialize<'de> for Picked<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Picked<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Picked(Val::Str(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Picked(Val::Str(Cow::Owned(s.to_owned()))))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
                Ok(Picked(Val::Num(n as f64)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
                Ok(Picked(Val::Num(n as f64)))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
                Ok(Picked(Val::Num(n)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Picked(Val::Other))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Picked(Val::Other))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Picked(Val::Other))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Picked<'de>>()? {
                    if let Val::Str(s) = item.0 {
                        items.push(s);
                    }
                }
                Ok(Picked(Val::List(items)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Epoch seconds from a count whose unit is told by its size: seconds up to 10^11 (the year
/// 5138), milliseconds up to 10^14, microseconds up to 10^17, else nanoseconds. Logs of these
/// formats write whichever their exporter was set to (Cloudflare Logpush `timestamp_format`,
/// OCSF's milliseconds), and no plausible time of one unit falls in another's range.
pub(super) fn epoch_any(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let secs = if n < 1e11 {
        n
    } else if n < 1e14 {
        n / 1e3
    } else if n < 1e17 {
        n / 1e6
    } else {
        n / 1e9
    };
    i64::from_f64(secs)
}

/// A time written as RFC 3339 or as an epoch count in any unit ([`epoch_any`]), in a JSON
/// number or string. `Some(None)` is a time field that does not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AnyTime(pub(super) Option<i64>);

impl AnyTime {
    /// Reads a picked value the same way.
    pub(super) fn of(v: &Val<'_>) -> AnyTime {
        AnyTime(match v {
            Val::Num(n) => epoch_any(*n),
            Val::Str(s) => time_text(s),
            _ => None,
        })
    }
}

/// A time in a string: RFC 3339, or an epoch count in any unit.
pub(super) fn time_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((t, used)) = parse_iso8601(s.as_bytes()) {
        return (used == s.len()).then_some(t);
    }
    s.parse::<f64>().ok().and_then(epoch_any)
}

/// The event time of a record: the time, `MissingField(name)` when it is absent and
/// `BadTimestamp` when it does not read (so a corrupt time is a skipped line, never an
/// undated event).
pub(super) fn required_time(t: Option<AnyTime>, name: &'static str) -> Result<i64, ParseError> {
    match t {
        Some(AnyTime(Some(t))) => Ok(t),
        Some(AnyTime(None)) => Err(ParseError::BadTimestamp),
        None => Err(ParseError::MissingField(name)),
    }
}

/// Deserializes an [`AnyTime`] from a JSON string or number (for `#[serde(deserialize_with)]`,
/// with `default`); `null` is a time that does not read.
pub(super) fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AnyTime>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<AnyTime>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a time")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(AnyTime(time_text(s))))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(AnyTime(epoch_any(n as f64))))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
            Ok(Some(AnyTime(epoch_any(n as f64))))
        }
        fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
            Ok(Some(AnyTime(epoch_any(n))))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Some(AnyTime(None)))
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATHS: [&str; 4] = [
        "dns.question.name",
        "url.domain",
        "event.type",
        "http.request.bytes",
    ];

    fn strs(line: &str) -> Vec<Option<String>> {
        pick(line.as_bytes(), &PATHS, "test")
            .unwrap()
            .unwrap()
            .iter()
            .map(|v| {
                v.as_ref().map(|v| match v {
                    Val::Str(s) => s.to_string(),
                    Val::Num(n) => n.to_string(),
                    Val::List(l) => l.join("|"),
                    Val::Other => "other".into(),
                })
            })
            .collect()
    }

    #[test]
    fn nested_flat_and_mixed_paths_read_alike() {
        let want = vec![
            Some("chatgpt.com".to_string()),
            None,
            Some("allowed|connection".into()),
            Some("512".into()),
        ];
        for line in [
            r#"{"dns":{"question":{"name":"chatgpt.com","type":"A"}},"event":{"type":["allowed","connection"]},"http":{"request":{"bytes":512}}}"#,
            r#"{"dns.question.name":"chatgpt.com","event.type":["allowed","connection"],"http.request.bytes":512}"#,
            r#"{"dns":{"question.name":"chatgpt.com"},"event.type":["allowed","connection"],"http":{"request.bytes":512}}"#,
        ] {
            assert_eq!(strs(line), want, "{line}");
        }
    }

    #[test]
    fn escapes_wrong_shapes_and_first_of_two() {
        assert_eq!(
            strs(r#"{"url":"https://x","dns":"a","url.domain":"a\/b","dns.question.name":"q"}"#),
            vec![Some("q".into()), Some("a/b".into()), None, None]
        );
        assert_eq!(
            strs(r#"{"url.domain":"first","url":{"domain":"second"}}"#)[1],
            Some("first".into())
        );
        assert!(pick(b"not json", &PATHS, "t").is_err());
        assert!(pick(br#"{"url":{"domain":"a"}} trailing"#, &PATHS, "t").is_err());
        assert_eq!(pick(b"  ", &PATHS, "t").unwrap(), None);
    }

    #[test]
    fn times_in_every_unit() {
        for (text, want) in [
            ("2023-05-02T22:49:53Z", Some(1_683_067_793)),
            ("1683067793", Some(1_683_067_793)),
            ("1683067793000", Some(1_683_067_793)),
            ("1683067793000000", Some(1_683_067_793)),
            ("1683067793000000000", Some(1_683_067_793)),
            ("2023-05-02T22:49:53Z junk", None),
            ("-5", None),
            ("yesterday", None),
        ] {
            assert_eq!(time_text(text), want, "{text}");
        }
        assert_eq!(epoch_any(f64::NAN), None);
    }
}
