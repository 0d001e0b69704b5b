//! Blocklist syntaxes: how one device writes "block these hosts" and, where it can, "but not
//! these". Named `Syntax`, not format, so it is not confused with log formats (`formats/`),
//! report exporters or `signatures export` formats. One file per family: `dns` (hosts file,
//! dnsmasq, unbound, BIND RPZ), `adblock` (Pi-hole, AdGuard), `proxy` (squid, PAN-OS EDL,
//! Zscaler), `plain` (the catalogue's own syntax).

mod adblock;
mod dns;
mod plain;
mod proxy;

use super::Options;
use super::cover::Cover;
use crate::signatures::Shape;

/// A rule as a syntax writes it.
#[derive(Clone, Debug)]
pub struct Written {
    /// The lines of the rule.
    pub lines: Vec<String>,
    /// The hosts the written rule reaches (may be wider or narrower than the pattern).
    pub(in crate::blocklist) cover: Cover,
    /// Names the rule occupies (a zone, an owner name, a domain): a block and an allow-rule on
    /// the same name cannot both be written.
    pub(in crate::blocklist) keys: Vec<String>,
    /// How the written rule differs from the pattern, said in a comment.
    pub note: Option<String>,
}

impl Written {
    fn new(lines: Vec<String>, key: &str, cover: Cover) -> Written {
        Written {
            lines,
            cover,
            keys: vec![key.to_string()],
            note: None,
        }
    }

    /// Says how the written rule differs from the pattern.
    pub(in crate::blocklist) fn note(mut self, note: impl Into<String>) -> Written {
        self.note = Some(note.into());
        self
    }
}

/// One blocklist syntax. Rules are asked for by a pattern's [`Shape`] and host part
/// ([`Pattern::host`](crate::signatures::Pattern::host): the text without `=`, so `*.x` for a
/// subdomains-only pattern).
pub trait Syntax: Sync {
    /// `--format` name.
    fn name(&self) -> &'static str;
    /// The comment prefix, or `None` when the device reads no comments.
    fn comment(&self) -> Option<&'static str>;
    /// The block rule for a pattern, or `None` when the syntax cannot express it.
    fn block(&self, shape: Shape, host: &str) -> Option<Written>;
    /// The allow-rule that exempts an allowed pattern, or `None` (no allow-rules, or not this
    /// kind).
    fn allow(&self, _shape: Shape, _host: &str) -> Option<Written> {
        None
    }
    /// Lines before the rules (after the comment header).
    fn preamble(&self, _opts: &Options) -> Vec<String> {
        Vec::new()
    }
    /// Lines after the rules, given every rule line written.
    fn epilogue(&self, _lines: &[String]) -> Vec<String> {
        Vec::new()
    }
    /// Whether two block rules where one covers the other are an error (squid).
    fn rejects_nested(&self) -> bool {
        false
    }
}

/// Every blocklist syntax; `--format` takes these names.
pub const SYNTAXES: &[&dyn Syntax] = &[
    &dns::Hosts,
    &dns::Dnsmasq,
    &dns::Unbound,
    &dns::BindRpz,
    &adblock::Pihole,
    &adblock::Adguard,
    &proxy::SquidAcl,
    &proxy::PaloAltoEdl,
    &proxy::Zscaler,
    &plain::Plain,
];

/// A syntax by name.
pub fn by_name(name: &str) -> Option<&'static dyn Syntax> {
    SYNTAXES.iter().copied().find(|f| f.name() == name)
}

/// The domain under a subdomains-only pattern: `*.openai.azure.com` → `openai.azure.com`, for
/// syntaxes that can only block a domain with its subdomains.
fn apex(host: &str) -> &str {
    host.strip_prefix("*.").unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_syntax_is_named_once() {
        let names: BTreeSet<&str> = SYNTAXES.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), SYNTAXES.len());
        assert!(by_name("bind-rpz").is_some() && by_name("nope").is_none());
    }
}
