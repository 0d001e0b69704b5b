//! Blocklists read back as the device reads them (issue 17, "blocklists that cannot
//! surprise"): every syntax's output, from the built-in catalogue and a real register, parsed
//! back into rules with the device's own matching (suffixes, wildcards, which rule wins), and
//! no host of a tool the register allows is blocked. A rule line the reader does not know
//! fails the test, so a new kind of rule cannot slip past it.

use std::path::Path;

use shadowai::blocklist::{self, Options, SYNTAXES, Syntax};
use shadowai::policy::{Policy, Tier};
use shadowai::register::Register;
use shadowai::signatures::{Catalogue, Shape};

use crate::util::repo;

/// How far a rule reaches from its name.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reach {
    /// The name only.
    Exact,
    /// The name and every name below it.
    Tree,
    /// Only the names below it.
    Below,
}

/// What a `*` in a rule's name matches.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Star {
    /// Part of one label, not empty (catalogue globs, squid's `[^.]+`).
    Label,
    /// Any text, dots included (adblock lists; dnsmasq's leading `*`, read widely).
    Any,
}

#[derive(Debug)]
struct Rule {
    name: String,
    reach: Reach,
    allow: bool,
}

/// A blocklist as its device reads it.
struct Device {
    syntax: &'static str,
    star: Star,
    rules: Vec<Rule>,
}

impl Device {
    fn read(syntax: &'static str, text: &str) -> Device {
        let star = match syntax {
            "adguard" | "dnsmasq" => Star::Any,
            _ => Star::Label,
        };
        let mut rules = Vec::new();
        let mut rule = |name: &str, reach: Reach, allow: bool| {
            rules.push(Rule {
                name: name.to_string(),
                reach,
                allow,
            })
        };
        let mut deny_lines = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let comment = match syntax {
                "bind-rpz" => ";",
                "adguard" => "!",
                "paloalto-edl" | "zscaler" => "\0",
                _ => "#",
            };
            if line.starts_with(comment) {
                continue;
            }
            match syntax {
                "hosts" => match line.strip_prefix("0.0.0.0 ") {
                    Some(h) => rule(h, Reach::Exact, false),
                    None => unknown(syntax, line),
                },
                "dnsmasq" => {
                    let (allow, rest) = match (
                        line.strip_prefix("address=/"),
                        line.strip_prefix("server=/"),
                    ) {
                        (Some(r), _) => (false, r),
                        (_, Some(r)) => (true, r),
                        _ => unknown(syntax, line),
                    };
                    match rest.strip_suffix("/#") {
                        Some(d) => rule(d, Reach::Tree, allow),
                        None => unknown(syntax, line),
                    }
                }
                "unbound" => {
                    if line == "server:" {
                        continue;
                    }
                    if let Some(rest) = line.strip_prefix("local-zone: \"") {
                        match rest.split_once(".\" ") {
                            Some((d, "always_nxdomain")) => rule(d, Reach::Tree, false),
                            Some((d, "transparent")) => rule(d, Reach::Tree, true),
                            _ => unknown(syntax, line),
                        }
                    } else if let Some(rest) = line.strip_prefix("local-data: \"") {
                        match rest.split_once(". ") {
                            Some((h, "A 0.0.0.0\"" | "AAAA ::\"")) => rule(h, Reach::Exact, false),
                            _ => unknown(syntax, line),
                        }
                    } else {
                        unknown(syntax, line)
                    }
                }
                "bind-rpz" => {
                    if line.starts_with("$TTL ")
                        || line.starts_with("@ IN SOA ")
                        || line == "IN NS localhost."
                    {
                        continue;
                    }
                    let (owner, allow) = match (
                        line.strip_suffix(" CNAME ."),
                        line.strip_suffix(" CNAME rpz-passthru."),
                    ) {
                        (Some(o), _) => (o, false),
                        (_, Some(o)) => (o, true),
                        _ => unknown(syntax, line),
                    };
                    match owner.strip_prefix("*.") {
                        Some(d) => rule(d, Reach::Below, allow),
                        None => rule(owner, Reach::Exact, allow),
                    }
                }
                "pihole" => match line.strip_prefix("||").and_then(|l| l.strip_suffix('^')) {
                    Some(d) => rule(d, Reach::Tree, false),
                    None if !line.contains(['|', '^', '*', '@']) => rule(line, Reach::Exact, false),
                    None => unknown(syntax, line),
                },
                "adguard" => {
                    let (allow, l) = match line.strip_prefix("@@") {
                        Some(l) => (true, l),
                        None => (false, line),
                    };
                    match (
                        l.strip_prefix("||").and_then(|l| l.strip_suffix('^')),
                        l.strip_prefix('|').and_then(|l| l.strip_suffix('^')),
                    ) {
                        (Some(d), _) => rule(d, Reach::Tree, allow),
                        (_, Some(h)) => rule(h, Reach::Exact, allow),
                        _ => unknown(syntax, line),
                    }
                }
                "squid-acl" => {
                    if line.starts_with("http_access deny ") {
                        deny_lines.push(line.to_string());
                        continue;
                    }
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let allow = match words.get(1) {
                        Some(&("shadowai_block" | "shadowai_block_re")) => false,
                        Some(&("shadowai_allow" | "shadowai_allow_re")) => true,
                        _ => unknown(syntax, line),
                    };
                    match words[..] {
                        ["acl", _, "dstdomain", d] => match d.strip_prefix('.') {
                            Some(d) => rule(d, Reach::Tree, allow),
                            None => rule(d, Reach::Exact, allow),
                        },
                        ["acl", _, "dstdom_regex", "-i", re] => {
                            // The one regex form written: `(^|\.)` labels `$`, `[^.]+` a glob.
                            let glob = re
                                .strip_prefix("(^|\\.)")
                                .and_then(|r| r.strip_suffix('$'))
                                .map(|body| body.replace("[^.]+", "*").replace("\\.", "."))
                                .filter(|g| {
                                    g.bytes().all(|c| {
                                        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'*')
                                    })
                                });
                            match glob {
                                Some(glob) => rule(&glob, Reach::Tree, allow),
                                None => unknown(syntax, line),
                            }
                        }
                        _ => unknown(syntax, line),
                    }
                }
                "paloalto-edl" => match (line.strip_prefix('^'), line.strip_prefix("*.")) {
                    (Some(h), _) => rule(h, Reach::Exact, false),
                    (_, Some(d)) => rule(d, Reach::Below, false),
                    // Any other entry read as widely as it could be: the name and below.
                    _ => rule(line, Reach::Tree, false),
                },
                "zscaler" => match line.strip_prefix('.') {
                    Some(d) => rule(d, Reach::Tree, false),
                    None => rule(line, Reach::Exact, false),
                },
                "plain" => match (line.strip_prefix('='), line.strip_prefix("*.")) {
                    (Some(h), _) => rule(h, Reach::Exact, false),
                    (_, Some(d)) if !d.contains('*') => rule(d, Reach::Below, false),
                    _ => rule(line, Reach::Tree, false),
                },
                other => panic!("no reader for syntax {other}: add one"),
            }
        }
        if syntax == "squid-acl" && rules.iter().any(|r| r.allow) {
            // The allow ACLs only exempt where every deny line names them.
            assert!(!deny_lines.is_empty());
            for d in &deny_lines {
                assert!(d.contains("!shadowai_allow"), "{d}");
            }
        }
        Device {
            syntax,
            star,
            rules,
        }
    }

    /// Whether `rule` reaches `host`.
    fn reaches(&self, rule: &Rule, host: &str) -> bool {
        let below = || {
            host.match_indices('.')
                .any(|(i, _)| glob(&rule.name, &host[i + 1..], self.star))
        };
        match rule.reach {
            Reach::Exact => glob(&rule.name, host, self.star),
            Reach::Tree => glob(&rule.name, host, self.star) || below(),
            Reach::Below => below(),
        }
    }

    /// Whether the device refuses `host`, by its own rule of which matching rule wins.
    fn blocks(&self, host: &str) -> bool {
        let hits: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| self.reaches(r, host))
            .collect();
        let blocked = |rules: &[&Rule]| rules.iter().any(|r| !r.allow);
        match self.syntax {
            // The most specific name wins (dnsmasq: longest domain; unbound: closest zone, but
            // `local-data` answers for its exact name whatever the zone); on a tie, the block.
            "dnsmasq" => blocked(&longest(&hits)),
            "unbound" => {
                let (data, zones): (Vec<&Rule>, Vec<&Rule>) =
                    hits.iter().partition(|r| r.reach == Reach::Exact);
                !data.is_empty() || blocked(&longest(&zones))
            }
            // RPZ: an exact owner beats any wildcard; a longer wildcard a shorter one.
            "bind-rpz" => {
                let (exact, wild): (Vec<&Rule>, Vec<&Rule>) =
                    hits.iter().partition(|r| r.reach == Reach::Exact);
                if exact.is_empty() {
                    blocked(&longest(&wild))
                } else {
                    blocked(&exact)
                }
            }
            // Exceptions (`@@`, `!shadowai_allow`) beat every block.
            "adguard" | "squid-acl" => blocked(&hits) && !hits.iter().any(|r| r.allow),
            _ => {
                assert!(
                    hits.iter().all(|r| !r.allow),
                    "{}: no allow-rules",
                    self.syntax
                );
                blocked(&hits)
            }
        }
    }
}

/// The rules with the longest name: the most specific.
fn longest<'r>(rules: &[&'r Rule]) -> Vec<&'r Rule> {
    let max = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    rules
        .iter()
        .copied()
        .filter(|r| r.name.len() == max)
        .collect()
}

fn unknown(syntax: &str, line: &str) -> ! {
    panic!("{syntax}: a rule line the reader does not know: `{line}`")
}

/// Whether `name` (with `*` as `star` reads it) is exactly `host`.
fn glob(name: &str, host: &str, star: Star) -> bool {
    match star {
        Star::Any => glob_any(name.as_bytes(), host.as_bytes()),
        Star::Label => {
            let (a, b): (Vec<&str>, Vec<&str>) =
                (name.split('.').collect(), host.split('.').collect());
            a.len() == b.len()
                && a.iter().zip(&b).all(|(p, l)| match p.split_once('*') {
                    None => p == l,
                    Some((pre, suf)) => {
                        l.len() > pre.len() + suf.len() && l.starts_with(pre) && l.ends_with(suf)
                    }
                })
        }
    }
}

fn glob_any(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_any(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob_any(rest, &s[1..]),
    }
}

#[test]
fn the_reader_knows_each_devices_rules() {
    let device = |syntax, text| Device::read(syntax, text);
    let unbound = device(
        "unbound",
        "server:\n    local-zone: \"openai.com.\" always_nxdomain\n    local-zone: \"api.openai.com.\" transparent\n    local-data: \"ai.azure.com. A 0.0.0.0\"\n",
    );
    assert!(unbound.blocks("openai.com") && unbound.blocks("x.openai.com"));
    assert!(!unbound.blocks("api.openai.com") && !unbound.blocks("v1.api.openai.com"));
    assert!(unbound.blocks("ai.azure.com") && !unbound.blocks("x.ai.azure.com"));
    let rpz = device(
        "bind-rpz",
        "openai.com CNAME .\n*.openai.com CNAME .\napi.openai.com CNAME rpz-passthru.\n",
    );
    assert!(rpz.blocks("x.openai.com") && !rpz.blocks("api.openai.com"));
    // Only the exact owner was exempted: its subdomains fall to the wildcard.
    assert!(rpz.blocks("v1.api.openai.com"));
    let adguard = device(
        "adguard",
        "||*.openai.azure.com^\n@@||corp.openai.azure.com^\n",
    );
    assert!(adguard.blocks("x.openai.azure.com") && adguard.blocks("a.b.openai.azure.com"));
    assert!(!adguard.blocks("corp.openai.azure.com") && !adguard.blocks("openai.azure.com"));
    let pihole = device("pihole", "||azure.com^\n");
    assert!(pihole.blocks("corp.openai.azure.com"));
    let squid = device(
        "squid-acl",
        "acl shadowai_block_re dstdom_regex -i (^|\\.)bedrock-runtime\\.[^.]+\\.amazonaws\\.com$\nacl shadowai_allow dstdomain .corp.example\nhttp_access deny shadowai_block_re !shadowai_allow\n",
    );
    assert!(squid.blocks("bedrock-runtime.us-east-1.amazonaws.com"));
    assert!(!squid.blocks("bedrock-runtime.amazonaws.com"));
    let edl = device("paloalto-edl", "^openai.com\n*.openai.com\n");
    assert!(edl.blocks("openai.com") && edl.blocks("a.b.openai.com"));
    let dnsmasq = device(
        "dnsmasq",
        "address=/openai.com/#\nserver=/api.openai.com/#\n",
    );
    assert!(dnsmasq.blocks("openai.com") && !dnsmasq.blocks("v1.api.openai.com"));
}

/// A host of each pattern: the host itself, one below it, a wildcard filled in.
fn hosts_of(text: &str, shape: Shape) -> Vec<String> {
    let host = text.trim_start_matches('=');
    match shape {
        Shape::Exact => vec![host.to_string()],
        Shape::Suffix => vec![host.to_string(), format!("x7.{host}")],
        Shape::SubOnly | Shape::Glob { .. } => {
            let filled = host.replace('*', "x7");
            vec![filled.clone(), format!("x7.{filled}")]
        }
    }
}

/// The built-in catalogue joined with `register`, and the policy it gives.
struct Setup {
    catalogue: Catalogue,
    register: Register,
    rows: Vec<Option<usize>>,
}

impl Setup {
    fn load(register: &Path) -> Setup {
        let psl = shadowai::discovery::load_psl(None).unwrap();
        let mut catalogue = Catalogue::embedded(&psl).unwrap();
        let mut register = Register::read(register).unwrap();
        let rows = register.join(&mut catalogue, &psl).unwrap();
        Setup {
            catalogue,
            register,
            rows,
        }
    }

    fn policy(&self) -> Policy<'_> {
        Policy {
            register: Some(&self.register),
            rows: self.rows.clone(),
            upload_threshold: 1 << 20,
        }
    }

    /// Hosts the catalogue gives to an allowed tool, and hosts it gives to a blocked one, as
    /// the scan classifies them (the most specific pattern wins).
    fn classified(&self, blocked_tiers: &[Tier]) -> (Vec<String>, Vec<String>) {
        let policy = self.policy();
        let (mut allowed, mut blocked) = (Vec::new(), Vec::new());
        for p in &self.catalogue.patterns {
            for host in hosts_of(&p.text, p.shape) {
                let Some(owner) = self.catalogue.find_host(host.as_bytes()) else {
                    continue;
                };
                if blocked_tiers.contains(&policy.tier(owner.tool)) {
                    blocked.push(host);
                } else {
                    allowed.push(host);
                }
            }
        }
        (allowed, blocked)
    }

    /// The blocklist of `blocked_tiers` in `syntax`, as `shadowai blocklist` writes it.
    fn blocklist(&self, syntax: &dyn Syntax, blocked_tiers: &[Tier]) -> String {
        let opts = Options {
            tiers: blocked_tiers.to_vec(),
            only: Default::default(),
            serial: 1,
            register: "register.csv".into(),
            catalogue: self.catalogue.version.clone(),
        };
        blocklist::build(syntax, &self.catalogue, &self.policy(), &opts).text
    }
}

#[test]
fn issue17_no_syntax_ever_blocks_a_host_the_register_allows() {
    let tmp = tempfile::tempdir().unwrap();
    let example = repo("examples/register.csv");
    // The example register's in-house gateway (Azure OpenAI, `*.openai.azure.com`, is unlisted
    // there: tier 4), and a register that approves a gateway host on Azure OpenAI itself.
    let azure = tmp.path().join("register-azure.csv");
    let mut text = std::fs::read_to_string(&example).unwrap();
    text.push_str("corp-aoai,Corp Azure OpenAI Gateway,Corp IT,1,2026-08-20,Platform,yes,corp-gw.openai.azure.com,In-house gateway on Azure OpenAI\n");
    std::fs::write(&azure, text).unwrap();
    // Overlaps: the refused ChatGPT owns `openai.com`, the approved API `api.openai.com` in it.
    let nested = tmp.path().join("register-nested.csv");
    std::fs::write(
        &nested,
        "Tool ID,Tool,Tier,Domains\nchatgpt,ChatGPT,4,\nopenai-api,OpenAI API,1,\nazure-openai,Azure OpenAI,1,\ncorp-llm,Corp LLM Gateway,1,\"llm.corp.example, genai.corp.example\"\nclaude,Claude,2,\nperplexity,Perplexity,3,\n",
    )
    .unwrap();
    for register in [&example, &azure, &nested] {
        let setup = Setup::load(register);
        for blocked_tiers in [
            &[Tier::Unapproved][..],
            &[Tier::UnderEvaluation, Tier::Unapproved][..],
        ] {
            let (allowed, refused) = setup.classified(blocked_tiers);
            for gateway in ["llm.corp.example", "x7.genai.corp.example"] {
                assert!(allowed.iter().any(|h| h == gateway), "{gateway}");
            }
            if register == &azure {
                assert!(allowed.iter().any(|h| h == "corp-gw.openai.azure.com"));
            } else if register == &example {
                assert!(refused.iter().any(|h| h == "x7.openai.azure.com"));
            } else {
                assert!(allowed.iter().any(|h| h == "api.openai.com"));
                assert!(refused.iter().any(|h| h == "openai.com"));
            }
            for &syntax in SYNTAXES {
                let device = Device::read(syntax.name(), &setup.blocklist(syntax, blocked_tiers));
                let what = format!(
                    "{}, tiers {blocked_tiers:?}, {}",
                    syntax.name(),
                    register.display()
                );
                for host in &allowed {
                    assert!(!device.blocks(host), "{what}: blocks allowed {host}");
                }
                // The reader sees the blocks: the check above can fail.
                for host in ["deepseek.com", "x7.deepseek.com", "chat.mistral.ai"] {
                    assert!(refused.iter().any(|h| h == host), "{host}");
                    let subdomain = host.starts_with("x7.");
                    if !(subdomain && syntax.name() == "hosts") {
                        assert!(device.blocks(host), "{what}: does not block {host}");
                    }
                }
            }
        }
    }
}
