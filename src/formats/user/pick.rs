//! Reads only the mapped fields of a JSON line, by path, without building the object.
//!
//! A user-defined JSON format names its fields as dotted paths (`user.name`). Exports write
//! them nested (`{"user":{"name":…}}`), flat (`{"user.name":…}`) or mixed; the paths are
//! kept in a trie of key segments, and each key met is walked through it segment by
//! segment, so all three spellings find the same field. Values of other keys are skipped
//! with `IgnoredAny`. Why not `serde_json::Value`: it allocates a map per object and a string
//! per value, on every line; here the picked values are copied into one reused buffer, so a
//! line costs no allocation once the buffer has grown.

use std::fmt;
use std::io::Write as _;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::SLOTS;

/// The mapped paths, as a trie of key segments.
#[derive(Clone, Debug, Default)]
pub(super) struct Trie {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, Default)]
struct Node {
    children: Vec<(Box<str>, usize)>,
    /// The slots whose path ends here.
    slots: Vec<usize>,
}

impl Trie {
    /// A trie of `paths`: `(slot, "a.b.c")`.
    pub(super) fn new<'p>(paths: impl IntoIterator<Item = (usize, &'p str)>) -> Trie {
        let mut t = Trie {
            nodes: vec![Node::default()],
        };
        for (slot, path) in paths {
            let mut at = 0;
            for seg in path.split('.') {
                at = match t.child(at, seg) {
                    Some(c) => c,
                    None => {
                        t.nodes.push(Node::default());
                        let id = t.nodes.len() - 1;
                        t.nodes[at].children.push((seg.into(), id));
                        id
                    }
                };
            }
            t.nodes[at].slots.push(slot);
        }
        t
    }

    fn child(&self, at: usize, seg: &str) -> Option<usize> {
        self.nodes
            .get(at)?
            .children
            .iter()
            .find(|(k, _)| &**k == seg)
            .map(|(_, id)| *id)
    }

    /// The node a key (possibly dotted) leads to from `at`.
    fn walk(&self, at: usize, key: &str) -> Option<usize> {
        key.split('.').try_fold(at, |n, seg| self.child(n, seg))
    }
}

/// The picked values of the last line, in one reused buffer.
#[derive(Default)]
pub(super) struct Picked {
    buf: Vec<u8>,
    slots: [Option<Range<usize>>; SLOTS],
}

impl Picked {
    /// Reads `line` (a JSON object) into the slots; `false` if it is not one.
    pub(super) fn read(&mut self, trie: &Trie, line: &[u8]) -> bool {
        self.buf.clear();
        self.slots = Default::default();
        let mut de = serde_json::Deserializer::from_slice(line);
        let ok = Seed {
            trie,
            node: 0,
            out: self,
        }
        .deserialize(&mut de)
        .is_ok();
        ok && de.end().is_ok()
    }

    /// The value picked for `slot`.
    pub(super) fn get(&self, slot: usize) -> Option<&[u8]> {
        self.buf.get(self.slots.get(slot)?.clone()?)
    }

    fn put(&mut self, slots: &[usize], v: &[u8]) {
        let start = self.buf.len();
        self.buf.extend_from_slice(v);
        for &s in slots {
            if let Some(slot) = self.slots.get_mut(s) {
                *slot = Some(start..self.buf.len());
            }
        }
    }

    fn put_display(&mut self, slots: &[usize], v: impl fmt::Display) {
        let start = self.buf.len();
        // Writing to a Vec cannot fail.
        let _ = write!(self.buf, "{v}");
        let end = self.buf.len();
        for &s in slots {
            if let Some(slot) = self.slots.get_mut(s) {
                *slot = Some(start..end);
            }
        }
    }
}

/// Deserializes the value at trie node `node`.
struct Seed<'t, 'o> {
    trie: &'t Trie,
    node: usize,
    out: &'o mut Picked,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'t> Seed<'t, '_> {
    /// The slots whose path ends at this node (borrowed from the trie, not from `self`).
    fn slots(&self) -> &'t [usize] {
        self.trie
            .nodes
            .get(self.node)
            .map_or(&[][..], |n| &n.slots[..])
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let slots = self.slots();
        self.out.put(slots, v.as_bytes());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        let slots = self.slots();
        self.out.put_display(slots, v);
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        let slots = self.slots();
        self.out.put_display(slots, v);
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        let slots = self.slots();
        self.out.put_display(slots, v);
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        let slots = self.slots();
        self.out.put(slots, if v { b"true" } else { b"false" });
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Seed { trie, node, out } = self;
        while let Some(next) = map.next_key_seed(Key { trie, node })? {
            match next {
                Some(node) => map.next_value_seed(Seed {
                    trie,
                    node,
                    out: &mut *out,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Resolves a key to the trie node it leads to (`None`: skip its value), without keeping it.
struct Key<'t> {
    trie: &'t Trie,
    node: usize,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, k: &str) -> Result<Option<usize>, E> {
        Ok(self.trie.walk(self.node, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(paths: &[&str], line: &str) -> Option<Vec<Option<String>>> {
        let trie = Trie::new(paths.iter().copied().enumerate());
        let mut p = Picked::default();
        p.read(&trie, line.as_bytes()).then(|| {
            (0..paths.len())
                .map(|s| p.get(s).map(|v| String::from_utf8_lossy(v).into_owned()))
                .collect()
        })
    }

    #[test]
    fn nested_flat_and_mixed_paths_find_the_same_field() {
        let paths = ["user.name", "url.domain", "n"];
        let want = Some(vec![
            Some("ann".to_string()),
            Some("chatgpt.com".to_string()),
            Some("12".to_string()),
        ]);
        for line in [
            r#"{"user":{"name":"ann"},"url":{"domain":"chatgpt.com"},"n":12}"#,
            r#"{"user.name":"ann","url.domain":"chatgpt.com","n":12}"#,
            r#"{"user":{"name":"ann"},"url.domain":"chatgpt.com","x":[1,{"y":2}],"n":12}"#,
        ] {
            assert_eq!(pick(&paths, line), want, "{line}");
        }
    }

    #[test]
    fn values_of_every_kind_and_escapes() {
        let got = pick(
            &["a", "b", "c", "d", "e", "f"],
            r#"{"a":"x\/y\u00e9","b":-3,"c":1.5,"d":true,"e":null,"f":{"g":1}}"#,
        )
        .unwrap();
        assert_eq!(got[0].as_deref(), Some("x/yé"));
        assert_eq!(got[1].as_deref(), Some("-3"));
        assert_eq!(got[2].as_deref(), Some("1.5"));
        assert_eq!(got[3].as_deref(), Some("true"));
        assert_eq!(got[4], None);
        assert_eq!(got[5], None);
    }

    #[test]
    fn not_an_object_or_trailing_bytes_fail() {
        assert_eq!(pick(&["a"], r#"{"a":1} x"#), None);
        assert_eq!(pick(&["a"], r#"{"a":1"#), None);
        assert_eq!(pick(&["a"], "[1]").map(|v| v[0].clone()), Some(None));
        assert_eq!(pick(&["a"], "nope"), None);
    }

    #[test]
    fn the_buffer_is_reused() {
        let trie = Trie::new([(0, "a")]);
        let mut p = Picked::default();
        assert!(p.read(
            &trie,
            format!(r#"{{"a":"{}"}}"#, "x".repeat(500)).as_bytes()
        ));
        let cap = p.buf.capacity();
        assert!(p.read(&trie, br#"{"a":"y"}"#));
        assert_eq!((p.get(0), p.buf.capacity()), (Some(&b"y"[..]), cap));
    }
}
