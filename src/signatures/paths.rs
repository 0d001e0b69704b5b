//! A tool's URL path rules: which paths of its hosts are use and which are incidental.
//!
//! One host often serves both: `chatgpt.com/backend-api/conversation` is someone chatting,
//! `chatgpt.com/share/…` someone opening a link a colleague sent; `www.chatbase.co/embed.min.js`
//! is a widget on a shop's support page, `www.chatbase.co/dashboard/…` someone building a bot.
//! Where the log records the path (proxy URLs, Zeek `uri`, W3C `cs-uri-stem`, …), the tool's
//! rules correct the evidence its host pattern gives (`path_use`, `path_incidental` in the
//! signature files); host-only evidence (DNS, `CONNECT`, TLS SNI) keeps the pattern's.

use super::Evidence;

/// A tool's path rules, longest prefix first, so the first rule that matches is the most
/// specific (`/share/` inside a `/` rule of the other kind).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathRules {
    rules: Vec<(Box<[u8]>, Evidence)>,
}

impl PathRules {
    /// Rules from checked prefixes ([`check_path`]) of each kind.
    pub fn new(rules: impl IntoIterator<Item = (String, Evidence)>) -> PathRules {
        let mut rules: Vec<(Box<[u8]>, Evidence)> = rules
            .into_iter()
            .map(|(p, e)| (p.into_bytes().into_boxed_slice(), e))
            .collect();
        // Longest first; equal lengths by bytes, so the order (and the digest) is fixed.
        rules.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        PathRules { rules }
    }

    /// Whether the tool has no path rule (then paths are never looked at).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The evidence of the longest rule that is a prefix of `path`, if any.
    ///
    /// # Performance
    /// Runs per event of a tool that has rules (a handful): byte prefix compares, no
    /// allocation.
    pub fn evidence(&self, path: &[u8]) -> Option<Evidence> {
        self.rules
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .map(|&(_, e)| e)
    }

    /// Every rule as written, longest first: (prefix, evidence).
    pub fn iter(&self) -> impl Iterator<Item = (&str, Evidence)> {
        self.rules
            .iter()
            .map(|(p, e)| (std::str::from_utf8(p).unwrap_or_default(), *e))
    }
}

/// Checks one path prefix of a signature file: it starts with `/` and names more than the
/// root (a `/` rule would overrule the host's role on every path), and holds no query,
/// fragment, space or control character (a log's path is compared byte for byte).
pub fn check_path(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err(format!("path rule `{p}` must start with `/`"));
    }
    if p.len() < 2 {
        return Err(format!(
            "path rule `{p}` would match every path; give the host a role instead"
        ));
    }
    if p.bytes()
        .any(|b| b.is_ascii_control() || b == b' ' || b == b'?' || b == b'#')
    {
        return Err(format!(
            "path rule `{}` may not hold a query, fragment, space or control character",
            p.escape_debug()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_matching_prefix_decides() {
        let r = PathRules::new([
            ("/dashboard".to_string(), Evidence::Use),
            ("/embed".to_string(), Evidence::Incidental),
            ("/dashboard/embed-preview".to_string(), Evidence::Incidental),
        ]);
        assert_eq!(r.evidence(b"/embed.min.js"), Some(Evidence::Incidental));
        assert_eq!(
            r.evidence(b"/dashboard/acme/chatbot/1"),
            Some(Evidence::Use)
        );
        assert_eq!(
            r.evidence(b"/dashboard/embed-preview/1"),
            Some(Evidence::Incidental)
        );
        assert_eq!(r.evidence(b"/pricing"), None);
        assert_eq!(r.evidence(b"/"), None);
        assert_eq!(r.evidence(b""), None);
        assert!(PathRules::default().is_empty());
        let order: Vec<&str> = r.iter().map(|(p, _)| p).collect();
        assert_eq!(order, ["/dashboard/embed-preview", "/dashboard", "/embed"]);
    }

    #[test]
    fn prefixes_are_checked() {
        assert!(check_path("/share/").is_ok());
        assert!(check_path("share/").is_err());
        assert!(check_path("/").is_err());
        assert!(check_path("/a?b").is_err());
        assert!(check_path("/a b").is_err());
        assert!(check_path("/a\tb").is_err());
    }
}
