//! Integration tests: the built binary on temporary folders, outputs deserialized before
//! comparing. Generated logs carry their own ground truth, so counts are checked exactly.

mod blocklist;
mod generate;
mod partial;
mod report_html;
mod spark;
mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use generate::{Truth, write_logs};

fn shadowai(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shadowai"))
        .args(args)
        .output()
        .expect("run shadowai")
}

fn scan(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["scan".into(), "--quiet".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    shadowai(&refs)
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// (user, tool_id) → events, from per-user.csv.
fn per_user_events(out: &Path) -> Truth {
    read_csv(&out.join("per-user.csv"))
        .into_iter()
        .map(|row| {
            (
                (row["user"].clone(), row["tool_id"].clone()),
                row["events"].parse().unwrap(),
            )
        })
        .collect()
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn sample_logs_give_exact_per_user_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dirs = [
        "sample-logs/squid",
        "sample-logs/zeek-dns",
        "sample-logs/bind-query",
    ]
    .map(repo);
    let run = scan(&dirs.each_ref().map(PathBuf::as_path), &out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got = per_user_events(&out);
    // Counted by hand from sample-logs/: alice's CONNECTs to chatgpt.com and cdn.oaistatic.com,
    // bob's (CORP\bob) to claude.ai and api.anthropic.com, the anonymous client's denied
    // DeepSeek CONNECTs, and DNS clients by address.
    let want = [
        (("alice", "chatgpt"), 8),
        (("bob", "claude"), 4),
        (("bob", "anthropic-api"), 4),
        (("carol", "gemini"), 4),
        (("10.1.0.50", "deepseek"), 3),
        (("10.2.0.21", "chatgpt"), 8),
        (("10.2.0.21", "claude"), 3),
        (("10.3.0.31", "claude"), 6),
        (("10.3.0.33", "mistral-api"), 5),
    ];
    for ((user, tool), n) in want {
        assert_eq!(
            got.get(&(user.to_string(), tool.to_string())),
            Some(&n),
            "{user} × {tool}"
        );
    }
    let s = summary(&out);
    assert_eq!(s["totals"]["files"], 3);
    assert_eq!(s["totals"]["skipped"], 0);
    assert_eq!(
        s["totals"]["matched_events"].as_u64(),
        Some(got.values().sum())
    );
    let formats: Vec<&str> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    // Listed by path, whatever the argument order: a merge of partials lists them alike.
    assert_eq!(
        formats,
        vec!["bind-query", "squid", "zeek-dns"],
        "files are listed in path order"
    );
    // Look-alikes in the sample (notchatgpt.com, chatgpt.com.evil.example) are never tools.
    assert!(
        read_csv(&out.join("per-tool.csv"))
            .iter()
            .all(|r| !r["tool_id"].is_empty())
    );
}

#[test]
fn generated_logs_in_every_format_plain_and_gzip_count_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let truth = write_logs(&logs, 20_000, 42);
    let out = tmp.path().join("out");
    // A small chunk size splits the large plain Squid file into parallel chunks.
    let run = scan(&[&logs], &out, &["--chunk-mib", "1"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(per_user_events(&out), truth);
    let s = summary(&out);
    assert_eq!(s["totals"]["skipped"], 0);
    assert_eq!(s["totals"]["files_with_errors"], 0);
    assert_eq!(s["files"].as_array().unwrap().len(), 7);
}

#[test]
fn one_thread_and_many_give_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    write_logs(&logs, 8_000, 7);
    let outs: Vec<PathBuf> = ["1", "4"]
        .iter()
        .map(|j| {
            let out = tmp.path().join(format!("out-{j}"));
            let run = scan(
                &[&logs, &repo("sample-logs")],
                &out,
                &["-j", j, "--chunk-mib", "1"],
            );
            assert_eq!(run.status.code(), Some(0));
            out
        })
        .collect();
    // Every output, summary.json and report.html included, byte for byte.
    partial::assert_same_outputs(&outs[0], &outs[1], "1 and 4 threads");
}

#[test]
fn bad_files_are_named_and_good_ones_still_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let truth = write_logs(&logs, 2_000, 3);
    let mut noise = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..50_000)
        .map(|_| {
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            noise as u8
        })
        .collect();
    std::fs::write(logs.join("random.bin"), &random).unwrap();
    let gz = std::fs::read(logs.join("squid-b.log.gz")).unwrap();
    std::fs::write(logs.join("truncated.log.gz"), &gz[..gz.len() / 2]).unwrap();
    std::fs::write(logs.join("empty.log"), b"").unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    assert_eq!(run.status.code(), Some(3), "partial exit code");
    let s = summary(&out);
    let files = s["files"].as_array().unwrap();
    let error_of = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()["error"]
            .clone()
    };
    assert!(
        error_of("random.bin")
            .as_str()
            .unwrap()
            .contains("no known log format")
    );
    assert!(
        error_of("truncated.log.gz")
            .as_str()
            .unwrap()
            .contains("truncated")
    );
    assert!(error_of("empty.log").is_null());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("random.bin") && stderr.contains("truncated.log.gz"));
    // Every good file is counted exactly; the truncated copy adds only lines before its cut.
    let got = per_user_events(&out);
    for (k, n) in &truth {
        assert!(got.get(k).copied().unwrap_or(0) >= *n, "{k:?}");
    }
    let truncated = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("truncated.log.gz"))
        .unwrap();
    let extra: u64 = got.values().sum::<u64>() - truth.values().sum::<u64>();
    assert_eq!(extra, truncated["matched"].as_u64().unwrap());
}

#[test]
fn match_explains_the_pattern() {
    let run = shadowai(&[
        "match",
        "https://Chat.OpenAI.com/c/1",
        "notchatgpt.com",
        "=1+1",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "host,tool_id,tool,vendor,category,pattern");
    assert!(
        lines[1].starts_with("chat.openai.com,chatgpt,ChatGPT,OpenAI,chat-assistant,"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "notchatgpt.com,,,,,");
    assert_eq!(lines[3], "'=1+1,,,,,");
}

#[test]
fn user_signatures_add_tools_and_bad_ones_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("inhouse.toml");
    std::fs::write(
        &good,
        "[[tool]]\nid = \"corp-llm-gateway\"\nname = \"Corp LLM Gateway\"\nvendor = \"Corp IT\"\ncategory = \"model-api\"\napi = [\"llm.corp.example\"]\n",
    )
    .unwrap();
    let run = shadowai(&[
        "match",
        "--signatures",
        good.to_str().unwrap(),
        "eu.llm.corp.example",
    ]);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.contains("eu.llm.corp.example,corp-llm-gateway,Corp LLM Gateway"),
        "{text}"
    );
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[[tool]]\nid = \"chatgpt\"\nname = \"X\"\nvendor = \"Y\"\ncategory = \"chat-assistant\"\napp = [\"x.example\"]\n").unwrap();
    let run = shadowai(&["signatures", "lint", bad.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.contains("bad.toml:2: tool id `chatgpt` already defined at signatures/"),
        "{text}"
    );
    let run = shadowai(&[
        "scan",
        "sample-logs",
        "--out",
        tmp.path().join("o").to_str().unwrap(),
        "--signatures",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn forced_format_and_unknown_format_name() {
    let run = shadowai(&["scan", "x", "--out", "y", "--format", "no-such-format"]);
    assert_eq!(run.status.code(), Some(2));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/squid/access.log")],
        &out,
        &["--format", "bind-query"],
    );
    assert_eq!(run.status.code(), Some(0));
    let s = summary(&out);
    assert_eq!(s["files"][0]["format"], "bind-query");
    assert_eq!(s["files"][0]["skipped"], s["files"][0]["lines"]);
}

/// Squid lines for a user kept out of the ground truth, so partly read files can be told apart.
fn mallory_lines(n: usize) -> String {
    (0..n)
        .map(|i| format!("{}.000 5 10.6.6.6 TCP_TUNNEL/200 100 CONNECT claude.ai:443 mallory HIER_DIRECT/1.2.3.4 -\n", 1_794_182_400 + i))
        .collect()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Regression for issue 9: hostile and broken inputs beside good logs.
#[test]
fn hostile_inputs_never_stop_the_good_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let mut truth = write_logs(&logs.join("good"), 2_000, 11);
    let bad = logs.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    // Truncated gzip of a good log: the lines before the cut are kept.
    let full = gzip(mallory_lines(5_000).as_bytes());
    std::fs::write(bad.join("truncated.log.gz"), &full[..full.len() / 2]).unwrap();
    // Corrupt gzip: the magic, then garbage.
    let mut corrupt = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    corrupt.extend(std::iter::repeat_n(0xA5u8, 4096));
    std::fs::write(bad.join("corrupt.gz"), corrupt).unwrap();
    // gzip of binary data, and raw random bytes.
    let mut rng = generate::Rng::new(5);
    let random: Vec<u8> = (0..200_000).map(|_| rng.next() as u8).collect();
    std::fs::write(bad.join("binary.gz"), gzip(&random)).unwrap();
    std::fs::write(bad.join("random.bin"), &random).unwrap();
    // A 50 MB line with no newline.
    std::fs::write(bad.join("one-line.log"), vec![b'x'; 50 << 20]).unwrap();
    std::fs::write(bad.join("empty.log"), b"").unwrap();
    // Non-UTF-8 bytes inside otherwise good lines still count.
    let mut latin1 = Vec::new();
    for i in 0..10 {
        latin1.extend_from_slice(
            format!(
                "{}.000 5 10.7.0.1 TCP_MISS/200 100 GET http://chatgpt.com/caf",
                1_794_182_400 + i
            )
            .as_bytes(),
        );
        latin1.extend_from_slice(b"\xe9\xff/x j\xfcrgen HIER_DIRECT/1.2.3.4 -\n");
    }
    std::fs::write(bad.join("latin1.log"), latin1).unwrap();
    *truth
        .entry(("j\u{fffd}rgen".into(), "chatgpt".into()))
        .or_default() += 10;
    // A decompression bomb (with the limit lowered to 1 MiB for the test).
    // Long runs of one byte compress about 1000:1, far past the 200:1 limit.
    let line = format!(
        "1794182400.000 5 10.6.6.6 TCP_MISS/200 100 GET http://claude.ai/{} mallory HIER_DIRECT/1.2.3.4 -\n",
        "a".repeat(20_000)
    );
    let bomb = line.repeat(1_000);
    std::fs::write(bad.join("bomb.log.gz"), gzip(bomb.as_bytes())).unwrap();
    // A symlink loop.
    #[cfg(unix)]
    std::os::unix::fs::symlink(&bad, bad.join("loop")).unwrap();

    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &["--min-expansion-mib", "1"]);
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut got = per_user_events(&out);
    let mallory = got
        .remove(&("mallory".to_string(), "claude".to_string()))
        .unwrap_or(0);
    assert_eq!(got, truth, "good logs are counted exactly");
    let s = summary(&out);
    let files = s["files"].as_array().unwrap();
    let entry = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in summary"))
    };
    let error = |name: &str| {
        entry(name)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    for (file, reason) in [
        ("truncated.log.gz", "truncated"),
        ("corrupt.gz", "corrupt gzip"),
        ("binary.gz", "no known log format"),
        ("random.bin", "no known log format"),
        ("one-line.log", "no known log format"),
        ("bomb.log.gz", "decompression bomb"),
    ] {
        assert!(error(file).contains(reason), "{file}: {}", error(file));
    }
    #[cfg(unix)]
    assert!(error("loop").contains("symlink loop"), "{}", error("loop"));
    assert!(entry("empty.log")["error"].is_null());
    assert_eq!(entry("latin1.log")["events"], 10);
    // Partly read files count what they read, and only that.
    let partial = entry("truncated.log.gz")["matched"].as_u64().unwrap()
        + entry("bomb.log.gz")["matched"].as_u64().unwrap();
    assert!(partial > 0);
    assert_eq!(mallory, partial);
}

#[test]
fn a_long_line_inside_a_log_is_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = mallory_lines(100);
    text.push_str(&"y".repeat(3 << 20));
    text.push('\n');
    text.push_str(&mallory_lines(50));
    let log = tmp.path().join("access.log");
    std::fs::write(&log, text).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&log], &out, &[]);
    assert_eq!(run.status.code(), Some(0));
    let s = summary(&out);
    assert_eq!(s["files"][0]["skipped"], 1);
    assert_eq!(s["files"][0]["events"], 150);
    assert_eq!(s["files"][0]["skipped_examples"][0]["line"], 101);
    assert!(
        s["files"][0]["skipped_examples"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("longer than")
    );
}

#[test]
fn nothing_readable_is_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let run = scan(
        &[&tmp.path().join("no-such-dir")],
        &tmp.path().join("out"),
        &[],
    );
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no-such-dir"));
}

#[test]
fn syslog_wrapped_lines_count_as_their_inner_format() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = generate::Rng::new(21);
    let mut truth = Truth::new();
    let text = generate::squid(&mut rng, 500, &mut truth);
    let wrapped: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i % 2 {
            0 => format!("<150>Nov 24 10:00:00 proxy1 squid[412]: {l}\n"),
            _ => format!("<150>1 2026-11-24T10:00:00Z proxy1 squid 412 - - {l}\n"),
        })
        .collect();
    let log = tmp.path().join("access.log");
    std::fs::write(&log, wrapped).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&log], &out, &[]);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(summary(&out)["files"][0]["format"], "squid");
    assert_eq!(per_user_events(&out), truth);
}

/// Regression for issue 5: a register with tiers 1-3 in spreadsheet spellings.
const REGISTER: &str = "\u{feff}Tool ID , Tool Name,Approval Tier,Last Review,Reviewer,Notes,Cost Centre\r\n\
chatgpt,ChatGPT,\"Tier 1 — Approved Enterprise\",2026-10-01,\"Smith, Ann\",\"SSO via \"\"Okta\"\", DPA signed\",CC-7\r\n\
,Claude,Tier 2,01.11.2024,Bob,,CC-9\r\n\
,\"Microsoft Copilot\",under evaluation,2026-09-15,Carol,\"pilot, 10 seats\",\r\n";

#[test]
fn register_tiers_reach_every_output_and_findings_follow_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, REGISTER).unwrap();
    let out = tmp.path().join("out");
    let dirs = ["sample-logs/squid", "sample-logs/zeek-dns"].map(repo);
    let mut inputs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    inputs.sort();
    let run = scan(&inputs, &out, &["--register", reg.to_str().unwrap()]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let want_tier = |tool: &str| match tool {
        "chatgpt" => "1",
        "claude" => "2",
        "microsoft-copilot" => "3",
        _ => "4",
    };
    for file in ["per-user.csv", "per-tool.csv", "daily.csv"] {
        for row in read_csv(&out.join(file)) {
            assert_eq!(row["tier"], want_tier(&row["tool_id"]), "{file}: {row:?}");
            if let Some(r) = row.get("registered") {
                assert_eq!(
                    r == "true",
                    want_tier(&row["tool_id"]) != "4",
                    "{file}: {row:?}"
                );
            }
        }
    }
    let findings = read_csv(&out.join("findings.csv"));
    let has = |rule: &str, user: &str, tool: &str| {
        findings
            .iter()
            .any(|f| f["rule"] == rule && f["user"] == user && f["tool_id"] == tool)
    };
    assert!(has("shadow-ai", "dave", "cursor"), "tier-4 user named");
    assert!(has("shadow-ai", "10.1.0.50", "deepseek"));
    assert!(
        has("under-evaluation", "10.2.0.22", "microsoft-copilot"),
        "tier-3 user named"
    );
    assert!(
        has("stale-assessment", "", "claude"),
        "assessed 2024-11-01, window ends 2026-11"
    );
    assert!(!has("stale-assessment", "", "chatgpt"));
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] != "shadow-ai" || f["tier"] == "4")
    );
    let high = findings
        .iter()
        .position(|f| f["severity"] != "high")
        .unwrap_or(findings.len());
    assert!(
        findings[high..].iter().all(|f| f["severity"] != "high"),
        "severity first"
    );
    let candidates = read_csv(&out.join("register-candidates.csv"));
    assert!(
        candidates
            .iter()
            .all(|c| !["chatgpt", "claude", "microsoft-copilot"].contains(&c["tool_id"].as_str()))
    );
    assert!(candidates.iter().any(|c| c["tool_id"] == "deepseek"));

    // register update: exactly the candidates, every existing byte kept, idempotent.
    let run = shadowai(&[
        "register",
        "update",
        "--register",
        reg.to_str().unwrap(),
        "--from",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let updated = std::fs::read_to_string(&reg).unwrap();
    assert!(updated.starts_with(REGISTER));
    let added: Vec<&str> = updated[REGISTER.len()..]
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(added.len(), candidates.len());
    for (line, c) in added.iter().zip(&candidates) {
        assert!(
            line.starts_with(&format!("{},{},4,", c["tool_id"], c["tool"])),
            "{line}"
        );
    }
    let run = shadowai(&[
        "register",
        "update",
        "--register",
        reg.to_str().unwrap(),
        "--from",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&reg).unwrap(),
        updated,
        "second run changes nothing"
    );
}

#[test]
fn bad_register_is_a_usage_error_naming_line_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, "Tool,Tier\nChatGPT,1\nClaude,Tier Five\n").unwrap();
    let run = scan(
        &[&repo("sample-logs/squid")],
        &tmp.path().join("out"),
        &["--register", reg.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("register.csv:3: tier `Tier Five`"), "{err}");
}

#[test]
fn identity_leases_name_ip_only_users_at_the_event_time() {
    let tmp = tempfile::tempdir().unwrap();
    // 10.2.0.21 queried chatgpt.com on 2026-11-09 and claude.ai later (sample-logs/zeek-dns).
    let leases = tmp.path().join("leases.csv");
    std::fs::write(&leases, "ip,user,start,end\n10.2.0.21,CORP\\erin,2026-11-09T00:00:00Z,2026-11-15T23:59:59Z\n10.2.0.21,frank,2026-11-16,\n").unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/zeek-dns")],
        &out,
        &["--identity", leases.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(0));
    let got = per_user_events(&out);
    let plain_out = tmp.path().join("plain");
    scan(&[&repo("sample-logs/zeek-dns")], &plain_out, &[]);
    let plain = per_user_events(&plain_out);
    let ip_total: u64 = plain
        .iter()
        .filter(|((u, _), _)| u == "10.2.0.21")
        .map(|(_, n)| n)
        .sum();
    let leased: u64 = got
        .iter()
        .filter(|((u, _), _)| u == "erin" || u == "frank")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(leased, ip_total, "every event of the address is attributed");
    assert!(got.keys().any(|(u, _)| u == "erin") && got.keys().any(|(u, _)| u == "frank"));
    assert!(!got.keys().any(|(u, _)| u == "10.2.0.21"));
    let s = summary(&out);
    let total: u64 = plain.values().sum();
    assert_eq!(s["identity"]["attributed_events"].as_u64(), Some(ip_total));
    assert_eq!(
        s["identity"]["unattributed_events"].as_u64(),
        Some(total - ip_total)
    );
}

#[test]
fn pseudonymized_reports_carry_tokens_that_reveal_maps_back() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key");
    std::fs::write(&key, "correct horse battery staple\n").unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/squid")],
        &out,
        &["--pseudonymize-key", key.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(0));
    let rows = read_csv(&out.join("per-user.csv"));
    assert!(
        rows.iter()
            .all(|r| r["user"].starts_with("u-") && r["user"].len() == 18),
        "{rows:?}"
    );
    for file in ["per-user.csv", "findings.csv", "register-candidates.csv"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(
            !text.contains("alice") && !text.contains("10.1.0.50"),
            "{file} leaks a user"
        );
    }
    assert_eq!(summary(&out)["users_pseudonymized"], true);
    let names = tmp.path().join("names");
    std::fs::write(&names, "CORP\\Alice\nnobody\n").unwrap();
    let run = shadowai(&[
        "reveal",
        "--pseudonymize-key",
        key.to_str().unwrap(),
        "--users",
        names.to_str().unwrap(),
    ]);
    let text = String::from_utf8(run.stdout).unwrap();
    let alice_token = text
        .lines()
        .find(|l| l.ends_with(",alice"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert!(
        rows.iter().any(|r| r["user"] == alice_token),
        "the token in the report reveals as alice"
    );
}

#[test]
fn since_and_until_bound_the_window_and_coverage_flags_missing_days() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/squid")],
        &out,
        &["--since", "2026-11-10", "--until", "2026-11-12"],
    );
    assert_eq!(run.status.code(), Some(0));
    let s = summary(&out);
    let f = &s["files"][0];
    let counted: u64 = per_user_events(&out).values().sum();
    assert!(f["out_of_window"].as_u64().unwrap() > 0);
    assert_eq!(f["matched"].as_u64(), Some(counted));
    for row in read_csv(&out.join("per-user.csv")) {
        assert!(
            row["first_seen"].as_str() >= "2026-11-10" && row["last_seen"].as_str() < "2026-11-13",
            "{row:?}"
        );
    }
    assert_eq!(s["audit"]["from"], "2026-11-10");
    assert_eq!(s["audit"]["to"], "2026-11-12");
    assert_eq!(
        s["audit"]["complete"], false,
        "three days are not a two-week audit"
    );
    assert_eq!(s["audit"]["sources"]["proxy"]["missing_day_count"], 0);
}
