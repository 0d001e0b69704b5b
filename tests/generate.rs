//! A deterministic log generator with ground truth: realistic Squid, Zeek DNS and BIND lines
//! mixing AI and non-AI hosts in the shapes logs really use (CONNECT `host:port`, full URLs,
//! upper case, trailing dots, domain-qualified users). Shared by the integration tests and the
//! benchmarks (`benches/`, `benches/compare.sh`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// (normalized user, tool_id) → events.
pub type Truth = BTreeMap<(String, String), u64>;

/// AI hosts and the tool each belongs to in the embedded catalogue.
pub const AI_HOSTS: &[(&str, &str)] = &[
    ("chatgpt.com", "chatgpt"),
    ("claude.ai", "claude"),
    ("api.openai.com", "openai-api"),
    ("gemini.google.com", "gemini"),
    ("copilot.microsoft.com", "microsoft-copilot"),
    ("www.perplexity.ai", "perplexity"),
    ("huggingface.co", "huggingface"),
    ("chat.deepseek.com", "deepseek"),
];

/// Hosts of AI vendors whose reaching is only incidental (issue 18): a docs or status page, a
/// share domain, a widget CDN, hot-linked media. They count as events of their tool, but as
/// contact without use; the first two tools are also reached through their app hosts above.
pub const INCIDENTAL_HOSTS: &[(&str, &str)] = &[
    ("status.openai.com", "chatgpt"),
    ("claude.site", "claude"),
    ("docs.anthropic.com", "anthropic-api"),
    ("cdn.botpress.cloud", "botpress"),
    ("replicate.delivery", "replicate"),
];

/// Hosts that must never count, look-alikes included.
pub const OTHER_HOSTS: &[&str] = &[
    "www.google.com",
    "github.com",
    "www.bing.com",
    "notchatgpt.com",
    "chatgpt.com.evil.example",
    "mail.google.com",
    "www.microsoft.com",
    "cdn.jsdelivr.net",
];

/// Proxy users as logged, and as shadowai normalizes them (`None`: anonymous, the client
/// address stands in).
const PROXY_USERS: &[(&str, Option<&str>, &str)] = &[
    ("alice", Some("alice"), "10.9.0.1"),
    ("CORP\\Bob", Some("bob"), "10.9.0.2"),
    ("carol@corp.example", Some("carol"), "10.9.0.3"),
    ("DAVE", Some("dave"), "10.9.0.4"),
    ("-", None, "10.9.0.99"),
];

const DNS_CLIENTS: &[&str] = &[
    "10.8.0.1",
    "10.8.0.2",
    "10.8.0.3",
    "10.8.0.4",
    "2001:db8::5",
];

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// 2026-11-09T00:00:00Z, the start of a two-week audit window.
const START: u64 = 1_794_182_400;

/// A host for the next event and, if it is an AI host, its tool.
fn pick_host(rng: &mut Rng) -> (&'static str, Option<&'static str>) {
    match rng.below(24) {
        0..8 => {
            let (h, t) = AI_HOSTS[rng.below(AI_HOSTS.len())];
            (h, Some(t))
        }
        8 => {
            let (h, t) = INCIDENTAL_HOSTS[rng.below(INCIDENTAL_HOSTS.len())];
            (h, Some(t))
        }
        _ => (OTHER_HOSTS[rng.below(OTHER_HOSTS.len())], None),
    }
}

fn count(truth: &mut Truth, user: &str, tool: Option<&str>) {
    if let Some(t) = tool {
        *truth.entry((user.to_string(), t.to_string())).or_default() += 1;
    }
}

/// `n` Squid native lines.
pub fn squid(rng: &mut Rng, n: usize, truth: &mut Truth) -> String {
    let mut s = String::new();
    for _ in 0..n {
        let (raw_user, user, client) = PROXY_USERS[rng.below(PROXY_USERS.len())];
        let (host, tool) = pick_host(rng);
        let ts = START + rng.next() % (14 * 86_400);
        let (method, url, code) = match rng.below(5) {
            0 => ("CONNECT", format!("{host}:443"), "TCP_TUNNEL/200"),
            1 => (
                "GET",
                format!("http://{}/c/{}?q=1", host.to_uppercase(), rng.below(1000)),
                "TCP_MISS/200",
            ),
            2 => (
                "POST",
                format!("https://{host}:8443/api/v1"),
                "TCP_MISS/201",
            ),
            // A shared link (SSL-bumped): incidental for tools with a `/share/` path rule.
            3 => (
                "GET",
                format!("https://{host}/share/{:08x}", rng.next() >> 32),
                "TCP_MISS/200",
            ),
            _ => ("CONNECT", format!("{host}:443"), "TCP_DENIED/403"),
        };
        writeln!(
            s,
            "{ts}.{:03} {:6} {client} {code} {} {method} {url} {raw_user} HIER_DIRECT/203.0.113.7 text/html",
            rng.below(1000),
            rng.below(60_000),
            rng.below(100_000),
        )
        .unwrap();
        count(truth, user.unwrap_or(client), tool);
    }
    s
}

/// A Zeek dns.log header and `n` rows.
pub fn zeek_dns(rng: &mut Rng, n: usize, truth: &mut Truth) -> String {
    let mut s = String::from(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2026-11-09-00-00-00\n\
         #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n\
         #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n",
    );
    for i in 0..n {
        let client = DNS_CLIENTS[rng.below(DNS_CLIENTS.len())];
        let (host, tool) = pick_host(rng);
        let shown = if rng.below(5) == 0 {
            format!("{}.", host.to_uppercase())
        } else {
            host.to_string()
        };
        let ts = START + rng.next() % (14 * 86_400);
        writeln!(
            s,
            "{ts}.{:06}\tC{i:017}\t{client}\t{}\t10.8.0.53\t53\tudp\t{}\t0.000870\t{shown}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t203.0.113.9\t300.000000\tF",
            rng.below(1_000_000),
            1024 + rng.below(60_000),
            rng.below(65_536),
        )
        .unwrap();
        count(truth, client, tool);
    }
    s
}

/// `n` BIND query-log lines in the shapes print-time/print-category/syslog produce.
pub fn bind(rng: &mut Rng, n: usize, truth: &mut Truth) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut s = String::new();
    for _ in 0..n {
        let client = DNS_CLIENTS[rng.below(DNS_CLIENTS.len())];
        let (host, tool) = pick_host(rng);
        let day = rng.below(14) as u64;
        let secs = rng.below(86_400) as u64;
        let d = 9 + day; // November 2026, days 9..=22
        let (h, m, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
        let stamp = format!(
            "{d:02}-{}-2026 {h:02}:{m:02}:{sec:02}.{:03}",
            MONTHS[10],
            rng.below(1000)
        );
        let port = 1024 + rng.below(60_000);
        let body = format!(
            "client @0x7f{:010x} {client}#{port} ({host}): query: {host} IN A +E(0)K (10.8.0.53)",
            rng.next() >> 24
        );
        match rng.below(4) {
            0 => writeln!(s, "{stamp} queries: info: {body}"),
            1 => writeln!(s, "{stamp} {body}"),
            2 => writeln!(
                s,
                "Nov {d:2} {h:02}:{m:02}:{sec:02} ns1 named[812]: {stamp} queries: info: {body}"
            ),
            _ => writeln!(
                s,
                "<30>Nov {d:2} {h:02}:{m:02}:{sec:02} ns1 named[812]: queries: {body}"
            ),
        }
        .unwrap();
        count(truth, client, tool);
    }
    s
}

fn gzip_members(text: &str, members: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let per = lines.len().div_ceil(members.max(1)).max(1);
    for chunk in lines.chunks(per) {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(chunk.concat().as_bytes()).unwrap();
        out.extend(enc.finish().unwrap());
    }
    out
}

/// Writes seven logs (every format, plain and multi-member gzip; gzip files named without
/// `.gz` too) into `dir` and returns what shadowai must count.
pub fn write_logs(dir: &Path, n: usize, seed: u64) -> Truth {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = Rng::new(seed);
    let mut truth = Truth::new();
    let small = (n / 4).max(1);
    let files: [(&str, String, Option<usize>); 7] = [
        ("squid-a.log", squid(&mut rng, n, &mut truth), None),
        (
            "squid-b.log.gz",
            squid(&mut rng, small, &mut truth),
            Some(3),
        ),
        ("zeek-a.log", zeek_dns(&mut rng, small, &mut truth), None),
        (
            "zeek-b.log.1",
            zeek_dns(&mut rng, small, &mut truth),
            Some(2),
        ),
        ("bind-a.log", bind(&mut rng, small, &mut truth), None),
        ("bind-b.log.gz", bind(&mut rng, small, &mut truth), Some(1)),
        ("sub/bind-c.log", bind(&mut rng, small, &mut truth), None),
    ];
    for (name, text, gz) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match gz {
            Some(members) => std::fs::write(path, gzip_members(&text, members)).unwrap(),
            None => std::fs::write(path, text).unwrap(),
        }
    }
    truth
}
