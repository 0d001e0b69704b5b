//! Adblock-style DNS filter lists: `||domain^` rules as Pi-hole's gravity and AdGuard Home
//! read them. Pi-hole takes the bare subset; AdGuard adds wildcards and `@@` exceptions.

use super::{Cover, Shape, Syntax, Written, apex};

/// Pi-hole adlist: `||domain^` (domain and subdomains) and plain `domain` (exact), the only
/// adblock syntax Pi-hole's gravity reads; no wildcards and no `@@` exceptions in a blocklist
/// (Pi-hole docs, "ABP-style" adlists).
pub struct Pihole;
impl Syntax for Pihole {
    fn name(&self) -> &'static str {
        "pihole"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        match shape {
            Shape::Exact => Some(Written::new(vec![h.to_string()], h, Cover::new(h, false))),
            Shape::Suffix => Some(Written::new(
                vec![format!("||{h}^")],
                h,
                Cover::new(h, true),
            )),
            Shape::SubOnly => {
                let t = apex(h);
                Some(
                    Written::new(vec![format!("||{t}^")], t, Cover::new(t, true)).note(format!(
                        "Pi-hole has no subdomain-only rule: {t} is blocked too"
                    )),
                )
            }
            Shape::Glob { .. } => None,
        }
    }
}

/// AdGuard Home / AdGuard DNS filter list: `||domain^` (domain and subdomains), `|domain^`
/// (exact), `*` wildcards, `@@` exceptions that win over blocks (AdGuard Home wiki, "Hosts
/// Blocklists"). A `*` there may span dots, so `a.*.b` also reaches deeper names.
pub struct Adguard;
impl Syntax for Adguard {
    fn name(&self) -> &'static str {
        "adguard"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("!")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        Some(adblock(shape, h, ""))
    }
    fn allow(&self, shape: Shape, h: &str) -> Option<Written> {
        Some(adblock(shape, h, "@@"))
    }
}

fn adblock(shape: Shape, h: &str, prefix: &str) -> Written {
    match shape {
        Shape::Exact => Written::new(vec![format!("{prefix}|{h}^")], h, Cover::new(h, false)),
        Shape::Suffix | Shape::SubOnly | Shape::Glob { leading: true } => {
            Written::new(vec![format!("{prefix}||{h}^")], h, Cover::new(h, true))
        }
        Shape::Glob { leading: false } => {
            Written::new(vec![format!("{prefix}||{h}^")], h, Cover::new(h, true))
                .note("an adblock `*` may span dots: deeper names match too")
        }
    }
}
