//! Host pattern matching: a reverse-label trie compiled once from the catalogue.
//!
//! `chat.openai.com` is walked as `com` → `openai` → `chat`; each node holds a hash map of
//! literal child labels and a short list of single-label globs (`*-aiplatform`). Matching a
//! host costs one hash probe per label (plus the rare glob), independent of catalogue size.
//! When several patterns match, the most specific wins: more labels, then more literal labels,
//! then an exact (`=`) pattern over a suffix one ([`Specificity`], stored with each pattern
//! when it is inserted, so a match compares two small values and allocates nothing).

use std::collections::HashMap;

use super::pattern::{Pattern, Shape, Specificity};

/// Index of a pattern in the catalogue's pattern table.
pub type PatternId = u32;

/// Host labels we look at, at most; real hostnames have far fewer (RFC 1035 allows 127).
const MAX_LABELS: usize = 128;

#[derive(Default)]
struct Node {
    literal: HashMap<Box<[u8]>, u32>,
    /// `prefix*suffix` within one label.
    globs: Vec<Glob>,
    /// A pattern ending here that also matches subdomains.
    suffix: Option<Ranked>,
    /// A pattern ending here that matches this host only.
    exact: Option<Ranked>,
}

/// A pattern and its specificity, the key of "most specific wins".
type Ranked = (Specificity, PatternId);

/// One `prefix*suffix` label and the node it leads to.
struct Glob {
    prefix: Box<[u8]>,
    suffix: Box<[u8]>,
    child: u32,
}

impl Glob {
    fn matches(&self, label: &[u8]) -> bool {
        label.len() > self.prefix.len() + self.suffix.len()
            && label.starts_with(&self.prefix)
            && label.ends_with(&self.suffix)
    }
}

/// A compiled set of host patterns.
pub struct Matcher {
    nodes: Vec<Node>,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher {
            nodes: vec![Node::default()],
        }
    }
}

impl Matcher {
    /// Adds a validated pattern (`host`, `=host`, with `*` globs). Returns the pattern already
    /// stored at that place, if any, so the caller can report the clash.
    pub fn insert(&mut self, pattern: &Pattern, id: PatternId) -> Option<PatternId> {
        let mut node = 0u32;
        for label in pattern.host().rsplit('.') {
            node = self.child(node, label.as_bytes());
        }
        let slot = &mut self.nodes[node as usize];
        let slot = if pattern.shape == Shape::Exact {
            &mut slot.exact
        } else {
            &mut slot.suffix
        };
        match slot {
            Some((_, existing)) => Some(*existing),
            None => {
                *slot = Some((pattern.specificity(), id));
                None
            }
        }
    }

    fn child(&mut self, node: u32, label: &[u8]) -> u32 {
        let next = self.nodes.len() as u32;
        if let Some(star) = memchr::memchr(b'*', label) {
            let (prefix, suffix) = (&label[..star], &label[star + 1..]);
            let globs = &self.nodes[node as usize].globs;
            if let Some(g) = globs
                .iter()
                .find(|g| *g.prefix == *prefix && *g.suffix == *suffix)
            {
                return g.child;
            }
            self.nodes[node as usize].globs.push(Glob {
                prefix: prefix.into(),
                suffix: suffix.into(),
                child: next,
            });
        } else {
            if let Some(&c) = self.nodes[node as usize].literal.get(label) {
                return c;
            }
            self.nodes[node as usize].literal.insert(label.into(), next);
        }
        self.nodes.push(Node::default());
        next
    }

    /// The most specific pattern matching `host` (lowercase, no port or trailing dot).
    pub fn find(&self, host: &[u8]) -> Option<PatternId> {
        if host.is_empty() {
            return None;
        }
        let mut labels: [&[u8]; MAX_LABELS] = [&[]; MAX_LABELS];
        let mut n = 0;
        for label in host.rsplit(|&b| b == b'.') {
            if n == MAX_LABELS {
                return None;
            }
            labels[n] = label;
            n += 1;
        }
        let mut best: Option<Ranked> = None;
        self.walk(0, &labels[..n], 0, &mut best);
        best.map(|(_, id)| id)
    }

    fn walk(&self, node: u32, labels: &[&[u8]], depth: usize, best: &mut Option<Ranked>) {
        let n = &self.nodes[node as usize];
        let mut offer = |found: Ranked| {
            if best.is_none_or(|(r, _)| found.0 > r) {
                *best = Some(found);
            }
        };
        if let Some(found) = n.suffix {
            offer(found);
        }
        if depth == labels.len() {
            if let Some(found) = n.exact {
                offer(found);
            }
            return;
        }
        let label = labels[depth];
        if let Some(&c) = n.literal.get(label) {
            self.walk(c, labels, depth + 1, best);
        }
        for g in n.globs.iter().filter(|g| g.matches(label)) {
            self.walk(g.child, labels, depth + 1, best);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signatures::Role;

    fn pattern(text: &str) -> Pattern {
        Pattern::new(text.to_string(), Role::App, 0)
    }

    fn matcher(patterns: &[&str]) -> Matcher {
        let mut m = Matcher::default();
        for (i, p) in patterns.iter().enumerate() {
            assert_eq!(m.insert(&pattern(p), i as u32), None);
        }
        m
    }

    #[test]
    fn label_boundaries() {
        let m = matcher(&["chatgpt.com"]);
        assert_eq!(m.find(b"chatgpt.com"), Some(0));
        assert_eq!(m.find(b"ab.chatgpt.com"), Some(0));
        assert_eq!(m.find(b"notchatgpt.com"), None);
        assert_eq!(m.find(b"chatgpt.com.evil.example"), None);
        assert_eq!(m.find(b"com"), None);
        assert_eq!(m.find(b""), None);
    }

    #[test]
    fn most_specific_wins() {
        let m = matcher(&[
            "openai.com",
            "api.openai.com",
            "=chat.openai.com",
            "*.azure.com",
            "myres.azure.com",
        ]);
        assert_eq!(m.find(b"openai.com"), Some(0));
        assert_eq!(m.find(b"x.api.openai.com"), Some(1));
        assert_eq!(m.find(b"chat.openai.com"), Some(2));
        assert_eq!(m.find(b"a.chat.openai.com"), Some(0));
        assert_eq!(m.find(b"myres.azure.com"), Some(4));
        assert_eq!(m.find(b"other.azure.com"), Some(3));
    }

    /// The winner is always the matching pattern of greatest [`Pattern::specificity`]: the
    /// order the blocklist overlap rule and the Splunk export use is the matcher's.
    #[test]
    fn winner_has_the_greatest_specificity() {
        let texts = [
            "openai.com",
            "=openai.com",
            "api.openai.com",
            "=chat.openai.com",
            "*.openai.com",
            "*.azure.com",
            "myres.azure.com",
            "*.openai.azure.com",
            "bedrock-runtime.*.amazonaws.com",
            "x.bedrock-runtime.eu.amazonaws.com",
        ];
        let m = matcher(&texts);
        let label_matches = |glob: &str, label: &str| match glob.split_once('*') {
            None => glob == label,
            Some((pre, suf)) => {
                label.len() > pre.len() + suf.len()
                    && label.starts_with(pre)
                    && label.ends_with(suf)
            }
        };
        let matches = |p: &Pattern, host: &str| {
            let (want, got): (Vec<&str>, Vec<&str>) =
                (p.host().rsplit('.').collect(), host.rsplit('.').collect());
            let long_enough = if p.shape == Shape::Exact {
                got.len() == want.len()
            } else {
                got.len() >= want.len()
            };
            long_enough && want.iter().zip(&got).all(|(w, g)| label_matches(w, g))
        };
        for host in [
            "openai.com",
            "api.openai.com",
            "v1.api.openai.com",
            "chat.openai.com",
            "a.chat.openai.com",
            "myres.azure.com",
            "other.azure.com",
            "myco.openai.azure.com",
            "openai.azure.com",
            "bedrock-runtime.eu.amazonaws.com",
            "x.bedrock-runtime.eu.amazonaws.com",
        ] {
            let best = texts
                .iter()
                .map(|t| pattern(t))
                .filter(|p| matches(p, host))
                .map(|p| p.specificity())
                .max();
            let found = m
                .find(host.as_bytes())
                .map(|i| pattern(texts[i as usize]).specificity());
            assert_eq!(found, best, "{host}");
        }
    }

    #[test]
    fn single_label_wildcards() {
        let m = matcher(&[
            "bedrock-runtime.*.amazonaws.com",
            "*-aiplatform.googleapis.com",
            "*.openai.azure.com",
        ]);
        assert_eq!(m.find(b"bedrock-runtime.us-east-1.amazonaws.com"), Some(0));
        assert_eq!(m.find(b"bedrock-runtime.amazonaws.com"), None);
        assert_eq!(m.find(b"s3.us-east-1.amazonaws.com"), None);
        assert_eq!(m.find(b"us-central1-aiplatform.googleapis.com"), Some(1));
        assert_eq!(m.find(b"aiplatform.googleapis.com"), None);
        assert_eq!(m.find(b"-aiplatform.googleapis.com"), None);
        assert_eq!(m.find(b"myco.openai.azure.com"), Some(2));
        assert_eq!(m.find(b"openai.azure.com"), None);
    }

    #[test]
    fn duplicate_patterns_are_reported() {
        let mut m = matcher(&["claude.ai"]);
        assert_eq!(m.insert(&pattern("claude.ai"), 7), Some(0));
        assert_eq!(m.insert(&pattern("=claude.ai"), 8), None);
    }
}
