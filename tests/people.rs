//! Issue 21: people, teams and the nightly alert. A generated Squid log of 400 people and a
//! directory for 90 % of them (some rows keyed by mail only, users logged as `x`, `CORP\x`
//! or `x@corp.example.com`), checked against ground truth computed here: the department
//! roll-up, the columns it adds, what is new since the last `--state` run, the manager
//! digests and the pseudonymized run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::generate::Rng;
use crate::util::{read_csv, scan, shadowai};

const PEOPLE: usize = 400;
/// People 0..WEEK1_PEOPLE appear in week 1; everyone in week 2.
const WEEK1_PEOPLE: usize = 380;
const DEPARTMENTS: [&str; 5] = ["Finance", "Legal", "R&D", "Sales", "=HR"];
/// 2026-11-09T00:00:00Z.
const START: u64 = 1_794_182_400;
const WEEK1_HOSTS: [(&str, &str); 3] = [
    ("chatgpt.com", "chatgpt"),
    ("claude.ai", "claude"),
    ("gemini.google.com", "gemini"),
];
/// Week 2 adds two tools no one used in week 1.
const WEEK2_HOSTS: [(&str, &str); 5] = [
    ("chatgpt.com", "chatgpt"),
    ("claude.ai", "claude"),
    ("gemini.google.com", "gemini"),
    ("www.perplexity.ai", "perplexity"),
    ("chat.deepseek.com", "deepseek"),
];
/// The register: chatgpt approved (tier 2), claude under evaluation (3); the rest tier 4.
const REGISTER: &str = "Tool ID,Tier\nchatgpt,2\nclaude,3\n";

fn person(i: usize) -> String {
    format!("p{i:03}")
}

/// People the directory lists: all but every tenth.
fn in_directory(i: usize) -> bool {
    i % 10 != 9
}

fn department(i: usize) -> &'static str {
    DEPARTMENTS[i % DEPARTMENTS.len()]
}

/// Two managers per department; one of them with a hostile name.
fn manager(i: usize) -> String {
    let d = department(i);
    if i.is_multiple_of(2) && d == "Legal" {
        "../../Eve | *Boss* <script>".to_string()
    } else {
        format!("m-{}-{}", d.trim_start_matches('=').to_lowercase(), i % 2)
    }
}

fn tier(tool: &str) -> u8 {
    match tool {
        "chatgpt" => 2,
        "claude" => 3,
        _ => 4,
    }
}

/// One event: (person, tool_id, time).
type Event = (usize, &'static str, u64);

/// A week of Squid lines (`week` 0 or 1) and its events. Every person of the week has 1 to 4
/// events, logged as `x`, `CORP\x` or `x@corp.example.com`.
fn week(rng: &mut Rng, week: u64) -> (String, Vec<Event>) {
    let (people, hosts): (usize, &[(&str, &'static str)]) = if week == 0 {
        (WEEK1_PEOPLE, &WEEK1_HOSTS)
    } else {
        (PEOPLE, &WEEK2_HOSTS)
    };
    let mut log = String::new();
    let mut events = Vec::new();
    for i in 0..people {
        for _ in 0..1 + rng.below(4) {
            let (host, tool) = hosts[rng.below(hosts.len())];
            let ts = START + week * 7 * 86_400 + rng.next() % (7 * 86_400);
            let user = match i % 3 {
                0 => person(i),
                1 => format!("CORP\\{}", person(i).to_uppercase()),
                _ => format!("{}@corp.example.com", person(i)),
            };
            writeln!(
                log,
                "{ts}.000 120 10.1.{}.{} TCP_TUNNEL/200 4000 CONNECT {host}:443 {user} HIER_DIRECT/203.0.113.7 -",
                i / 250,
                i % 250
            )
            .unwrap();
            events.push((i, tool, ts));
        }
    }
    (log, events)
}

/// The directory: `sAMAccountName,mail,Department,Manager`; every fourth row keyed by mail only.
fn directory() -> String {
    let mut s = String::from("sAMAccountName,mail,Department,Manager\n");
    for i in (0..PEOPLE).filter(|&i| in_directory(i)) {
        let account = if i % 4 == 0 { String::new() } else { person(i) };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            account,
            format!("{}@corp.example.com", person(i)),
            department(i).to_string(),
            manager(i),
        ])
        .unwrap();
        s.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
    }
    s
}

struct Setup {
    dir: tempfile::TempDir,
    events: [Vec<Event>; 2],
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng::new(21);
        let (w1, e1) = week(&mut rng, 0);
        let (w2, e2) = week(&mut rng, 1);
        std::fs::create_dir_all(dir.path().join("logs1")).unwrap();
        std::fs::create_dir_all(dir.path().join("logs2")).unwrap();
        std::fs::write(dir.path().join("logs1/week1.log"), &w1).unwrap();
        std::fs::write(dir.path().join("logs2/week1.log"), &w1).unwrap();
        std::fs::write(dir.path().join("logs2/week2.log"), &w2).unwrap();
        std::fs::write(dir.path().join("ad.csv"), directory()).unwrap();
        std::fs::write(dir.path().join("register.csv"), REGISTER).unwrap();
        std::fs::write(dir.path().join("key"), "0123456789abcdef-people").unwrap();
        Setup {
            dir,
            events: [e1, e2],
        }
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).display().to_string()
    }

    /// `scan` of `logs` into `out` with the directory and register, plus `extra`.
    fn scan(&self, logs: &str, out: &str, extra: &[&str]) -> std::process::Output {
        let (ad, register) = (self.path("ad.csv"), self.path("register.csv"));
        let mut args = vec!["--directory", &ad, "--register", &register];
        args.extend(extra);
        let o = scan(
            &[&self.dir.path().join(logs)],
            &self.dir.path().join(out),
            &args,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    }

    /// As [`Setup::scan`], without `--quiet`: with the end-of-run block.
    fn scan_loud(&self, logs: &str, out: &str, extra: &[&str]) -> std::process::Output {
        let (ad, register) = (self.path("ad.csv"), self.path("register.csv"));
        let (logs, out) = (self.path(logs), self.path(out));
        let mut args = vec!["scan", &logs, "--out", &out, "--directory", &ad];
        args.extend(["--register", &register]);
        args.extend(extra);
        let o = shadowai(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    }
}

fn expected_department(i: usize) -> &'static str {
    if in_directory(i) {
        department(i)
    } else {
        "(not in directory)"
    }
}

/// (department, tool_id) → (users, events) over `events`.
fn truth(events: &[Event]) -> BTreeMap<(String, String), (usize, u64)> {
    let mut m: BTreeMap<(String, String), (BTreeSet<usize>, u64)> = BTreeMap::new();
    for &(i, tool, _) in events {
        let e = m
            .entry((expected_department(i).to_string(), tool.to_string()))
            .or_default();
        e.0.insert(i);
        e.1 += 1;
    }
    m.into_iter()
        .map(|(k, (users, events))| (k, (users.len(), events)))
        .collect()
}

fn per_department(out: &Path) -> BTreeMap<(String, String), (usize, u64)> {
    read_csv(&out.join("per-department.csv"))
        .into_iter()
        .map(|r| {
            (
                (
                    r["department"].trim_start_matches('\'').to_string(),
                    r["tool_id"].clone(),
                ),
                (r["users"].parse().unwrap(), r["events"].parse().unwrap()),
            )
        })
        .collect()
}

/// Case 1 and 2: the department roll-up is exact, people not in the directory are under
/// `(not in directory)` whichever way they were logged, and per-user.csv and findings.csv
/// carry each person's department and manager.
#[test]
fn per_department_counts_are_exact() {
    let s = Setup::new();
    s.scan("logs2", "out", &[]);
    let out = s.dir.path().join("out");
    let all: Vec<Event> = s.events.concat();
    assert_eq!(per_department(&out), truth(&all));
    let header = std::fs::read_to_string(out.join("per-department.csv")).unwrap();
    assert!(
        header.starts_with(
            "department,tool_id,tool,tier,users,events,bytes_out,first_seen,last_seen\n"
        )
    );
    // A department written as a formula is neutralized like every text cell.
    assert!(header.contains("\n'=HR,"), "{header}");
    for r in read_csv(&out.join("per-user.csv")) {
        let i: usize = r["user"][1..].parse().unwrap();
        assert_eq!(
            r["department"].trim_start_matches('\''),
            expected_department(i),
            "{r:?}"
        );
        let m = if in_directory(i) {
            manager(i)
        } else {
            String::new()
        };
        assert_eq!(r["manager"], m, "{r:?}");
    }
    let findings = read_csv(&out.join("findings.csv"));
    assert!(findings.iter().any(|f| f["rule"] == "shadow-ai"));
    for f in findings.iter().filter(|f| !f["user"].is_empty()) {
        let i: usize = f["user"][1..].parse().unwrap();
        assert_eq!(
            f["department"].trim_start_matches('\''),
            expected_department(i)
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("By department") && html.contains("departments-heat"));
    assert!(html.contains("Finance") && html.contains("(not in directory)"));

    // Without --directory: no per-department.csv, the columns are there and empty, and the
    // section says why it is empty.
    let o = scan(
        &[&s.dir.path().join("logs1")],
        &s.dir.path().join("plain"),
        &[],
    );
    assert!(o.status.success());
    let plain = s.dir.path().join("plain");
    assert!(!plain.join("per-department.csv").exists());
    assert!(!plain.join("new-since-last-run.csv").exists());
    let rows = read_csv(&plain.join("per-user.csv"));
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["department"].is_empty() && r["manager"].is_empty())
    );
    let html = std::fs::read_to_string(plain.join("report.html")).unwrap();
    assert!(html.contains("No <code>--directory</code> was given"));
}

/// Case 1: a directory that cannot be used stops the run with exit 2 naming file and line;
/// a duplicate key is a warning naming both rows, and the first row wins.
#[test]
fn bad_and_duplicate_directory_rows() {
    let s = Setup::new();
    std::fs::write(
        s.dir.path().join("bad.csv"),
        "displayName,title\nAlice,CEO\n",
    )
    .unwrap();
    let o = scan(
        &[&s.dir.path().join("logs1")],
        &s.dir.path().join("out"),
        &["--directory", &s.path("bad.csv")],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:1: no account"), "{err}");
    std::fs::write(
        s.dir.path().join("dup.csv"),
        "user,email,department\np001,,First\n,p001@corp.example.com,Second\n",
    )
    .unwrap();
    let o = scan(
        &[&s.dir.path().join("logs1")],
        &s.dir.path().join("out"),
        &["--directory", &s.path("dup.csv")],
    );
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("dup.csv:3: directory user `p001` is already at"),
        "{err}"
    );
    let rows = read_csv(&s.dir.path().join("out/per-user.csv"));
    assert!(
        rows.iter()
            .filter(|r| r["user"] == "p001")
            .all(|r| r["department"] == "First")
    );
}

/// The new-since rows expected when `before` was in the state and `now` is read.
fn expected_news(before: &[Event], now: &[Event]) -> BTreeSet<(String, String, String, String)> {
    let old_tools: BTreeSet<&str> = before.iter().map(|e| e.1).collect();
    let old_pairs: BTreeSet<(usize, &str)> = before.iter().map(|e| (e.0, e.1)).collect();
    let mut first: BTreeMap<(usize, &str), u64> = BTreeMap::new();
    let mut tool_first: BTreeMap<&str, u64> = BTreeMap::new();
    for &(i, tool, ts) in now {
        if !old_pairs.contains(&(i, tool)) {
            let f = first.entry((i, tool)).or_insert(ts);
            *f = (*f).min(ts);
        }
        if !old_tools.contains(tool) {
            let f = tool_first.entry(tool).or_insert(ts);
            *f = (*f).min(ts);
        }
    }
    let day = |ts: u64| {
        let d = (ts / 86_400) as i64;
        // 1970-01-01 + d days, as the day part of RFC 3339.
        let (y, m, dd) = civil(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    let mut want: BTreeSet<(String, String, String, String)> = tool_first
        .into_iter()
        .map(|(t, ts)| ("tool".into(), t.into(), String::new(), day(ts)))
        .collect();
    want.extend(
        first
            .into_iter()
            .filter(|((_, t), _)| tier(t) >= 3)
            .map(|((i, t), ts)| ("user".into(), t.into(), person(i), day(ts))),
    );
    want
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn news(out: &Path) -> BTreeSet<(String, String, String, String)> {
    read_csv(&out.join("new-since-last-run.csv"))
        .into_iter()
        .map(|r| {
            assert_eq!(
                r["tier"].parse::<u8>().unwrap(),
                tier(&r["tool_id"]),
                "{r:?}"
            );
            (
                r["kind"].clone(),
                r["tool_id"].clone(),
                r["user"].clone(),
                r["first_seen"][..10].to_string(),
            )
        })
        .collect()
}

/// Case 4: two nightly runs, week 1 then week 1 + week 2: the second lists exactly the tools
/// and the (person, tier-3/4 tool) pairs first seen in week 2; a third run over the same data
/// writes the header only; `--jsonl` writes the same rows as ECS objects.
#[test]
fn new_since_last_run_lists_exactly_what_week_two_added() {
    let s = Setup::new();
    let db = s.path("state.db");
    let state = ["--state", db.as_str(), "--jsonl"];
    s.scan("logs1", "night1", &state);
    let night1 = s.dir.path().join("night1");
    assert_eq!(news(&night1), expected_news(&[], &s.events[0]));
    let o = s.scan_loud("logs2", "night2", &state);
    let night2 = s.dir.path().join("night2");
    let want = expected_news(&s.events[0], &s.events[1]);
    assert!(want.iter().any(|w| w.0 == "tool") && want.iter().any(|w| w.0 == "user"));
    assert!(!want.iter().any(|w| w.1 == "chatgpt"), "tier 2: not news");
    assert_eq!(news(&night2), want);
    let err = String::from_utf8_lossy(&o.stderr);
    let tools = want.iter().filter(|w| w.0 == "tool").count();
    assert!(
        err.contains(&format!(
            "new since the last run: {tools} tool(s), {} person",
            want.len() - tools
        )),
        "{err}"
    );
    let jsonl = std::fs::read_to_string(night2.join("new-since-last-run.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), want.len());
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["event.dataset"], "shadowai.new_since_last_run");
        assert!(v["shadowai.tool.id"].is_string() && v["@timestamp"].is_string());
    }
    // The window of the second night covers both weeks, by department exactly.
    assert_eq!(per_department(&night2), truth(&s.events.concat()));
    s.scan("logs2", "night3", &state);
    let csv = std::fs::read_to_string(s.dir.path().join("night3/new-since-last-run.csv")).unwrap();
    assert_eq!(csv, "kind,tool_id,tool,tier,user,first_seen\n");
}

/// Case 3: one digest per manager (plus one for people without a manager), each naming only
/// that manager's people; hostile manager names make inert file names.
#[test]
fn digests_hold_only_their_managers_people() {
    let s = Setup::new();
    s.scan("logs2", "out", &[]);
    let digests = s.dir.path().join("digests");
    let o = shadowai(&[
        "digest",
        "--from",
        &s.path("out"),
        "--by",
        "manager",
        "--out",
        &digests.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let managers: BTreeSet<String> = (0..PEOPLE)
        .filter(|&i| in_directory(i))
        .map(manager)
        .collect();
    let index = read_csv(&digests.join("index.csv"));
    assert_eq!(index.len(), managers.len() + 1);
    let files: BTreeSet<String> = std::fs::read_dir(&digests)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2 * index.len() + 1, "{files:?}");
    for row in &index {
        let name = row["manager"].as_str();
        let md_file = &row["markdown"];
        assert!(
            md_file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
            "{md_file}"
        );
        let md = std::fs::read_to_string(digests.join(md_file)).unwrap();
        let csv = std::fs::read_to_string(digests.join(&row["csv"])).unwrap();
        let mut named = 0;
        for i in 0..PEOPLE {
            let theirs = if name == "(no manager)" {
                !in_directory(i)
            } else {
                in_directory(i) && manager(i) == name
            };
            if md.contains(&person(i)) {
                assert!(theirs, "{} in the digest of {name}", person(i));
                named += 1;
            }
            if csv.contains(&person(i)) {
                assert!(theirs, "{} in the CSV digest of {name}", person(i));
            }
        }
        assert!(named > 0, "{name}: nobody named");
        assert!(!md.contains("<script>"), "markdown not escaped:\n{md}");
        if name != "(no manager)" {
            assert!(md.contains("Policy clause") && md.contains("## Tools by tier"));
            assert!(csv.starts_with("user,department,manager,severity,rule,"));
            assert!(csv.contains("Unapproved"), "{csv}");
        }
    }
    // An audit without the manager column cannot be digested (exit 2).
    std::fs::write(
        s.dir.path().join("out/per-user.csv"),
        "user,tool,tier,events\n",
    )
    .unwrap();
    let o = shadowai(&["digest", "--from", &s.path("out"), "--out", &s.path("d2")]);
    assert_eq!(o.status.code(), Some(2));
}

/// Case 1: with `--pseudonymize-key`, departments stay in clear and counts are the same;
/// no person's name or manager's name appears in any output; managers are user tokens.
#[test]
fn pseudonymized_run_keeps_departments_and_hides_names() {
    let s = Setup::new();
    let key = s.path("key");
    s.scan(
        "logs2",
        "out",
        &["--pseudonymize-key", &key, "--jsonl", "--xlsx"],
    );
    let out = s.dir.path().join("out");
    assert_eq!(per_department(&out), truth(&s.events.concat()));
    for r in read_csv(&out.join("per-user.csv")) {
        assert!(r["user"].starts_with("u-"));
        assert!(
            r["manager"].is_empty() || r["manager"].starts_with("u-"),
            "{r:?}"
        );
    }
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let text = if path.extension().is_some_and(|e| e == "xlsx") {
            crate::xlsx::cells_text(&path)
        } else {
            std::fs::read_to_string(&path).unwrap()
        };
        assert!(!text.is_empty(), "{}", path.display());
        for i in (0..PEOPLE).step_by(7) {
            assert!(
                !text.contains(&person(i)),
                "{} in {}",
                person(i),
                path.display()
            );
        }
        assert!(
            !text.contains("m-finance-0") && !text.contains("Boss"),
            "{}",
            path.display()
        );
    }
}

/// Case 1: the directory joins the users `--identity` names (after the lease mapping), and a
/// merge of partials writes the same per-department.csv as one scan.
#[test]
fn identity_and_merge_join_the_directory() {
    let s = Setup::new();
    // An anonymous proxy line from an address leased to p005 (CORP\p005 in the lease file).
    std::fs::create_dir_all(s.dir.path().join("anon")).unwrap();
    std::fs::write(
        s.dir.path().join("anon/anon.log"),
        format!(
            "{}.000 120 10.7.0.5 TCP_TUNNEL/200 4000 CONNECT claude.ai:443 - HIER_DIRECT/203.0.113.7 -\n",
            START + 3600
        ),
    )
    .unwrap();
    std::fs::write(
        s.dir.path().join("leases.csv"),
        "ip,user\n10.7.0.5,CORP\\p005\n",
    )
    .unwrap();
    s.scan("anon", "id", &["--identity", &s.path("leases.csv")]);
    let rows = read_csv(&s.dir.path().join("id/per-user.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["user"].as_str(), rows[0]["department"].as_str()),
        ("p005", department(5))
    );

    s.scan("logs2", "scan", &[]);
    let partial = s.path("part.tsv");
    let (ad, register, merged) = (s.path("ad.csv"), s.path("register.csv"), s.path("merged"));
    let o = shadowai(&[
        "scan",
        "--quiet",
        &s.path("logs2"),
        "--emit-partial",
        &partial,
        "--register",
        &register,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = shadowai(&[
        "merge",
        &partial,
        "--directory",
        &ad,
        "--register",
        &register,
        "--out",
        &merged,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(s.dir.path().join("merged/per-department.csv")).unwrap(),
        std::fs::read(s.dir.path().join("scan/per-department.csv")).unwrap()
    );
}
