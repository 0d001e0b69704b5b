//! `shadowai scan` end to end: exact per-user counts on the sample logs and on generated logs
//! (plain, gzip, chunked), identical outputs at any thread count, forced and unknown formats,
//! syslog-wrapped lines, the `--since`/`--until` window, and the exit code when inputs fail: 1 and
//! no report when nothing is readable, 3 and reports when something was (issue 23, case 5).

use std::path::PathBuf;

use crate::generate::{self, Truth, write_logs};
use crate::util::{assert_same_outputs, per_user_events, read_csv, repo, scan, shadowai, summary};

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
    assert_same_outputs(&outs[0], &outs[1], "1 and 4 threads");
}

#[test]
fn forced_format_and_unknown_format_name() {
    let run = shadowai(&["scan", "x", "--out", "y", "--format", "no-such-format"]);
    assert_eq!(run.status.code(), Some(2));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let squid = repo("sample-logs/squid/access.log");
    let run = scan(&[&squid], &out, &["--format", "squid"]);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(summary(&out)["files"][0]["format"], "squid");
    // The wrong format makes every line malformed: no data, no report (issue 17).
    let wrong = tmp.path().join("wrong");
    let run = scan(&[&squid], &wrong, &["--format", "bind-query"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("malformed lines; no report written"), "{err}");
    assert!(!wrong.exists());
}

/// The names and bytes of the files in `dir`.
fn contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn nothing_readable_is_exit_1_and_writes_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-dir");
    // A new folder: not created (nor left behind).
    let fresh = tmp.path().join("out");
    let run = scan(&[&missing], &fresh, &[]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("no-such-dir") && err.contains("no report written"),
        "{err}"
    );
    assert!(!fresh.exists(), "no output folder created");
    // Last night's reports: every file stays as it was, and no temporary file is left.
    let old = tmp.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("per-user.csv"), "last night\n").unwrap();
    std::fs::write(old.join("notes.txt"), "mine\n").unwrap();
    let before = contents(&old);
    let run = scan(&[&missing], &old, &["--jsonl"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(contents(&old), before, "the output folder is untouched");
    // With --state the window is rendered from the state all the same, once it holds data;
    // a state that holds none has nothing to render.
    let state = tmp.path().join("state.db");
    let state_arg = ["--state", state.to_str().unwrap()];
    let run = scan(&[&missing], &fresh, &state_arg);
    assert_eq!(run.status.code(), Some(1));
    assert!(!fresh.exists(), "nothing to render from an empty state");
    let squid = repo("sample-logs/squid");
    assert_eq!(scan(&[&squid], &fresh, &state_arg).status.code(), Some(0));
    std::fs::remove_dir_all(&fresh).unwrap();
    let run = scan(&[&missing], &fresh, &state_arg);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        fresh.join("summary.json").exists(),
        "--state renders its window"
    );
}

#[test]
fn an_only_input_read_partly_is_exit_3_with_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut rng = generate::Rng::new(23);
    let text = generate::squid(&mut rng, 5_000, &mut Truth::new());
    let gz = crate::util::gzip(text.as_bytes());
    std::fs::write(logs.join("cut.log.gz"), &gz[..gz.len() * 2 / 3]).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{err}");
    assert!(err.contains("cut.log.gz"), "{err}");
    let file = &summary(&out)["files"][0];
    assert!(file["error"].is_string(), "{file}");
    assert!(file["lines"].as_u64().unwrap() > 1_000, "{file}");
    assert!(!read_csv(&out.join("per-user.csv")).is_empty());
    // The partial of that scan, merged, ends the same way.
    let part = tmp.path().join("p.tsv");
    let run = shadowai(&[
        "scan",
        "--quiet",
        logs.to_str().unwrap(),
        "--emit-partial",
        part.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(3));
    let merged = tmp.path().join("merged");
    let run = shadowai(&[
        "merge",
        part.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(3));
    assert_eq!(
        contents(&merged),
        contents(&out),
        "merge writes what scan wrote"
    );
}

#[test]
fn a_merge_of_partials_whose_inputs_all_failed_is_exit_1_with_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("p.tsv");
    let missing = tmp.path().join("no-such.log");
    let run = shadowai(&[
        "scan",
        "--quiet",
        missing.to_str().unwrap(),
        "--emit-partial",
        part.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(3), "the partial carries the error");
    let out = tmp.path().join("out");
    let run = shadowai(&[
        "merge",
        part.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no-such.log") && err.contains("no report written"),
        "{err}"
    );
    assert!(!out.exists());
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
