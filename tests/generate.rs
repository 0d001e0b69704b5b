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

// ---------------------------------------------------------------------------------------------
// The org workload (issue 15): a realistic Squid log of a whole organisation, for the
// benchmarks and the README figures. A small fixed user set hides the per-user cost a real
// audit pays, so people, tools and hosts here are drawn from skewed distributions of
// realistic sizes.

/// The AI tools people use, one *use* host each (an app or API host of the embedded
/// catalogue), most popular first: a person's favourites are drawn with weight 1/(rank+1).
/// `tests/org.rs` checks every row against `shadowai match`.
pub const ORG_TOOLS: &[(&str, &str)] = &[
    ("chatgpt.com", "chatgpt"),
    ("copilot.microsoft.com", "microsoft-copilot"),
    ("gemini.google.com", "gemini"),
    ("claude.ai", "claude"),
    ("api.openai.com", "openai-api"),
    ("www.perplexity.ai", "perplexity"),
    ("api.githubcopilot.com", "github-copilot"),
    ("www.deepl.com", "deepl"),
    ("chat.deepseek.com", "deepseek"),
    ("huggingface.co", "huggingface"),
    ("api.anthropic.com", "anthropic-api"),
    ("api2.cursor.sh", "cursor"),
    ("notebooklm.google.com", "notebooklm"),
    ("chat.mistral.ai", "le-chat"),
    ("gamma.app", "gamma"),
    ("otter.ai", "otter"),
    ("quillbot.com", "quillbot"),
    ("www.midjourney.com", "midjourney"),
    ("api.elevenlabs.io", "elevenlabs"),
    ("poe.com", "poe"),
    ("character.ai", "character-ai"),
    ("grok.com", "grok"),
    ("www.meta.ai", "meta-ai"),
    ("app.fireflies.ai", "fireflies"),
    ("api.mistral.ai", "mistral-api"),
    ("generativelanguage.googleapis.com", "gemini-api"),
    ("www.phind.com", "phind"),
    ("pi.ai", "pi"),
    ("you.com", "you-com"),
    ("chat.qwen.ai", "alibaba-qwen"),
    ("kimi.moonshot.cn", "moonshot-kimi"),
    ("www.doubao.com", "bytedance-doubao"),
    ("suno.com", "suno"),
    ("app.runwayml.com", "runway"),
    ("app.jasper.ai", "jasper"),
    ("app.writesonic.com", "writesonic"),
    ("app.copy.ai", "copy-ai"),
    ("v0.dev", "v0"),
    ("bolt.new", "bolt-new"),
    ("lovable.dev", "lovable"),
    ("www.tabnine.com", "tabnine"),
    ("server.codeium.com", "windsurf"),
    ("openrouter.ai", "openrouter"),
    ("api.groq.com", "groq"),
    ("api.together.xyz", "together-ai"),
    ("api.replicate.com", "replicate"),
    ("api.cohere.com", "cohere"),
    ("app.heygen.com", "heygen"),
    ("app.synthesia.io", "synthesia"),
    ("app.leonardo.ai", "leonardo"),
    ("ideogram.ai", "ideogram"),
    ("www.krea.ai", "krea"),
    ("pika.art", "pika"),
    ("lumalabs.ai", "luma-ai"),
    ("www.descript.com", "descript"),
    ("app.tldv.io", "tldv"),
    ("fathom.video", "fathom"),
    ("app.read.ai", "read-ai"),
    ("www.chatpdf.com", "chatpdf"),
    ("consensus.app", "consensus"),
    ("elicit.com", "elicit"),
    ("scite.ai", "scite"),
    ("napkin.ai", "napkin-ai"),
    ("www.beautiful.ai", "beautiful-ai"),
    ("tome.app", "tome"),
    ("duck.ai", "duck-ai"),
    ("oai.azure.com", "azure-openai"),
    ("copilotstudio.microsoft.com", "copilot-studio"),
    ("bedrock-runtime.us-east-1.amazonaws.com", "aws-bedrock"),
    ("us-central1-aiplatform.googleapis.com", "vertex-ai"),
    ("chatglm.cn", "zhipu-chatglm"),
    ("z.ai", "zhipu-zai"),
    ("aidungeon.com", "ai-dungeon"),
    ("avidnote.com", "avidnote"),
    ("chai-research.com", "chai"),
    ("cherry-ai.com", "cherry-studio"),
    ("curipod.com", "curipod"),
    ("educationcopilot.com", "education-copilot"),
    ("galaxy.ai", "galaxy-ai"),
    ("iris.ai", "iris-ai"),
    ("komo.ai", "komo"),
    ("magicschool.ai", "magicschool"),
    ("mindsmith.ai", "mindsmith"),
    ("openevidence.com", "openevidence"),
    ("playlab.ai", "playlab"),
    ("replika.com", "replika"),
    ("secretdesires.ai", "secret-desires"),
    ("studdy.ai", "studdy"),
    ("teamai.com", "teamai"),
    ("unstuckstudy.com", "unstuck-ai"),
    ("browseros.com", "browseros"),
    ("sider.ai", "sider"),
    ("blink.new", "blink-new"),
    ("codegen.com", "codegen"),
    ("create.xyz", "create-anything"),
    ("ellipsis.dev", "ellipsis"),
    ("gru.ai", "gru-ai"),
    ("leap.new", "leap-new"),
    ("morphllm.com", "morph-llm"),
    ("potpie.ai", "potpie"),
    ("rork.com", "rork"),
    ("tempo.new", "tempo-labs"),
    ("app.warp.dev", "warp"),
    ("agenta.ai", "agenta"),
    ("athina.ai", "athina"),
    ("cerebrium.ai", "cerebrium"),
    ("daytona.io", "daytona"),
    ("fluidstack.io", "fluidstack"),
    ("honeyhive.ai", "honeyhive"),
    ("kluster.ai", "kluster-ai"),
    ("langtrace.ai", "langtrace"),
    ("getmaxim.ai", "maxim-ai"),
    ("opper.ai", "opper"),
    ("promptlayer.com", "promptlayer"),
    ("sim.ai", "sim-studio"),
    ("traceloop.com", "traceloop"),
    ("akool.com", "akool"),
    ("audioshake.ai", "audioshake"),
    ("brandmark.io", "brandmark"),
    ("colossyan.com", "colossyan"),
];

/// Incidental hosts (docs, status, marketing pages) of tools, reached now and then by anyone:
/// they count as events of their tool, as contact without use.
pub const ORG_INCIDENTAL: &[(&str, &str)] = &[
    ("status.openai.com", "chatgpt"),
    ("claude.site", "claude"),
    ("docs.anthropic.com", "anthropic-api"),
    ("cdn.botpress.cloud", "botpress"),
    ("replicate.delivery", "replicate"),
    ("docs.mistral.ai", "mistral-api"),
    ("www.jasper.ai", "jasper"),
    ("www.synthesia.io", "synthesia"),
];

/// Look-alikes of AI hosts that no suffix rule may claim: phishing-style names and AI names
/// inside other domains.
pub const ORG_TRAPS: &[&str] = &[
    "notchatgpt.com",
    "chatgpt.com.evil.example",
    "claude.ai.attacker.example",
    "openai.com-login.example",
    "gemini-google.com",
    "api-openai.com",
    "claude-ai.net",
    "perplexity.ai.phish.example",
    "copilot-microsoft.com",
    "chatgpt.co",
    "huggingface.co.mirror.example",
    "mistral.ai.example.net",
];

/// The most visited non-AI hosts, most popular first, many of them under the parents of AI
/// vendors (Google, Microsoft, GitHub, Amazon, Meta) that the catalogue does not claim. The
/// generated long tail ([`org_tail_host`]) follows them.
pub const ORG_COMMON: &[&str] = &[
    "www.google.com",
    "outlook.office365.com",
    "login.microsoftonline.com",
    "teams.microsoft.com",
    "www.youtube.com",
    "github.com",
    "www.office.com",
    "slack.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "www.gstatic.com",
    "mail.google.com",
    "docs.google.com",
    "drive.google.com",
    "www.microsoft.com",
    "zoom.us",
    "www.linkedin.com",
    "www.bing.com",
    "edge.microsoft.com",
    "www.msn.com",
    "settings-win.data.microsoft.com",
    "ctldl.windowsupdate.com",
    "ocsp.digicert.com",
    "update.googleapis.com",
    "clients4.google.com",
    "ajax.googleapis.com",
    "cdn.jsdelivr.net",
    "api.github.com",
    "raw.githubusercontent.com",
    "objects.githubusercontent.com",
    "www.amazon.com",
    "aws.amazon.com",
    "s3.amazonaws.com",
    "cloud.google.com",
    "en.wikipedia.org",
    "stackoverflow.com",
    "corp.atlassian.net",
    "www.atlassian.com",
    "www.salesforce.com",
    "www.dropbox.com",
    "www.apple.com",
    "www.icloud.com",
    "www.facebook.com",
    "www.instagram.com",
    "www.meta.com",
    "x.com",
    "www.reddit.com",
    "news.ycombinator.com",
    "www.nytimes.com",
    "www.bbc.co.uk",
    "www.notion.so",
    "app.asana.com",
    "www.figma.com",
    "www.canva.com",
    "www.adobe.com",
    "www.cloudflare.com",
    "registry.npmjs.org",
    "pypi.org",
    "files.pythonhosted.org",
    "static.crates.io",
    "hub.docker.com",
    "duckduckgo.com",
    "www.quora.com",
    "www.grammarly.com",
];

/// How many generated hosts follow [`ORG_COMMON`] in the long tail of non-AI hosts.
pub const ORG_TAIL: usize = 4_000;

/// The `i`th generated non-AI host (`i < ORG_TAIL`), e.g. `cdn.tosaba.net`: names built
/// from syllables, distinct for every `i`, under common prefixes and suffixes.
pub fn org_tail_host(i: usize) -> String {
    const SYL: [&str; 24] = [
        "ba", "co", "de", "fe", "ga", "ho", "ju", "ke", "lu", "ma", "no", "pe", "qui", "ro", "sa",
        "to", "ve", "wi", "yo", "za", "bri", "ca", "do", "fa",
    ];
    const PREFIX: [&str; 8] = [
        "www.", "cdn.", "", "static.", "api.", "img.", "login.", "m.",
    ];
    const SUFFIX: [&str; 7] = [".com", ".net", ".org", ".de", ".io", ".co.uk", ".fr"];
    let n = i + 600;
    format!(
        "{}{}{}{}{}",
        PREFIX[i / 7 % PREFIX.len()],
        SYL[n % 24],
        SYL[n / 24 % 24],
        SYL[n / 576 % 24],
        SUFFIX[i % SUFFIX.len()]
    )
}

/// Every non-AI host the org workload writes: common hosts, the generated tail, the traps.
pub fn org_other_hosts() -> Vec<String> {
    ORG_COMMON
        .iter()
        .map(|h| h.to_string())
        .chain((0..ORG_TAIL).map(org_tail_host))
        .chain(ORG_TRAPS.iter().map(|h| h.to_string()))
        .collect()
}

/// A person of the org: the user name as the proxy logs it, the name shadowai normalizes it
/// to, a fixed client address, and favourite tools (indexes into [`ORG_TOOLS`]).
struct Person {
    raw: String,
    user: String,
    addr: String,
    favourites: Vec<u8>,
}

const FIRST: &[u8] = b"abcdefghijklmnoprstvwy";
const SURNAMES: &[&str] = &[
    "smith", "jones", "miller", "garcia", "nguyen", "kim", "muller", "schmidt", "rossi", "dubois",
    "silva", "kowalski", "novak", "jensen", "patel", "singh", "khan", "ito", "tanaka", "wang",
    "li", "brown", "wilson", "taylor", "martin", "lee", "walker", "young", "king", "wright",
    "lopez", "hill",
];

impl Person {
    /// Person `i`: the name carries `i`, so every person's normalized name is distinct.
    fn new(i: usize, rng: &mut Rng, tools: &Cumulative) -> Person {
        let initial = FIRST[rng.below(FIRST.len())] as char;
        let surname = SURNAMES[rng.below(SURNAMES.len())];
        let user = if rng.below(10) == 0 {
            format!("user{i:05}")
        } else {
            format!("{initial}.{surname}{i}")
        };
        // Directory and Kerberos spellings that shadowai normalizes to the bare name.
        let raw = match rng.below(20) {
            0..2 => format!("CORP\\{}", user.to_uppercase()),
            2..4 => format!("{user}@corp.example"),
            4 => format!("{user}@CORP.EXAMPLE"),
            _ => user.clone(),
        };
        let addr = format!("10.{}.{}.{}", 20 + i / 62_500, i / 250 % 250, i % 250 + 1);
        // 0–6 favourites: a quarter of the people use no AI tool at all.
        let count = match rng.below(100) {
            0..25 => 0,
            25..50 => 1,
            50..70 => 2,
            70..82 => 3,
            82..90 => 4,
            90..96 => 5,
            _ => 6,
        };
        let mut favourites = Vec::with_capacity(count);
        while favourites.len() < count {
            let t = tools.pick(rng) as u8;
            if !favourites.contains(&t) {
                favourites.push(t);
            }
        }
        Person {
            raw,
            user,
            addr,
            favourites,
        }
    }
}

/// A discrete distribution drawn by binary search over cumulative weights.
struct Cumulative(Vec<f64>);

impl Cumulative {
    fn new(weights: impl Iterator<Item = f64>) -> Self {
        let mut sum = 0.0;
        Cumulative(
            weights
                .map(|w| {
                    sum += w;
                    sum
                })
                .collect(),
        )
    }
    /// Zipf-like: item k has weight 1/(k+1)^s.
    fn zipf(n: usize, s: f64) -> Self {
        Self::new((0..n).map(|k| 1.0 / ((k + 1) as f64).powf(s)))
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.0.partition_point(|&c| c <= x).min(self.0.len() - 1)
    }
}

/// 2026-11-09 is a Monday: hour `h` of the window weighs by working hours and weekdays.
fn hour_weight(h: usize) -> f64 {
    let (day, hour) = (h / 24, h % 24);
    let weekend = day % 7 >= 5;
    match (weekend, hour) {
        (false, 8..=17) => 12.0,
        (false, 7 | 18..=20) => 4.0,
        (true, 9..=20) => 2.0,
        _ => 1.0,
    }
}

/// Request paths of absolute-URL lines, as (before, after) a generated hex number.
const PATHS: &[(&str, &str)] = &[
    ("/", ""),
    ("/index.html?v=", ""),
    ("/api/v1/items/", ""),
    ("/static/js/app.", ".js"),
    ("/img/b-", ".png"),
    ("/c/", ""),
    ("/search?q=", ""),
    ("/share/", ""),
    ("/backend-api/c/", ""),
    ("/v1/chat?r=", ""),
];

const MIME: &[&str] = &[
    "text/html",
    "application/json",
    "image/png",
    "application/javascript",
    "text/css",
];

/// Writes the org workload, `lines` Squid native lines from `people` people over the 14 days
/// from 2026-11-09 UTC with non-decreasing timestamps, to `out`, and returns what shadowai must
/// count. Deterministic in (`people`, `lines`, `seed`).
///
/// About 15 % of the lines reach an AI host: a person with favourite tools picks one of them
/// (the first most often), or now and then an incidental host of a tool. The rest reach the
/// Zipf-distributed non-AI hosts, look-alike traps included. Activity is skewed too: person
/// k is active with weight 1/(k+1)^0.5. One line in ten carries `-` as its user, so the
/// client address stands in. Requests are mostly CONNECTs (TLS), then absolute `http://` and
/// SSL-bumped `https://` URLs, a few with upper-case hosts and a few denied.
pub fn org(
    people: usize,
    lines: usize,
    seed: u64,
    out: &mut impl std::io::Write,
) -> std::io::Result<Truth> {
    let people = people.max(1);
    let mut rng = Rng::new(seed);
    let tools = Cumulative::zipf(ORG_TOOLS.len(), 1.0);
    let persons: Vec<Person> = (0..people)
        .map(|i| Person::new(i, &mut rng, &tools))
        .collect();
    let activity = Cumulative::zipf(people, 0.5);
    let others = org_other_hosts();
    let other_pick = Cumulative::zipf(others.len() - ORG_TRAPS.len(), 1.0);
    // Every host's upstream address, as the hierarchy field shows it.
    let ip = |h: usize| {
        let x = (h as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
        format!(
            "{}.{}.{}.{}",
            23 + x % 180,
            (x >> 8) & 255,
            (x >> 16) & 255,
            1 + (x >> 4) % 250
        )
    };
    let ai_ips: Vec<String> = (0..ORG_TOOLS.len() + ORG_INCIDENTAL.len())
        .map(ip)
        .collect();
    let other_ips: Vec<String> = (0..others.len()).map(|h| ip(h + 1000)).collect();
    // The share of AI lines among the lines of people with favourites, for 15 % overall.
    let with_favourites: f64 = persons
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.favourites.is_empty())
        .map(|(k, _)| 1.0 / ((k + 1) as f64).sqrt())
        .sum::<f64>()
        / (0..people)
            .map(|k| 1.0 / ((k + 1) as f64).sqrt())
            .sum::<f64>();
    let ai_share = (0.15 / with_favourites.max(1e-9)).min(1.0);
    let ai_threshold = (ai_share * u32::MAX as f64) as u64;
    let favourite_pick: Vec<Cumulative> = (1..=6).map(|n| Cumulative::zipf(n, 1.0)).collect();

    // (person, anonymous, tool) → events; tools index ORG_TOOLS, then ORG_INCIDENTAL.
    let mut counts: std::collections::HashMap<(u32, bool, u16), u64> = Default::default();
    let hours = 14 * 24;
    let total: f64 = (0..hours).map(hour_weight).sum();
    let mut line = Vec::with_capacity(512);
    let mut buf = Vec::with_capacity(1 << 16);
    let mut cum = 0.0;
    let mut written = 0usize;
    for h in 0..hours {
        cum += hour_weight(h);
        let upto = if h + 1 == hours {
            lines
        } else {
            (cum / total * lines as f64) as usize
        };
        let n = upto.saturating_sub(written);
        let hour_ms = (START + h as u64 * 3600) * 1000;
        for j in 0..n {
            let step = 3_600_000 / n as u64;
            let ms = hour_ms + j as u64 * 3_600_000 / n as u64 + rng.next() % step.max(1);
            let k = activity.pick(&mut rng);
            let person = &persons[k];
            let anonymous = rng.below(10) == 0;
            let (host, hier_ip, tool) =
                if !person.favourites.is_empty() && (rng.next() & 0xffff_ffff) < ai_threshold {
                    if rng.below(40) == 0 {
                        let i = rng.below(ORG_INCIDENTAL.len());
                        (
                            ORG_INCIDENTAL[i].0,
                            &ai_ips[ORG_TOOLS.len() + i],
                            Some(ORG_TOOLS.len() + i),
                        )
                    } else {
                        let f = &person.favourites;
                        let t = f[favourite_pick[f.len() - 1].pick(&mut rng)] as usize;
                        (ORG_TOOLS[t].0, &ai_ips[t], Some(t))
                    }
                } else if rng.below(100) == 0 {
                    let i = rng.below(ORG_TRAPS.len());
                    (
                        ORG_TRAPS[i],
                        &other_ips[others.len() - ORG_TRAPS.len() + i],
                        None,
                    )
                } else {
                    let i = other_pick.pick(&mut rng);
                    (others[i].as_str(), &other_ips[i], None)
                };
            if let Some(t) = tool {
                *counts.entry((k as u32, anonymous, t as u16)).or_default() += 1;
            }
            write_org_line(&mut line, &mut rng, ms, person, anonymous, host, hier_ip);
            buf.extend_from_slice(&line);
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        written += n;
    }
    out.write_all(&buf)?;
    let mut truth = Truth::new();
    for ((k, anonymous, t), n) in counts {
        let p = &persons[k as usize];
        let user = if anonymous { &p.addr } else { &p.user };
        let tool = ORG_TOOLS
            .iter()
            .chain(ORG_INCIDENTAL)
            .nth(t as usize)
            .map_or("", |(_, id)| id);
        *truth.entry((user.clone(), tool.to_string())).or_default() += n;
    }
    Ok(truth)
}

/// One Squid native line into `line` (cleared first).
fn write_org_line(
    line: &mut Vec<u8>,
    rng: &mut Rng,
    ms: u64,
    person: &Person,
    anonymous: bool,
    host: &str,
    hier_ip: &str,
) {
    use std::io::Write as _;
    line.clear();
    let user = if anonymous { "-" } else { person.raw.as_str() };
    let shape = rng.below(100);
    let denied = rng.below(40) == 0;
    let (elapsed, code, bytes) = if denied {
        (
            rng.below(5) as u64,
            "TCP_DENIED/403",
            3_900 + rng.below(400) as u64,
        )
    } else if shape < 80 {
        (
            50 + rng.next() % (1 << (8 + rng.below(11))),
            "TCP_TUNNEL/200",
            400 + (rng.next() % 4_000) * (1 << rng.below(7)),
        )
    } else {
        let code = match rng.below(10) {
            0..6 => "TCP_MISS/200",
            6 => "TCP_MEM_HIT/200",
            7 => "TCP_REFRESH_MODIFIED/304",
            8 => "TCP_MISS/302",
            _ => "TCP_MISS/404",
        };
        (
            5 + rng.next() % 2_000,
            code,
            200 + (rng.next() % 2_000) * (1 << rng.below(8)),
        )
    };
    let _ = write!(
        line,
        "{}.{:03} {elapsed:6} {} {code} {bytes} ",
        ms / 1000,
        ms % 1000,
        person.addr
    );
    // One host in fifty is written in upper case, as some clients send it.
    let upper = rng.below(50) == 0;
    let host_into = |line: &mut Vec<u8>| {
        if upper {
            line.extend(host.bytes().map(|b| b.to_ascii_uppercase()));
        } else {
            line.extend_from_slice(host.as_bytes());
        }
    };
    let mime = if shape < 80 {
        line.extend_from_slice(b"CONNECT ");
        host_into(line);
        line.extend_from_slice(b":443");
        "-"
    } else {
        let (before, after) = PATHS[rng.below(PATHS.len())];
        let (method, scheme) = match shape {
            80..90 => ("GET", "http://"),
            90..93 => ("POST", "http://"),
            _ => ("GET", "https://"),
        };
        let _ = write!(line, "{method} {scheme}");
        host_into(line);
        if shape >= 97 {
            line.extend_from_slice(b":8443");
        }
        let _ = write!(line, "{before}{:x}{after}", rng.next() >> 44);
        MIME[rng.below(MIME.len())]
    };
    let hier = if denied {
        "HIER_NONE/-"
    } else {
        "HIER_DIRECT/"
    };
    let _ = write!(line, " {user} {hier}");
    if !denied {
        line.extend_from_slice(hier_ip.as_bytes());
    }
    let _ = writeln!(line, " {mime}");
}
