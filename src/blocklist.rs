//! `shadowai blocklist`: the host patterns of the tools the policy refuses, written in the syntax
//! of the device that enforces the refusal (DNS resolver, proxy, firewall, filter list).
//!
//! After the audit the policy takes effect: tier-4 tools are blocked at the proxy and DNS. Each
//! [`Format`] turns one catalogue pattern kind (`host`, `=host`, `*.x`, `x.*.y`, `*-x.y`) into its
//! device's rule, or says it cannot; what it cannot express goes into a comment (or, for
//! formats without comments, onto stderr) — never silently dropped.
//!
//! Overlaps: a host belongs to the tool whose *most specific* pattern matches it (the scan's
//! rule, `signatures/README.md`). A blocked tool's `openai.com` written as a suffix rule would
//! also block an allowed tool's `api.openai.com`, so for every allowed pattern that a written
//! block rule reaches and that would win the match, the format writes an allow-rule (unbound
//! `transparent`, RPZ `rpz-passthru.`, dnsmasq `server=/…/#`, adblock `@@`, a squid allow ACL);
//! a format without allow-rules narrows the block to the exact host when that is safe, else
//! lists the blocked pattern in a comment as not safely blockable. The allowed tool always wins.
//!
//! Syntax sources, per format, are cited on each format's `about`; see docs/blocklists.md.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::policy::{Policy, Tier};
use crate::signatures::{Catalogue, ToolId};

/// One catalogue pattern, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `=host`: that host only.
    Exact(String),
    /// `host`: the host and its subdomains.
    Suffix(String),
    /// `*.tail`: every strict subdomain of `tail` (the wildcard is a whole first label).
    SubOnly(String),
    /// Any other wildcard (`*-aiplatform.googleapis.com`, `bedrock-runtime.*.amazonaws.com`),
    /// with subdomains; `leading` when only the first label holds the `*`.
    Glob {
        /// The pattern as written.
        text: String,
        /// Only the first label has a wildcard.
        leading: bool,
    },
}

impl Shape {
    /// Classifies a catalogue pattern.
    pub fn parse(pattern: &str) -> Shape {
        if let Some(host) = pattern.strip_prefix('=') {
            return Shape::Exact(host.to_string());
        }
        if !pattern.contains('*') {
            return Shape::Suffix(pattern.to_string());
        }
        let (first, rest) = pattern.split_once('.').unwrap_or((pattern, ""));
        if first == "*" && !rest.contains('*') {
            return Shape::SubOnly(rest.to_string());
        }
        Shape::Glob {
            text: pattern.to_string(),
            leading: first.contains('*') && !rest.contains('*'),
        }
    }

    /// The hosts it matches, as a coverage.
    fn cover(&self) -> Cover {
        match self {
            Shape::Exact(h) => Cover::new(h, false),
            Shape::Suffix(h) => Cover::new(h, true),
            Shape::SubOnly(t) => Cover::new(&format!("*.{t}"), true),
            Shape::Glob { text, .. } => Cover::new(text, true),
        }
    }

    /// The matcher's specificity (more labels, then more literal labels, then exact), so the
    /// overlap rule agrees with how a scan attributes a host.
    fn rank(&self) -> (usize, usize, bool) {
        let c = self.cover();
        let literal = c.labels.iter().filter(|l| !l.contains('*')).count();
        (c.labels.len(), literal, matches!(self, Shape::Exact(_)))
    }
}

/// A set of hosts: labels (right to left compared) with optional `*` globs, plus subdomains.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cover {
    labels: Vec<String>,
    subdomains: bool,
}

impl Cover {
    fn new(host: &str, subdomains: bool) -> Cover {
        Cover {
            labels: host.split('.').map(str::to_string).collect(),
            subdomains,
        }
    }

    /// Whether some host is in both (conservative: two globs in one position may meet).
    fn meets(&self, other: &Cover) -> bool {
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
    fn within(&self, other: &Cover) -> bool {
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

/// A rule as a format writes it.
#[derive(Clone, Debug)]
pub struct Written {
    /// The lines of the rule.
    pub lines: Vec<String>,
    /// The hosts the written rule reaches (may be wider or narrower than the pattern).
    cover: Cover,
    /// Names the rule occupies (a zone, an owner name, a domain): a block and an allow-rule on
    /// the same name cannot both be written.
    keys: Vec<String>,
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

    fn note(mut self, note: impl Into<String>) -> Written {
        self.note = Some(note.into());
        self
    }
}

/// One blocklist syntax.
pub trait Format: Sync {
    /// `--format` name.
    fn name(&self) -> &'static str;
    /// One line: what device reads it, and the documentation the syntax follows.
    fn about(&self) -> &'static str;
    /// The comment prefix, or `None` when the device reads no comments.
    fn comment(&self) -> Option<&'static str>;
    /// The block rule for a pattern, or `None` when the syntax cannot express it.
    fn block(&self, shape: &Shape) -> Option<Written>;
    /// The allow-rule that exempts an allowed pattern, or `None` (no allow-rules, or not this
    /// kind).
    fn allow(&self, _shape: &Shape) -> Option<Written> {
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

/// Every blocklist format; `--format` takes these names.
pub const FORMATS: &[&dyn Format] = &[
    &Hosts,
    &Dnsmasq,
    &Unbound,
    &BindRpz,
    &Pihole,
    &Adguard,
    &SquidAcl,
    &PaloAltoEdl,
    &Zscaler,
    &Plain,
];

/// A format by name.
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// Settings of one blocklist run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Tiers to block (4 by default).
    pub tiers: Vec<Tier>,
    /// RPZ SOA serial.
    pub serial: u32,
    /// Where the register came from, for the header.
    pub register: String,
    /// Catalogue version, for the header.
    pub catalogue: String,
}

/// What a run wrote and what it could not.
#[derive(Debug, Default)]
pub struct Output {
    /// The file's text.
    pub text: String,
    /// Block rules written.
    pub blocked: usize,
    /// Allow-rules written for allowed tools.
    pub exceptions: usize,
    /// Patterns not written (not expressible, or not safely blockable), with the reason.
    pub skipped: Vec<String>,
    /// Patterns written differently from the catalogue (wider or narrower), with how.
    pub notes: Vec<String>,
}

struct Pat<'a> {
    tool: ToolId,
    text: &'a str,
    shape: Shape,
}

/// Builds the blocklist: patterns of tools whose tier is in `opts.tiers`, minus what an
/// allowed tool owns.
pub fn build(
    format: &dyn Format,
    catalogue: &Catalogue,
    policy: &Policy,
    opts: &Options,
) -> Output {
    let blocked_tool = |t: ToolId| opts.tiers.contains(&policy.tier(t));
    let mut blocked: Vec<Pat> = Vec::new();
    let mut allowed: Vec<Pat> = Vec::new();
    for p in &catalogue.patterns {
        let pat = Pat {
            tool: p.tool,
            text: &p.text,
            shape: Shape::parse(&p.text),
        };
        if blocked_tool(p.tool) {
            blocked.push(pat);
        } else {
            allowed.push(pat);
        }
    }
    let tool_id = |t: ToolId| catalogue.tools[t as usize].id.as_str();
    blocked.sort_by(|a, b| (tool_id(a.tool), a.text).cmp(&(tool_id(b.tool), b.text)));
    allowed.sort_by(|a, b| (tool_id(a.tool), a.text).cmp(&(tool_id(b.tool), b.text)));

    // Allowed patterns a written block would reach and that win the match.
    let conflicts = |w: &Written, b: &Pat| -> Vec<usize> {
        let widened = !w.cover.within(&b.shape.cover());
        allowed
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                w.cover.meets(&a.shape.cover()) && (widened || a.shape.rank() >= b.shape.rank())
            })
            .map(|(i, _)| i)
            .collect()
    };

    let mut out = Output::default();
    let mut exceptions: BTreeSet<usize> = BTreeSet::new();
    // Per blocked pattern: Ok(rule) or Err(reason).
    let mut plan: Vec<Result<Written, String>> = Vec::new();
    for b in &blocked {
        let Some(w) = format.block(&b.shape) else {
            plan.push(Err(format!(
                "`{}` ({}): {} cannot express this pattern",
                b.text,
                tool_id(b.tool),
                format.name()
            )));
            continue;
        };
        let hits = conflicts(&w, b);
        if hits.is_empty() {
            plan.push(Ok(w));
            continue;
        }
        let names = |hits: &[usize]| {
            hits.iter()
                .map(|&i| format!("{} ({})", allowed[i].text, tool_id(allowed[i].tool)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if hits
            .iter()
            .all(|&i| format.allow(&allowed[i].shape).is_some())
        {
            exceptions.extend(hits);
            plan.push(Ok(w));
            continue;
        }
        // No allow-rule: narrow a suffix block to its exact host, if that is safe.
        let narrowed = match &b.shape {
            Shape::Suffix(h) => format
                .block(&Shape::Exact(h.clone()))
                .filter(|n| conflicts(n, b).is_empty()),
            _ => None,
        };
        match narrowed {
            Some(n) => plan.push(Ok(n.note(format!(
                "narrowed to the exact host: its subdomains include allowed {}",
                names(&hits)
            )))),
            None => plan.push(Err(format!(
                "`{}` ({}): not safely blockable in {}: it would block allowed {}",
                b.text,
                tool_id(b.tool),
                format.name(),
                names(&hits)
            ))),
        }
    }
    let allow_rules: Vec<(usize, Written)> = exceptions
        .iter()
        .filter_map(|&i| format.allow(&allowed[i].shape).map(|w| (i, w)))
        .collect();
    let allow_keys: BTreeSet<&str> = allow_rules
        .iter()
        .flat_map(|(_, w)| w.keys.iter().map(String::as_str))
        .collect();
    // A block on the very name an allow-rule needs cannot be written beside it.
    for (b, p) in blocked.iter().zip(plan.iter_mut()) {
        if let Ok(w) = p
            && w.keys.iter().any(|k| allow_keys.contains(k.as_str()))
        {
            *p = Err(format!(
                "`{}` ({}): not safely blockable in {}: an allowed tool needs the same name",
                b.text,
                tool_id(b.tool),
                format.name()
            ));
        }
    }
    // Squid refuses a domain inside another of the same ACL: keep the widest.
    if format.rejects_nested() {
        let covers: Vec<Option<Cover>> = plan
            .iter()
            .map(|p| p.as_ref().ok().map(|w| w.cover.clone()))
            .collect();
        for (i, p) in plan.iter_mut().enumerate() {
            let Ok(w) = p else { continue };
            let outer = covers.iter().enumerate().find(|(j, c)| {
                *j != i
                    && c.as_ref()
                        .is_some_and(|c| w.cover.within(c) && (!c.within(&w.cover) || *j < i))
            });
            if let Some((j, _)) = outer {
                *p = Err(format!(
                    "`{}` ({}): already covered by `{}`",
                    blocked[i].text,
                    tool_id(blocked[i].tool),
                    blocked[j].text
                ));
            }
        }
    }

    let c = format.comment();
    let mut text = String::new();
    if let Some(c) = c {
        let tiers: Vec<String> = opts.tiers.iter().map(Tier::to_string).collect();
        let _ = writeln!(
            text,
            "{c} shadowai blocklist, format {}: tools at tier {} (unregistered tools are tier 4)",
            format.name(),
            tiers.join(",")
        );
        let _ = writeln!(
            text,
            "{c} register: {}; catalogue {}",
            opts.register, opts.catalogue
        );
        let _ = writeln!(
            text,
            "{c} allowed tools always win an overlap: allow-rules or comments below say where"
        );
    }
    for l in format.preamble(opts) {
        text.push_str(&l);
        text.push('\n');
    }
    let mut body: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut last_tool = None;
    for (b, p) in blocked.iter().zip(&plan) {
        if let Some(c) = c
            && last_tool != Some(b.tool)
        {
            let t = &catalogue.tools[b.tool as usize];
            let reg = if policy.registered(b.tool) {
                "registered"
            } else {
                "unregistered"
            };
            body.push(format!(
                "{c} {} ({}, {}): tier {}, {reg}",
                t.id,
                t.name,
                t.vendor,
                policy.tier(b.tool)
            ));
            last_tool = Some(b.tool);
        }
        match p {
            Ok(w) => {
                if let Some(n) = &w.note {
                    out.notes.push(format!("`{}`: {n}", b.text));
                    if let Some(c) = c {
                        body.push(format!("{c} {}: {n}", b.text));
                    }
                }
                for l in &w.lines {
                    if seen.insert(l.clone()) {
                        body.push(l.clone());
                    }
                }
                out.blocked += 1;
            }
            Err(why) => {
                if let Some(c) = c {
                    body.push(format!("{c} not listed: {why}"));
                }
                out.skipped.push(why.clone());
            }
        }
    }
    if !allow_rules.is_empty() {
        if let Some(c) = c {
            body.push(format!(
                "{c} allowed tools inside blocked domains: the allowed tool wins"
            ));
        }
        for (i, w) in &allow_rules {
            if let Some(c) = c {
                body.push(format!(
                    "{c} {} allowed (tier {})",
                    allowed[*i].text,
                    policy.tier(allowed[*i].tool)
                ));
            }
            for l in &w.lines {
                if seen.insert(l.clone()) {
                    body.push(l.clone());
                }
            }
            out.exceptions += 1;
        }
    }
    let epilogue = format.epilogue(&body);
    for l in body.iter().chain(&epilogue) {
        text.push_str(l);
        text.push('\n');
    }
    out.text = text;
    out
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

/// `/etc/hosts` lines (`0.0.0.0 host`), read by every OS resolver and by Pi-hole/AdGuard as
/// hosts lists. A hosts file names exact hosts only: a suffix pattern blocks the host itself,
/// not its subdomains (use a DNS format for those); wildcards cannot be written.
pub struct Hosts;
impl Format for Hosts {
    fn name(&self) -> &'static str {
        "hosts"
    }
    fn about(&self) -> &'static str {
        "hosts file, `0.0.0.0 host` (exact names only; hosts(5))"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        match shape {
            Shape::Exact(h) => Some(Written::new(
                vec![format!("0.0.0.0 {h}")],
                h,
                Cover::new(h, false),
            )),
            Shape::Suffix(h) => Some(
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
impl Format for Dnsmasq {
    fn name(&self) -> &'static str {
        "dnsmasq"
    }
    fn about(&self) -> &'static str {
        "dnsmasq `address=/domain/#` (NULL A and AAAA), `server=/domain/#` exceptions; dnsmasq(8)"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        let rule = |d: &str| vec![format!("address=/{d}/#")];
        match shape {
            Shape::Suffix(h) => Some(Written::new(rule(h), h, Cover::new(h, true))),
            Shape::Exact(h) => Some(
                Written::new(rule(h), h, Cover::new(h, true))
                    .note("dnsmasq matches subdomains too: they are blocked as well"),
            ),
            Shape::SubOnly(t) => {
                let d = format!("*.{t}");
                Some(Written::new(rule(&d), &d, Cover::new(&d, true)))
            }
            Shape::Glob {
                text,
                leading: true,
            } if text.starts_with('*') => {
                Some(Written::new(rule(text), text, Cover::new(text, true)))
            }
            Shape::Glob { .. } => None,
        }
    }
    fn allow(&self, shape: &Shape) -> Option<Written> {
        let rule = |d: &str| vec![format!("server=/{d}/#")];
        match shape {
            Shape::Suffix(h) | Shape::Exact(h) => {
                Some(Written::new(rule(h), h, Cover::new(h, true)))
            }
            Shape::SubOnly(t) => {
                let d = format!("*.{t}");
                Some(Written::new(rule(&d), &d, Cover::new(&d, true)))
            }
            _ => None,
        }
    }
}

/// unbound `local-zone: "d." always_nxdomain` (the zone and everything below it), exact hosts
/// as `local-data` answering 0.0.0.0 / :: (an implicit transparent zone: subdomains resolve),
/// allow-rules as `transparent` zones (the closest zone wins); unbound.conf(5) local-zone.
/// unbound cannot block only the subdomains of a zone: `*.x` also blocks `x` itself.
pub struct Unbound;
impl Format for Unbound {
    fn name(&self) -> &'static str {
        "unbound"
    }
    fn about(&self) -> &'static str {
        "unbound `local-zone: \"d.\" always_nxdomain`, `transparent` exceptions; unbound.conf(5)"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        let zone = |d: &str| vec![format!("    local-zone: \"{d}.\" always_nxdomain")];
        match shape {
            Shape::Suffix(h) => Some(Written::new(zone(h), h, Cover::new(h, true))),
            Shape::Exact(h) => Some(Written::new(
                vec![
                    format!("    local-data: \"{h}. A 0.0.0.0\""),
                    format!("    local-data: \"{h}. AAAA ::\""),
                ],
                h,
                Cover::new(h, false),
            )),
            Shape::SubOnly(t) => Some(Written::new(zone(t), t, Cover::new(t, true)).note(format!(
                "unbound zones include their apex: {t} is blocked too"
            ))),
            Shape::Glob { .. } => None,
        }
    }
    fn allow(&self, shape: &Shape) -> Option<Written> {
        match shape {
            Shape::Suffix(h) | Shape::Exact(h) => Some(Written::new(
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
impl Format for BindRpz {
    fn name(&self) -> &'static str {
        "bind-rpz"
    }
    fn about(&self) -> &'static str {
        "BIND response policy zone (RPZ): SOA, NS, `name CNAME .` and `*.name CNAME .`; BIND 9 ARM"
    }
    fn comment(&self) -> Option<&'static str> {
        Some(";")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        rpz(shape, ".")
    }
    fn allow(&self, shape: &Shape) -> Option<Written> {
        rpz(shape, "rpz-passthru.")
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

fn rpz(shape: &Shape, target: &str) -> Option<Written> {
    let line = |owner: &str| format!("{owner} CNAME {target}");
    match shape {
        Shape::Exact(h) => Some(Written::new(vec![line(h)], h, Cover::new(h, false))),
        Shape::Suffix(h) => {
            let wild = format!("*.{h}");
            let mut w = Written::new(vec![line(h), line(&wild)], h, Cover::new(h, true));
            w.keys.push(wild);
            Some(w)
        }
        Shape::SubOnly(t) => {
            let wild = format!("*.{t}");
            Some(Written::new(
                vec![line(&wild)],
                &wild,
                Cover::new(&wild, true),
            ))
        }
        Shape::Glob { .. } => None,
    }
}

/// Pi-hole adlist: `||domain^` (domain and subdomains) and plain `domain` (exact), the only
/// adblock syntax Pi-hole's gravity reads; no wildcards and no `@@` exceptions in a blocklist
/// (Pi-hole docs, "ABP-style" adlists).
pub struct Pihole;
impl Format for Pihole {
    fn name(&self) -> &'static str {
        "pihole"
    }
    fn about(&self) -> &'static str {
        "Pi-hole adlist: `||domain^` and exact `domain` lines (no wildcards, no exceptions)"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        match shape {
            Shape::Exact(h) => Some(Written::new(vec![h.clone()], h, Cover::new(h, false))),
            Shape::Suffix(h) => Some(Written::new(
                vec![format!("||{h}^")],
                h,
                Cover::new(h, true),
            )),
            Shape::SubOnly(t) => Some(
                Written::new(vec![format!("||{t}^")], t, Cover::new(t, true)).note(format!(
                    "Pi-hole has no subdomain-only rule: {t} is blocked too"
                )),
            ),
            Shape::Glob { .. } => None,
        }
    }
}

/// AdGuard Home / AdGuard DNS filter list: `||domain^` (domain and subdomains), `|domain^`
/// (exact), `*` wildcards, `@@` exceptions that win over blocks (AdGuard Home wiki, "Hosts
/// Blocklists"). A `*` there may span dots, so `a.*.b` also reaches deeper names.
pub struct Adguard;
impl Format for Adguard {
    fn name(&self) -> &'static str {
        "adguard"
    }
    fn about(&self) -> &'static str {
        "AdGuard Home filter list: `||domain^`, `|exact^`, `*` wildcards, `@@` exceptions"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("!")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        adblock(shape, "")
    }
    fn allow(&self, shape: &Shape) -> Option<Written> {
        adblock(shape, "@@")
    }
}

fn adblock(shape: &Shape, prefix: &str) -> Option<Written> {
    Some(match shape {
        Shape::Exact(h) => Written::new(vec![format!("{prefix}|{h}^")], h, Cover::new(h, false)),
        Shape::Suffix(h) => Written::new(vec![format!("{prefix}||{h}^")], h, Cover::new(h, true)),
        Shape::SubOnly(t) => {
            let d = format!("*.{t}");
            Written::new(vec![format!("{prefix}||{d}^")], &d, Cover::new(&d, true))
        }
        Shape::Glob { text, leading } => {
            let w = Written::new(
                vec![format!("{prefix}||{text}^")],
                text,
                Cover::new(text, true),
            );
            if *leading {
                w
            } else {
                w.note("an adblock `*` may span dots: deeper names match too")
            }
        }
    })
}

/// A squid.conf snippet: `dstdomain` ACLs (`.d` = the domain and its subdomains, `d` = that
/// host), `dstdom_regex` for wildcards, and the `http_access deny` line with the allow ACLs as
/// exceptions (squid.conf.documented, acl). A domain may not be listed inside another of the
/// same ACL, so the wider one is kept. `include` it before your `http_access allow` lines.
pub struct SquidAcl;
impl Format for SquidAcl {
    fn name(&self) -> &'static str {
        "squid-acl"
    }
    fn about(&self) -> &'static str {
        "squid.conf snippet: `acl … dstdomain .domain`, `dstdom_regex` wildcards, `http_access deny`"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        squid(shape, "shadowai_block")
    }
    fn allow(&self, shape: &Shape) -> Option<Written> {
        squid(shape, "shadowai_allow")
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

fn squid(shape: &Shape, acl: &str) -> Option<Written> {
    Some(match shape {
        Shape::Exact(h) => Written::new(
            vec![format!("acl {acl} dstdomain {h}")],
            h,
            Cover::new(h, false),
        ),
        Shape::Suffix(h) => Written::new(
            vec![format!("acl {acl} dstdomain .{h}")],
            h,
            Cover::new(h, true),
        ),
        Shape::SubOnly(_) | Shape::Glob { .. } => {
            let c = shape.cover();
            let text = c.labels.join(".");
            Written::new(
                vec![format!(
                    "acl {acl}_re dstdom_regex -i {}",
                    regex_of(&text, true)
                )],
                &text,
                c,
            )
        }
    })
}

/// PAN-OS External Dynamic List of type Domain (PAN-OS 9.0+): `*.d` matches the subdomains of
/// `d` at any depth but not `d`, `^d` matches `d` only; `*` must be a whole, leading token
/// ("Formatting Guidelines for an External Dynamic List", Domain List). One entry per line,
/// no comments; what cannot be written is reported on stderr.
pub struct PaloAltoEdl;
impl Format for PaloAltoEdl {
    fn name(&self) -> &'static str {
        "paloalto-edl"
    }
    fn about(&self) -> &'static str {
        "PAN-OS domain EDL: `d` + `*.d` per domain, `^d` exact, `*.d` subdomains (PAN-OS 9.0+)"
    }
    fn comment(&self) -> Option<&'static str> {
        None
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        match shape {
            Shape::Exact(h) => Some(Written::new(vec![format!("^{h}")], h, Cover::new(h, false))),
            Shape::Suffix(h) => Some(Written::new(
                vec![format!("^{h}"), format!("*.{h}")],
                h,
                Cover::new(h, true),
            )),
            Shape::SubOnly(t) => {
                let d = format!("*.{t}");
                Some(Written::new(vec![d.clone()], &d, Cover::new(&d, true)))
            }
            Shape::Glob { .. } => None,
        }
    }
}

/// Zscaler ZIA custom URL category: `.d` matches `d` and its subdomains, `d` that host only
/// (ZIA help, "Guidelines for URL Formatting"). No mid-name wildcards, no comments, no
/// exceptions; `*.x` is written `.x`, which also covers `x`.
pub struct Zscaler;
impl Format for Zscaler {
    fn name(&self) -> &'static str {
        "zscaler"
    }
    fn about(&self) -> &'static str {
        "Zscaler ZIA custom URL category list: `.domain` (with subdomains), `host` (exact)"
    }
    fn comment(&self) -> Option<&'static str> {
        None
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        match shape {
            Shape::Exact(h) => Some(Written::new(vec![h.clone()], h, Cover::new(h, false))),
            Shape::Suffix(h) => Some(Written::new(vec![format!(".{h}")], h, Cover::new(h, true))),
            Shape::SubOnly(t) => Some(
                Written::new(vec![format!(".{t}")], t, Cover::new(t, true)).note(format!(
                    "ZIA has no subdomain-only entry: {t} is blocked too"
                )),
            ),
            Shape::Glob { .. } => None,
        }
    }
}

/// The catalogue's own pattern syntax (signatures/README.md), one per line: for scripts and
/// devices this tool does not know yet.
pub struct Plain;
impl Format for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }
    fn about(&self) -> &'static str {
        "one catalogue pattern per line (`host`, `=host`, `*` globs; signatures/README.md)"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: &Shape) -> Option<Written> {
        let (text, cover) = match shape {
            Shape::Exact(h) => (format!("={h}"), shape.cover()),
            Shape::Suffix(h) => (h.clone(), shape.cover()),
            Shape::SubOnly(t) => (format!("*.{t}"), shape.cover()),
            Shape::Glob { text, .. } => (text.clone(), shape.cover()),
        };
        Some(Written::new(vec![text.clone()], &text, cover))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(Shape::parse("=a.b.c"), Shape::Exact("a.b.c".into()));
        assert_eq!(Shape::parse("a.b"), Shape::Suffix("a.b".into()));
        assert_eq!(
            Shape::parse("*.openai.azure.com"),
            Shape::SubOnly("openai.azure.com".into())
        );
        assert!(matches!(
            Shape::parse("*-aiplatform.googleapis.com"),
            Shape::Glob { leading: true, .. }
        ));
        assert!(matches!(
            Shape::parse("bedrock-runtime.*.amazonaws.com"),
            Shape::Glob { leading: false, .. }
        ));
    }

    #[test]
    fn covers_meet_and_nest() {
        let openai = Shape::parse("openai.com").cover();
        let api = Shape::parse("api.openai.com").cover();
        let exact = Shape::parse("=openai.com").cover();
        let azure = Shape::parse("*.openai.azure.com").cover();
        assert!(openai.meets(&api) && api.meets(&openai));
        assert!(api.within(&openai) && !openai.within(&api));
        assert!(exact.within(&openai) && !exact.meets(&api));
        assert!(!azure.meets(&Cover::new("openai.azure.com", false)));
        assert!(azure.meets(&Cover::new("x.openai.azure.com", false)));
        let vertex = Shape::parse("*-aiplatform.googleapis.com").cover();
        assert!(vertex.meets(&Cover::new("us-central1-aiplatform.googleapis.com", false)));
        assert!(!vertex.meets(&Cover::new("aiplatform.googleapis.com", true)));
    }

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

    #[test]
    fn every_format_is_named_once() {
        let names: BTreeSet<&str> = FORMATS.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), FORMATS.len());
        assert!(by_name("bind-rpz").is_some() && by_name("nope").is_none());
    }
}
