//! Proxy and firewall lists: a squid.conf snippet, a PAN-OS External Dynamic List and a
//! Zscaler ZIA URL category. They match the requested host name, not DNS answers.

use super::{Cover, Shape, Syntax, Written, apex};

/// A squid.conf snippet: `dstdomain` ACLs (`.d` = the domain and its subdomains, `d` = that
/// host), `dstdom_regex` for wildcards, and the `http_access deny` line with the allow ACLs as
/// exceptions (squid.conf.documented, acl). A domain may not be listed inside another of the
/// same ACL, so the wider one is kept. `include` it before your `http_access allow` lines.
pub struct SquidAcl;
impl Syntax for SquidAcl {
    fn name(&self) -> &'static str {
        "squid-acl"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        Some(squid(shape, h, "shadowai_block"))
    }
    fn allow(&self, shape: Shape, h: &str) -> Option<Written> {
        Some(squid(shape, h, "shadowai_allow"))
    }
    fn rejects_nested(&self) -> bool {
        true
    }
    fn epilogue(&self, lines: &[String]) -> Vec<String> {
        let has = |acl: &str| lines.iter().any(|l| l.starts_with(&format!("acl {acl} ")));
        let allow: String = ["shadowai_allow", "shadowai_allow_re"]
            .iter()
            .filter(|a| has(a))
            .map(|a| format!(" !{a}"))
            .collect();
        ["shadowai_block", "shadowai_block_re"]
            .iter()
            .filter(|b| has(b))
            .map(|b| format!("http_access deny {b}{allow}"))
            .collect()
    }
}

fn squid(shape: Shape, h: &str, acl: &str) -> Written {
    match shape {
        Shape::Exact => Written::new(
            vec![format!("acl {acl} dstdomain {h}")],
            h,
            Cover::new(h, false),
        ),
        Shape::Suffix => Written::new(
            vec![format!("acl {acl} dstdomain .{h}")],
            h,
            Cover::new(h, true),
        ),
        Shape::SubOnly | Shape::Glob { .. } => Written::new(
            vec![format!(
                "acl {acl}_re dstdom_regex -i {}",
                regex_of(h, true)
            )],
            h,
            Cover::new(h, true),
        ),
    }
}

/// `(^|\.)label\.label$` for a glob pattern with subdomains (POSIX ERE, as squid reads it).
fn regex_of(pattern: &str, subdomains: bool) -> String {
    let labels: Vec<String> = pattern
        .split('.')
        .map(|l| match l.split_once('*') {
            None => l.to_string(),
            Some((pre, suf)) => format!("{pre}[^.]+{suf}"),
        })
        .collect();
    let body = labels.join("\\.");
    if subdomains {
        format!("(^|\\.){body}$")
    } else {
        format!("^{body}$")
    }
}

/// PAN-OS External Dynamic List of type Domain (PAN-OS 9.0+): `*.d` matches the subdomains of
/// `d` at any depth but not `d`, `^d` matches `d` only; `*` must be a whole, leading token
/// ("Formatting Guidelines for an External Dynamic List", Domain List). One entry per line,
/// no comments; what cannot be written is reported on stderr.
pub struct PaloAltoEdl;
impl Syntax for PaloAltoEdl {
    fn name(&self) -> &'static str {
        "paloalto-edl"
    }
    fn comment(&self) -> Option<&'static str> {
        None
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        match shape {
            Shape::Exact => Some(Written::new(vec![format!("^{h}")], h, Cover::new(h, false))),
            Shape::Suffix => Some(Written::new(
                vec![format!("^{h}"), format!("*.{h}")],
                h,
                Cover::new(h, true),
            )),
            Shape::SubOnly => Some(Written::new(vec![h.to_string()], h, Cover::new(h, true))),
            Shape::Glob { .. } => None,
        }
    }
}

/// Zscaler ZIA custom URL category: `.d` matches `d` and its subdomains, `d` that host only
/// (ZIA help, "Guidelines for URL Formatting"). No mid-name wildcards, no comments, no
/// exceptions; `*.x` is written `.x`, which also covers `x`.
pub struct Zscaler;
impl Syntax for Zscaler {
    fn name(&self) -> &'static str {
        "zscaler"
    }
    fn comment(&self) -> Option<&'static str> {
        None
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        match shape {
            Shape::Exact => Some(Written::new(vec![h.to_string()], h, Cover::new(h, false))),
            Shape::Suffix => Some(Written::new(vec![format!(".{h}")], h, Cover::new(h, true))),
            Shape::SubOnly => {
                let t = apex(h);
                Some(
                    Written::new(vec![format!(".{t}")], t, Cover::new(t, true)).note(format!(
                        "ZIA has no subdomain-only entry: {t} is blocked too"
                    )),
                )
            }
            Shape::Glob { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squid_regex_is_label_bound() {
        assert_eq!(
            regex_of("bedrock-runtime.*.amazonaws.com", true),
            "(^|\\.)bedrock-runtime\\.[^.]+\\.amazonaws\\.com$"
        );
        assert_eq!(
            regex_of("*-aiplatform.googleapis.com", true),
            "(^|\\.)[^.]+-aiplatform\\.googleapis\\.com$"
        );
    }
}
