//! Host sets: what a pattern or a written rule reaches, and whether two such sets meet or one
//! lies within the other. The overlap rule needs both questions; answers are conservative
//! (two globs in one label may meet; "within" is false when unsure), so an allowed tool is
//! never blocked by a wrong guess.

use std::collections::HashMap;

use crate::signatures::{Pattern, Shape};

/// A set of hosts: labels (right to left compared) with optional `*` globs, plus subdomains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Cover {
    labels: Vec<String>,
    subdomains: bool,
}

impl Cover {
    pub(super) fn new(host: &str, subdomains: bool) -> Cover {
        Cover {
            labels: host.split('.').map(str::to_string).collect(),
            subdomains,
        }
    }

    /// The hosts a catalogue pattern matches.
    pub(super) fn of(pattern: &Pattern) -> Cover {
        Cover::new(pattern.host(), pattern.shape != Shape::Exact)
    }

    /// Whether some host is in both (conservative: two globs in one position may meet).
    pub(super) fn meets(&self, other: &Cover) -> bool {
        let (a, b) = (&self.labels, &other.labels);
        let common = a.len().min(b.len());
        let labels_agree = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(common)
            .all(|(x, y)| labels_meet(x, y));
        labels_agree
            && match a.len().cmp(&b.len()) {
                std::cmp::Ordering::Equal => true,
                std::cmp::Ordering::Less => self.subdomains,
                std::cmp::Ordering::Greater => other.subdomains,
            }
    }

    /// Whether every host of `self` is in `other` (conservative: false when unsure).
    pub(super) fn within(&self, other: &Cover) -> bool {
        let (a, b) = (&self.labels, &other.labels);
        if a.len() < b.len() || (a.len() > b.len() && !other.subdomains) {
            return false;
        }
        if self.subdomains && !other.subdomains {
            return false;
        }
        a.iter()
            .rev()
            .zip(b.iter().rev())
            .all(|(x, y)| x == y || (!x.contains('*') && glob_matches(y, x)))
    }
}

/// Covers looked up by their fixed suffix (the labels right of the rightmost glob), so that
/// finding the covers that meet one, or contain it, takes a few hash lookups instead of a pass
/// over all of them (quadratic for registers of thousands of in-house tools).
///
/// Why the lookup loses none: where two covers meet, or one lies within the other, every label
/// position both fix holds the same label in both; so of the two fixed suffixes, one ends the
/// other. The candidates are a superset; the caller applies the exact test.
pub(super) struct Index {
    /// Covers whose fixed suffix is the key (labels right to left, `.`-joined).
    at: HashMap<String, Vec<usize>>,
    /// Covers whose fixed suffix extends the key to the left.
    under: HashMap<String, Vec<usize>>,
}

impl Index {
    /// Indexes the covers present, by position.
    pub(super) fn new<'c>(covers: impl IntoIterator<Item = Option<&'c Cover>>) -> Index {
        let mut index = Index {
            at: HashMap::new(),
            under: HashMap::new(),
        };
        for (i, c) in covers.into_iter().enumerate() {
            let Some(c) = c else { continue };
            let keys = c.suffix_keys();
            if let Some((fixed, shorter)) = keys.split_last() {
                index.at.entry(fixed.clone()).or_default().push(i);
                for k in shorter {
                    index.under.entry(k.clone()).or_default().push(i);
                }
            }
        }
        index
    }

    /// Positions, ascending, of the covers that may meet `c` or hold it: every one that does.
    pub(super) fn candidates(&self, c: &Cover) -> Vec<usize> {
        let keys = c.suffix_keys();
        let mut found: Vec<usize> = keys
            .iter()
            .filter_map(|k| self.at.get(k))
            .chain(keys.last().and_then(|k| self.under.get(k)))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found
    }
}

impl Cover {
    /// The keys of the fixed suffix and of each shorter suffix: `""`, `com`, `com.openai`, … .
    fn suffix_keys(&self) -> Vec<String> {
        let mut keys = vec![String::new()];
        let mut key = String::new();
        for label in self.labels.iter().rev().take_while(|l| !l.contains('*')) {
            if !key.is_empty() {
                key.push('.');
            }
            key.push_str(label);
            keys.push(key.clone());
        }
        keys
    }
}

fn glob_matches(glob: &str, label: &str) -> bool {
    match glob.split_once('*') {
        None => glob == label,
        Some((pre, suf)) => {
            label.len() > pre.len() + suf.len() && label.starts_with(pre) && label.ends_with(suf)
        }
    }
}

fn labels_meet(a: &str, b: &str) -> bool {
    match (a.contains('*'), b.contains('*')) {
        (false, false) => a == b,
        (true, false) => glob_matches(a, b),
        (false, true) => glob_matches(b, a),
        (true, true) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signatures::Role;

    fn cover(text: &str) -> Cover {
        Cover::of(&Pattern::new(text.to_string(), Role::App, 0))
    }

    #[test]
    fn covers_meet_and_nest() {
        let openai = cover("openai.com");
        let api = cover("api.openai.com");
        let exact = cover("=openai.com");
        let azure = cover("*.openai.azure.com");
        assert!(openai.meets(&api) && api.meets(&openai));
        assert!(api.within(&openai) && !openai.within(&api));
        assert!(exact.within(&openai) && !exact.meets(&api));
        assert!(!azure.meets(&Cover::new("openai.azure.com", false)));
        assert!(azure.meets(&Cover::new("x.openai.azure.com", false)));
        let vertex = cover("*-aiplatform.googleapis.com");
        assert!(vertex.meets(&Cover::new("us-central1-aiplatform.googleapis.com", false)));
        assert!(!vertex.meets(&Cover::new("aiplatform.googleapis.com", true)));
    }

    #[test]
    fn the_index_finds_every_cover_that_meets_or_holds() {
        let texts = [
            "openai.com",
            "api.openai.com",
            "=openai.com",
            "*.openai.azure.com",
            "corp.openai.azure.com",
            "*-aiplatform.googleapis.com",
            "bedrock-runtime.*.amazonaws.com",
            "x.example",
            "azure.com",
        ];
        let covers: Vec<Cover> = texts.iter().map(|t| cover(t)).collect();
        let index = Index::new(covers.iter().map(Some));
        let probes = covers.iter().cloned().chain([
            Cover::new("com", true),
            Cover::new("*.azure.com", true),
            Cover::new("us-east-1-aiplatform.googleapis.com", false),
            Cover::new("bedrock-runtime.us-east-1.amazonaws.com", false),
            Cover::new("nothing.test", true),
        ]);
        for probe in probes {
            let got = index.candidates(&probe);
            let want: Vec<usize> = (0..covers.len())
                .filter(|&i| {
                    probe.meets(&covers[i]) || probe.within(&covers[i]) || covers[i].within(&probe)
                })
                .collect();
            assert!(
                want.iter().all(|i| got.contains(i)),
                "{probe:?}: {want:?} not all in {got:?}"
            );
        }
        // Selective: a host under one domain is not compared with the others.
        assert_eq!(index.candidates(&Cover::new("x.example", false)), vec![7]);
    }
}
