//! `shadowai blocklist` (issue 11): goldens of every format from a small catalogue and
//! register, the rule that an allowed tool is never blocked, and the real checkers
//! (`unbound-checkconf`, `named-checkzone`, `dnsmasq --test`, `squid -k parse`) on the goldens
//! and on the full built-in catalogue; `--seen-in` and `--only-refused` (issue 17). A checker that is not installed prints a notice and the
//! test returns (CI installs them, see .ci/run). Refresh goldens: `UPDATE_EXPECT=1 cargo test`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use shadowai::blocklist::{self, Options, SYNTAXES};
use shadowai::policy::{Policy, Tier};
use shadowai::register::Register;
use shadowai::signatures::Catalogue;

use crate::util::{repo, scan, shadowai};

/// Tools at every tier, an allowed tool inside a blocked one's domain, an exact pattern,
/// every wildcard kind, and a blocked exact host nested in its own tool's suffix.
const CATALOGUE: &str = r#"
[[tool]]
id = "bigai-chat"
name = "BigAI Chat"
vendor = "BigAI"
category = "chat-assistant"
app = ["bigai.example", "=chat.bigai-cdn.example"]
upload = ["=files.bigai.example"]

[[tool]]
id = "bigai-api"
name = "BigAI API"
vendor = "BigAI"
category = "model-api"
api = ["api.bigai.example"]

[[tool]]
id = "cloud-models"
name = "Cloud Models"
vendor = "CloudHost"
category = "inference-cloud"
api = ["*.models.cloudhost.example", "*-infer.cloudhost.example", "runtime.*.cloudhost.example"]

[[tool]]
id = "eval-tool"
name = "Eval Tool"
vendor = "Evals"
category = "writing-assistant"
app = ["evaltool.example"]

[[tool]]
id = "general-tool"
name = "General Tool"
vendor = "Generals"
category = "productivity"
app = ["generaltool.example"]

[[tool]]
id = "enterprise-tool"
name = "Enterprise Tool"
vendor = "Enterprises"
category = "productivity"
app = ["enterprisetool.example"]

[[tool]]
id = "shadow-notes"
name = "Shadow Notes"
vendor = "Notes"
category = "writing-assistant"
app = ["notes-ai.example"]
"#;

/// BigAI Chat refused (tier 4), its API approved (tier 1); Cloud Models and Shadow Notes are
/// not registered (tier 4).
const REGISTER: &str = "Tool ID,Tool,Tier\nbigai-chat,BigAI Chat,Tier 4 — Unapproved\nbigai-api,BigAI API,1\neval-tool,Eval Tool,Under Evaluation\ngeneral-tool,General Tool,2\nenterprise-tool,Enterprise Tool,1\n";

/// Hosts of allowed tools (tiers 1–3 when blocking tier 4).
const ALLOWED_HOSTS: &[&str] = &[
    "api.bigai.example",
    "evaltool.example",
    "generaltool.example",
    "enterprisetool.example",
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/blocklist")
}

fn build(format: &str, tiers: &[Tier]) -> blocklist::Output {
    let psl = shadowai::discovery::load_psl(None).unwrap();
    let mut catalogue = Catalogue::empty();
    catalogue.add_source("test.toml", CATALOGUE, &psl).unwrap();
    let mut register = Register::parse(Path::new("register.csv"), REGISTER.as_bytes()).unwrap();
    let rows = register.join(&mut catalogue, &psl).unwrap();
    let policy = Policy {
        register: Some(&register),
        rows,
        upload_threshold: 1 << 20,
    };
    let opts = Options {
        tiers: tiers.to_vec(),
        only: Default::default(),
        serial: 2026112401,
        register: "register.csv".into(),
        catalogue: "test".into(),
    };
    blocklist::build(
        blocklist::by_name(format).unwrap(),
        &catalogue,
        &policy,
        &opts,
    )
}

/// Whether a line writes a rule (not a comment, not an allow-rule).
fn is_block_rule(format: &str, line: &str) -> bool {
    let l = line.trim();
    let comment = match format {
        "bind-rpz" => l.starts_with(';'),
        "adguard" => l.starts_with('!'),
        _ => l.starts_with('#'),
    };
    let allow = match format {
        "dnsmasq" => l.starts_with("server="),
        "unbound" => l.ends_with(" transparent"),
        "bind-rpz" => l.ends_with("rpz-passthru."),
        "adguard" => l.starts_with("@@"),
        "squid-acl" => l.starts_with("acl shadowai_allow") || l.starts_with("http_access"),
        _ => false,
    };
    !l.is_empty() && !comment && !allow
}

fn check_golden(name: &str, text: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_EXPECT=1 writes it)", path.display()));
    assert_eq!(
        text, want,
        "{name} differs from its golden (UPDATE_EXPECT=1 refreshes)"
    );
}

#[test]
fn blocklist_goldens_list_exactly_the_blocked_tiers_and_never_an_allowed_tool() {
    for f in SYNTAXES {
        let out = build(f.name(), &[Tier::Unapproved]);
        check_golden(&format!("{}.txt", f.name()), &out.text);
        for line in out.text.lines().filter(|l| is_block_rule(f.name(), l)) {
            for host in ALLOWED_HOSTS {
                // A rule naming an allowed host (not merely a parent of it) blocks it.
                let named = line
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                    .any(|w| w.trim_start_matches('.') == *host);
                assert!(!named, "{}: `{line}` blocks allowed {host}", f.name());
            }
        }
        // Every blocked pattern is written or named in a comment/notice: none silently dropped.
        for host in [
            "bigai.example",
            "chat.bigai-cdn.example",
            "files.bigai.example",
            "models.cloudhost.example",
            "infer.cloudhost.example",
            "runtime",
            "notes-ai.example",
        ] {
            let listed = out.text.contains(host)
                || out.text.contains(&host.replace('.', "\\."))
                || out
                    .skipped
                    .iter()
                    .chain(&out.notes)
                    .any(|s| s.contains(host));
            assert!(listed, "{}: {host} neither listed nor reported", f.name());
        }
        assert!(!out.text.contains("evaltool") || f.comment().is_some());
    }
    // The allowed API inside the refused domain: an allow-rule where the format has them,
    // else the refused suffix is narrowed to its exact host.
    let unbound = build("unbound", &[Tier::Unapproved]).text;
    assert!(unbound.contains("local-zone: \"bigai.example.\" always_nxdomain"));
    assert!(unbound.contains("local-zone: \"api.bigai.example.\" transparent"));
    let zscaler = build("zscaler", &[Tier::Unapproved]).text;
    assert!(zscaler.lines().any(|l| l == "bigai.example"), "{zscaler}");
    assert!(!zscaler.lines().any(|l| l == ".bigai.example"), "{zscaler}");
}

#[test]
fn blocklist_tiers_choose_the_tools() {
    let t4 = build("plain", &[Tier::Unapproved]).text;
    let t34 = build("plain", &[Tier::UnderEvaluation, Tier::Unapproved]).text;
    let rules = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    assert!(!rules(&t4).contains(&"evaltool.example".to_string()));
    assert!(rules(&t34).contains(&"evaltool.example".to_string()));
    for r in rules(&t34) {
        assert!(
            !r.contains("generaltool") && !r.contains("enterprisetool") && r != "api.bigai.example"
        );
    }
    check_golden("plain-tiers-3-4.txt", &t34);
}

/// Runs a checker; `None` (with a notice) when it is not installed.
fn run(program: &str, args: &[&str]) -> Option<std::process::Output> {
    match Command::new(program).args(args).output() {
        Ok(o) => Some(o),
        Err(e) => {
            eprintln!("notice: {program} not available ({e}); skipping its syntax check");
            None
        }
    }
}

fn assert_ok(what: &str, o: &std::process::Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{what} failed:\n{all}");
    assert!(
        !all.contains("WARNING") && !all.contains("ERROR") && !all.contains("FATAL"),
        "{what}:\n{all}"
    );
}

/// Writes each checked format for the small catalogue and for the full built-in catalogue
/// (through the CLI, with a register) into `dir`; returns (label, format, path).
fn checked_files(dir: &Path) -> Vec<(String, &'static str, PathBuf)> {
    let reg = dir.join("register.csv");
    std::fs::write(
        &reg,
        "Tool ID,Tool,Tier\nchatgpt,ChatGPT,4\nopenai-api,,1\nclaude,Claude,2\nperplexity,,3\n",
    )
    .unwrap();
    let mut files = Vec::new();
    for format in ["unbound", "bind-rpz", "dnsmasq", "squid-acl"] {
        let small = dir.join(format!("small-{format}.txt"));
        std::fs::write(&small, build(format, &[Tier::Unapproved]).text).unwrap();
        files.push((format!("golden {format}"), format, small));
        let full = dir.join(format!("full-{format}.txt"));
        let o = crate::util::command()
            .args(["blocklist", "--register"])
            .arg(&reg)
            .args(["--format", format, "--serial", "7", "--out"])
            .arg(&full)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        files.push((format!("built-in catalogue {format}"), format, full));
    }
    files
}

#[test]
fn blocklist_files_pass_the_real_checkers() {
    let dir = tempfile::tempdir().unwrap();
    for (label, format, path) in checked_files(dir.path()) {
        let p = path.display().to_string();
        match format {
            "unbound" => {
                let conf = dir
                    .path()
                    .join(format!("{}.conf", path.display().to_string().len()));
                std::fs::write(
                    &conf,
                    format!(
                        "server:\n    chroot: \"\"\n    username: \"\"\n    include: \"{p}\"\n"
                    ),
                )
                .unwrap();
                let Some(o) = run("unbound-checkconf", &[&conf.display().to_string()]) else {
                    continue;
                };
                assert_ok(&label, &o);
            }
            "bind-rpz" => {
                let Some(o) = run("named-checkzone", &["rpz.shadowai", &p]) else {
                    continue;
                };
                assert_ok(&label, &o);
            }
            "dnsmasq" => {
                let Some(o) = run("dnsmasq", &["--test", &format!("--conf-file={p}")]) else {
                    continue;
                };
                assert_ok(&label, &o);
            }
            "squid-acl" => {
                let conf = dir.path().join(format!("squid-{}.conf", p.len()));
                std::fs::write(
                    &conf,
                    format!("http_port 127.0.0.1:3128\ninclude {p}\nhttp_access allow all\n"),
                )
                .unwrap();
                let Some(o) = run("squid", &["-k", "parse", "-f", &conf.display().to_string()])
                else {
                    continue;
                };
                assert_ok(&label, &o);
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn blocklist_cli_keeps_the_approved_api_out_of_the_real_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let files = checked_files(dir.path());
    let (_, _, unbound) = files
        .iter()
        .find(|(l, ..)| l == "built-in catalogue unbound")
        .unwrap();
    let text = std::fs::read_to_string(unbound).unwrap();
    assert!(text.contains("local-zone: \"openai.com.\" always_nxdomain"));
    assert!(text.contains("local-zone: \"api.openai.com.\" transparent"));
    // Tier 2 and 3 tools are not blocked with the default --tiers 4.
    assert!(!text.contains("\"claude.ai.\""));
    assert!(!text.contains("\"perplexity.ai.\""));
}

/// `shadowai blocklist --register examples/register.csv --format plain ARGS`: the rules
/// written (no comments), stderr and the exit code.
fn plain_rules(args: &[&str]) -> (BTreeSet<String>, String, Option<i32>) {
    let register = repo("examples/register.csv");
    let mut all = vec!["blocklist", "--register", register.to_str().unwrap()];
    all.extend(["--format", "plain", "--serial", "1"]);
    all.extend(args);
    let run = shadowai(&all);
    let rules = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_string)
        .collect();
    (
        rules,
        String::from_utf8(run.stderr).unwrap(),
        run.status.code(),
    )
}

fn set(hosts: &[&str]) -> BTreeSet<String> {
    hosts.iter().map(|h| h.to_string()).collect()
}

/// An audit with the example register of a log where alice used ChatGPT (tier 1), bob
/// DeepSeek (refused: tier 4 in the register), carol Perplexity (tier 3) and dave Le Chat
/// (unlisted: tier 4 by default).
fn audit(dir: &Path) -> PathBuf {
    let log = dir.join("access.log");
    let lines: String = [
        ("chatgpt.com", "alice"),
        ("deepseek.com", "bob"),
        ("www.perplexity.ai", "carol"),
        ("chat.mistral.ai", "dave"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (host, user))| {
        format!(
            "1794211531.{i:03}  120 10.9.0.{i} TCP_TUNNEL/200 2000 CONNECT {host}:443 {user} HIER_DIRECT/104.18.32.47 -\n"
        )
    })
    .collect();
    std::fs::write(&log, lines).unwrap();
    let out = dir.join("audit");
    let register = repo("examples/register.csv");
    let run = scan(&[&log], &out, &["--register", register.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0));
    out
}

#[test]
fn issue17_blocklist_seen_in_and_only_refused_choose_exactly_their_tools() {
    let tmp = tempfile::tempdir().unwrap();
    let out = audit(tmp.path());
    let out = out.to_str().unwrap();
    let deepseek = ["api.deepseek.com", "deepseek.com"];
    let le_chat = ["chat.mistral.ai", "mistral.ai"];
    // Seen and at tier 4: DeepSeek and Le Chat; ChatGPT and Perplexity are allowed.
    let (rules, err, code) = plain_rules(&["--seen-in", out]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(rules, set(&[&deepseek[..], &le_chat[..]].concat()));
    assert!(
        err.contains("4 tool(s) seen, 2 of them at a blocked tier"),
        "{err}"
    );
    // The per-tool.csv itself is accepted too.
    let file = format!("{out}/per-tool.csv");
    assert_eq!(plain_rules(&["--seen-in", &file]).0, rules);
    // Listed at tier 4 by the register: DeepSeek only, seen or not.
    let (refused, _, code) = plain_rules(&["--only-refused"]);
    assert_eq!(code, Some(0));
    assert_eq!(refused, set(&deepseek));
    let (both, _, _) = plain_rules(&["--seen-in", out, "--only-refused"]);
    assert_eq!(both, set(&deepseek));
    // Without either, every unlisted tool is blocked too: many more rules.
    let (all, _, _) = plain_rules(&[]);
    assert!(all.len() > 100 && rules.is_subset(&all), "{}", all.len());
    // The file says what it was chosen by.
    let register = repo("examples/register.csv");
    let run = shadowai(&[
        "blocklist",
        "--register",
        register.to_str().unwrap(),
        "--format",
        "unbound",
        "--seen-in",
        out,
        "--only-refused",
    ]);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.contains("tools the register lists at tier 4 (--only-refused"),
        "{text}"
    );
    assert!(text.contains(&format!("only tools seen in the audit: {out}/per-tool.csv")));
}

#[test]
fn issue17_blocklist_seen_in_refuses_what_is_not_an_audit_and_names_unknown_tools() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing-here");
    let (_, err, code) = plain_rules(&["--seen-in", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains(&format!("{}/per-tool.csv", missing.display())),
        "{err}"
    );
    let summary = tmp.path().join("summary.json");
    std::fs::write(&summary, "{\"schema\": 1}\n").unwrap();
    let (_, err, code) = plain_rules(&["--seen-in", summary.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("summary.json:1: no `tool_id` column"), "{err}");
    // A tool the audit saw that this catalogue does not know is named, with its line.
    let dir = tmp.path().join("audit");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("per-tool.csv"),
        "tool_id,tool\nin-house-bot,Bot\ndeepseek,DeepSeek\n",
    )
    .unwrap();
    let (rules, err, code) = plain_rules(&["--seen-in", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert_eq!(rules, set(&["api.deepseek.com", "deepseek.com"]));
    assert!(
        err.contains("per-tool.csv:2: tool `in-house-bot` is not in this catalogue"),
        "{err}"
    );
}

#[test]
fn issue17_blocklist_refuses_a_register_with_a_row_it_cannot_join() {
    // ChatGPT approved under a typo: blocking every unlisted tool would block ChatGPT.
    let tmp = tempfile::tempdir().unwrap();
    let register = tmp.path().join("register.csv");
    let out = tmp.path().join("block.txt");
    let blocklist = |rows: &str| {
        std::fs::write(&register, format!("Tool,Tier\n{rows}")).unwrap();
        let (r, o) = (register.to_str().unwrap(), out.to_str().unwrap());
        shadowai(&[
            "blocklist",
            "--register",
            r,
            "--format",
            "plain",
            "--out",
            o,
        ])
    };
    let run = blocklist("ChatGTP,1\nDeepSeek,4\n");
    let err = String::from_utf8(run.stderr).unwrap();
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("register.csv:2:") && err.contains("chatgpt"),
        "{err}"
    );
    assert!(!out.exists(), "no blocklist is written");
    // Fixed, the same register gives a blocklist without ChatGPT.
    assert_eq!(
        blocklist("ChatGPT Team,1\nDeepSeek,4\n").status.code(),
        Some(0)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().any(|l| l == "deepseek.com"), "{text}");
    assert!(!text.lines().any(|l| l == "chatgpt.com"), "{text}");
}
