//! Host sets: what a pattern or a written rule reaches, and whether two such sets meet or one
//! lies within the other. The overlap rule needs both questions; answers are conservative
//! (two globs in one label may meet; "within" is false when unsure), so an allowed tool is
//! never blocked by a wrong guess.

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
}
