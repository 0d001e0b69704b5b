//! Resolver syntaxes: the hosts file, dnsmasq, unbound and a BIND response policy zone. A DNS
//! block answers for a name (and, in most, the names below it); allow-rules are the resolver's
//! own "resolve this normally" for a more specific name.

use super::{Cover, Options, Shape, Syntax, Written, apex};

/// `/etc/hosts` lines (`0.0.0.0 host`), read by every OS resolver and by Pi-hole/AdGuard as
/// hosts lists. A hosts file names exact hosts only: a suffix pattern blocks the host itself,
/// not its subdomains (use a DNS syntax for those); wildcards cannot be written.
pub struct Hosts;
impl Syntax for Hosts {
    fn name(&self) -> &'static str {
        "hosts"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        match shape {
            Shape::Exact => Some(Written::new(
                vec![format!("0.0.0.0 {h}")],
                h,
                Cover::new(h, false),
            )),
            Shape::Suffix => Some(
                Written::new(vec![format!("0.0.0.0 {h}")], h, Cover::new(h, false))
                    .note("hosts files match exact names: subdomains are not blocked"),
            ),
            _ => None,
        }
    }
}

/// dnsmasq `address=/domain/#` (the NULL address for A and AAAA; `address=/d/0.0.0.0` alone
/// sends AAAA queries upstream since 2.86). A domain covers its subdomains; `/*.d/` only the
/// subdomains; `*` may only start a pattern. Allow-rule: `server=/d/#` ("use the standard
/// servers"); the more specific domain wins (dnsmasq(8), --server and --address).
pub struct Dnsmasq;
impl Syntax for Dnsmasq {
    fn name(&self) -> &'static str {
        "dnsmasq"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        let rule = |d: &str| vec![format!("address=/{d}/#")];
        match shape {
            Shape::Suffix | Shape::SubOnly => Some(Written::new(rule(h), h, Cover::new(h, true))),
            Shape::Exact => Some(
                Written::new(rule(h), h, Cover::new(h, true))
                    .note("dnsmasq matches subdomains too: they are blocked as well"),
            ),
            Shape::Glob { leading: true } if h.starts_with('*') => {
                Some(Written::new(rule(h), h, Cover::new(h, true)))
            }
            Shape::Glob { .. } => None,
        }
    }
    fn allow(&self, shape: Shape, h: &str) -> Option<Written> {
        let rule = |d: &str| vec![format!("server=/{d}/#")];
        match shape {
            Shape::Suffix | Shape::Exact | Shape::SubOnly => {
                Some(Written::new(rule(h), h, Cover::new(h, true)))
            }
            Shape::Glob { .. } => None,
        }
    }
}

/// unbound `local-zone: "d." always_nxdomain` (the zone and everything below it), exact hosts
/// as `local-data` answering 0.0.0.0 / :: (an implicit transparent zone: subdomains resolve),
/// allow-rules as `transparent` zones (the closest zone wins); unbound.conf(5) local-zone.
/// unbound cannot block only the subdomains of a zone: `*.x` also blocks `x` itself.
pub struct Unbound;
impl Syntax for Unbound {
    fn name(&self) -> &'static str {
        "unbound"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        let zone = |d: &str| vec![format!("    local-zone: \"{d}.\" always_nxdomain")];
        match shape {
            Shape::Suffix => Some(Written::new(zone(h), h, Cover::new(h, true))),
            Shape::Exact => Some(Written::new(
                vec![
                    format!("    local-data: \"{h}. A 0.0.0.0\""),
                    format!("    local-data: \"{h}. AAAA ::\""),
                ],
                h,
                Cover::new(h, false),
            )),
            Shape::SubOnly => {
                let t = apex(h);
                Some(Written::new(zone(t), t, Cover::new(t, true)).note(format!(
                    "unbound zones include their apex: {t} is blocked too"
                )))
            }
            Shape::Glob { .. } => None,
        }
    }
    fn allow(&self, shape: Shape, h: &str) -> Option<Written> {
        match shape {
            Shape::Suffix | Shape::Exact => Some(Written::new(
                vec![format!("    local-zone: \"{h}.\" transparent")],
                h,
                Cover::new(h, true),
            )),
            _ => None,
        }
    }
    fn preamble(&self, _opts: &Options) -> Vec<String> {
        vec!["server:".to_string()]
    }
}

/// A BIND response policy zone: `name CNAME .` (NXDOMAIN) plus `*.name CNAME .` for
/// subdomains, `rpz-passthru.` for allowed names; an exact owner name beats a wildcard and a
/// longer wildcard a shorter one (BIND 9 ARM, Response Policy Zones). Owner names are relative
/// to the zone, whatever its name in named.conf. A wildcard can only be a whole first label.
pub struct BindRpz;
impl Syntax for BindRpz {
    fn name(&self) -> &'static str {
        "bind-rpz"
    }
    fn comment(&self) -> Option<&'static str> {
        Some(";")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        rpz(shape, h, ".")
    }
    fn allow(&self, shape: Shape, h: &str) -> Option<Written> {
        rpz(shape, h, "rpz-passthru.")
    }
    fn preamble(&self, opts: &Options) -> Vec<String> {
        vec![
            "$TTL 300".to_string(),
            format!(
                "@ IN SOA localhost. hostmaster.localhost. ( {} 3600 600 604800 300 )",
                opts.serial
            ),
            "  IN NS localhost.".to_string(),
        ]
    }
}

fn rpz(shape: Shape, h: &str, target: &str) -> Option<Written> {
    let line = |owner: &str| format!("{owner} CNAME {target}");
    match shape {
        Shape::Exact => Some(Written::new(vec![line(h)], h, Cover::new(h, false))),
        Shape::Suffix => {
            let wild = format!("*.{h}");
            let mut w = Written::new(vec![line(h), line(&wild)], h, Cover::new(h, true));
            w.keys.push(wild);
            Some(w)
        }
        Shape::SubOnly => Some(Written::new(vec![line(h)], h, Cover::new(h, true))),
        Shape::Glob { .. } => None,
    }
}
