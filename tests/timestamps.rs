//! Implausible event times (issue 23, cases 1 and 2): a time before 1990 or more than a day
//! past the run's clock is a skipped line with its reason, never an event; it neither crashes
//! the report nor widens the audit window, on every way of reading (whole files, parallel
//! chunks, `--state`, `--emit-partial` and `merge`).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::util::{per_user_events, repo, scan, shadowai, summary};

/// The reason `summary.json` gives for such a line.
const REASON: &str = "timestamp out of range (before 1990 or after tomorrow)";

/// A Squid line of the sample's first user and tool at Unix time `ts`.
fn squid_at(ts: &str) -> String {
    format!(
        "{ts}  12938 10.1.0.11 TCP_TUNNEL/200 20072 CONNECT chatgpt.com:443 alice HIER_DIRECT/104.18.32.47 -\n"
    )
}

/// A Zeek JSON DNS line at epoch `ts` (a JSON number).
fn zeek_at(ts: &str) -> String {
    format!(
        "{{\"_path\":\"dns\",\"ts\":{ts},\"uid\":\"CX\",\"id.orig_h\":\"10.20.1.15\",\"query\":\"chatgpt.com\"}}\n"
    )
}

/// The Squid and Zeek JSON samples in `dir`, each followed by `squid_extra` / `zeek_extra`.
fn write_samples(dir: &Path, squid_extra: &str, zeek_extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let squid = std::fs::read_to_string(repo("sample-logs/squid/access.log")).unwrap();
    let zeek = std::fs::read_to_string(repo("sample-logs/zeek-json/zeek.ndjson")).unwrap();
    std::fs::write(dir.join("access.log"), squid + squid_extra).unwrap();
    std::fs::write(dir.join("zeek.ndjson"), zeek + zeek_extra).unwrap();
}

/// The `summary.json` entry of the input whose path ends with `name`.
fn file<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(name))
        .unwrap()
}

/// `(lines, events, skipped)` of a `summary.json` file entry or totals.
fn counts(v: &Value) -> (u64, u64, u64) {
    let n = |k: &str| v[k].as_u64().unwrap();
    (n("lines"), n("events"), n("skipped"))
}

/// Asserts that `bad` read like `good` plus `extra` skipped lines, each with [`REASON`], at the
/// given line numbers.
fn assert_skipped(good: &Value, bad: &Value, name: &str, lines: &[u64]) {
    let (g, b) = (file(good, name), file(bad, name));
    let (gl, ge, gs) = counts(g);
    let extra = lines.len() as u64;
    assert_eq!(counts(b), (gl + extra, ge, gs + extra), "{name}");
    let examples: Vec<(u64, &str)> = b["skipped_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    let want: Vec<(u64, &str)> = lines.iter().map(|&l| (l, REASON)).collect();
    assert_eq!(examples, want, "{name}");
}

/// Issue 23, case 1: one Squid time of day 2^31 (`185542587187200`) or a Zeek JSON `ts` as far
/// before the epoch panicked in the report (exit 101, the whole scan lost). Now each is a
/// skipped line with its reason; the run exits as for good input and counts the rest exactly.
#[test]
fn a_time_past_day_2_31_is_a_skipped_line_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let (good, bad) = (tmp.path().join("good"), tmp.path().join("bad"));
    write_samples(&good, "", "");
    write_samples(
        &bad,
        &squid_at("185542587187200"),
        &zeek_at("-185542587187300"),
    );
    let (good_out, bad_out) = (tmp.path().join("good-out"), tmp.path().join("bad-out"));
    let good_run = scan(&[&good], &good_out, &[]);
    let bad_run = scan(&[&bad], &bad_out, &[]);
    assert_eq!(good_run.status.code(), Some(0));
    assert_eq!(
        bad_run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&bad_run.stderr)
    );
    let (g, b) = (summary(&good_out), summary(&bad_out));
    assert_skipped(
        &g,
        &b,
        "access.log",
        &[counts(file(&g, "access.log")).0 + 1],
    );
    assert_skipped(
        &g,
        &b,
        "zeek.ndjson",
        &[counts(file(&g, "zeek.ndjson")).0 + 1],
    );
    assert_eq!(per_user_events(&bad_out), per_user_events(&good_out));
    assert_eq!(
        b["audit"], g["audit"],
        "the audit window is the good data's"
    );
    assert_eq!(b["window"], g["window"]);
}

/// Issue 23, case 2: a time just inside `i32` days (`185542587187199`, day 2^31 − 1) or far
/// before the epoch made the audit walk every day between it and the real data (a 57-line
/// file took 44 s). Both are skipped, so the audit spans only the good data's days.
#[test]
fn a_time_near_the_day_limit_does_not_widen_the_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let (good, bad) = (tmp.path().join("good"), tmp.path().join("bad"));
    write_samples(&good, "", "");
    let squid_extra = squid_at("185542587187199.999") + &squid_at("86400.000");
    let zeek_extra = zeek_at("-185542500000000") + &zeek_at("185542587187199.5");
    write_samples(&bad, &squid_extra, &zeek_extra);
    let (good_out, bad_out) = (tmp.path().join("good-out"), tmp.path().join("bad-out"));
    assert_eq!(scan(&[&good], &good_out, &[]).status.code(), Some(0));
    assert_eq!(scan(&[&bad], &bad_out, &[]).status.code(), Some(0));
    let (g, b) = (summary(&good_out), summary(&bad_out));
    let squid_lines = counts(file(&g, "access.log")).0;
    let zeek_lines = counts(file(&g, "zeek.ndjson")).0;
    assert_skipped(&g, &b, "access.log", &[squid_lines + 1, squid_lines + 2]);
    assert_skipped(&g, &b, "zeek.ndjson", &[zeek_lines + 1, zeek_lines + 2]);
    assert_eq!(b["audit"], g["audit"]);
    for (kind, days) in b["audit"]["sources"].as_object().unwrap() {
        let span =
            days["days_with_data"].as_u64().unwrap() + days["missing_day_count"].as_u64().unwrap();
        assert!(span <= 31, "{kind}: {span} days in the audit window");
    }
    assert_eq!(per_user_events(&bad_out), per_user_events(&good_out));
}

/// The rule's edges: 1989-12-31T23:59:59 and two days past the clock are skipped;
/// 1990-01-01T00:00:00 and an hour past the clock are counted. The window they open (1990 to
/// now) is reported in full, with its missing days counted and the first 366 listed.
#[test]
fn the_plausible_span_is_1990_to_a_day_past_the_clock() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let tmp = tempfile::tempdir().unwrap();
    let (good, edges) = (tmp.path().join("good"), tmp.path().join("edges"));
    write_samples(&good, "", "");
    let squid_extra = [
        squid_at("631151999.999"),
        squid_at("631152000.000"),
        squid_at(&format!("{}.000", now + 2 * 86_400)),
        squid_at(&format!("{}.000", now + 3600)),
    ]
    .concat();
    write_samples(&edges, &squid_extra, "");
    let (good_out, out) = (tmp.path().join("good-out"), tmp.path().join("out"));
    assert_eq!(scan(&[&good], &good_out, &[]).status.code(), Some(0));
    assert_eq!(scan(&[&edges], &out, &[]).status.code(), Some(0));
    let (g, s) = (summary(&good_out), summary(&out));
    let (gl, ge, gs) = counts(file(&g, "access.log"));
    assert_eq!(counts(file(&s, "access.log")), (gl + 4, ge + 2, gs + 2));
    let reasons: Vec<u64> = file(&s, "access.log")["skipped_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(reasons, [gl + 1, gl + 3]);
    assert_eq!(s["window"]["first"], "1990-01-01T00:00:00Z");
    assert_eq!(s["audit"]["from"], "1990-01-01");
    let proxy = &s["audit"]["sources"]["proxy"];
    let span = (now + 3600) / 86_400 - 7305 + 1;
    let with_data = proxy["days_with_data"].as_u64().unwrap();
    assert_eq!(
        with_data + proxy["missing_day_count"].as_u64().unwrap(),
        span
    );
    assert_eq!(proxy["missing_days"].as_array().unwrap().len(), 366);
    assert_eq!(proxy["missing_days"][0], "1990-01-02");
}

/// Every way of reading applies the same rule: one worker, parallel chunks of a large file,
/// `--state`, and `--emit-partial` then `merge` count the same events and skip the same lines.
#[test]
fn every_reading_path_skips_the_same_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let sample = std::fs::read_to_string(repo("sample-logs/squid/access.log")).unwrap();
    let sample: Vec<&str> = sample.lines().collect();
    let (mut text, mut bad) = (String::new(), 0u64);
    for i in 0..20_000 {
        if i % 997 == 500 {
            let ts = ["185542587187200", "185542587187199", "1.000"][i % 3];
            text.push_str(&squid_at(ts));
            bad += 1;
        } else {
            text.push_str(sample[i % sample.len()]);
            text.push('\n');
        }
    }
    assert!(
        text.len() > 2 << 20,
        "large enough for --chunk-mib 1 to split it"
    );
    std::fs::write(logs.join("big.log"), &text).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let r = scan(&[&logs], &out, extra);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        out
    };
    let one = run("one", &["--threads", "1"]);
    let chunks = run("chunks", &["--threads", "2", "--chunk-mib", "1"]);
    let db = tmp.path().join("state.db");
    let state = run("state", &["--state", &db.display().to_string()]);
    let partial = tmp.path().join("part.tsv");
    let emitted = shadowai(&[
        "scan",
        "--quiet",
        &logs.display().to_string(),
        "--emit-partial",
        &partial.display().to_string(),
    ]);
    assert_eq!(emitted.status.code(), Some(0));
    let merged = tmp.path().join("merged");
    let m = shadowai(&[
        "merge",
        &partial.display().to_string(),
        "--out",
        &merged.display().to_string(),
    ]);
    assert_eq!(
        m.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&m.stderr)
    );
    let want = per_user_events(&one);
    let totals = counts(&summary(&one)["totals"]);
    assert_eq!(totals, (20_000, 20_000 - bad, bad));
    for out in [&chunks, &state, &merged] {
        let s = summary(out);
        assert_eq!(counts(&s["totals"]), totals, "{}", out.display());
        assert_eq!(s["audit"], summary(&one)["audit"], "{}", out.display());
        assert_eq!(per_user_events(out), want, "{}", out.display());
        let reasons = file(&s, "big.log")["skipped_examples"]
            .as_array()
            .unwrap()
            .clone();
        assert!(!reasons.is_empty() && reasons.iter().all(|e| e["reason"] == REASON));
    }
}
