//! Issue 19, item 3 (web gateways, firewalls and Windows DNS): each source's sample under
//! `sample-logs/` is detected without `--format` and gives exact per-user × tool events and
//! uploaded bytes. Netskope transaction events are W3C (read by `w3c`); Infoblox NIOS query
//! logs are BIND's (read by `bind-query`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{read_csv, repo, scan, summary};

/// (user, tool) → (events, bytes_out) from `per-user.csv`.
type Counts = BTreeMap<(String, String), (u64, u64)>;

/// Scans `dir` (no `--format`) and returns the per-user counts and each file's detected format.
fn scan_sample(dir: &str) -> (Counts, Vec<(String, String)>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&repo(dir)], &out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{dir}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s = summary(&out);
    assert_eq!(s["totals"]["skipped"], 0, "{dir}: no line skipped");
    let formats = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = Path::new(f["path"].as_str().unwrap()).file_name().unwrap();
            (
                name.to_string_lossy().into_owned(),
                f["format"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (counts(&out), formats)
}

/// (user, tool) → (events, bytes_out) of an output folder's `per-user.csv`.
fn counts(out: &Path) -> Counts {
    read_csv(&out.join("per-user.csv"))
        .into_iter()
        .map(|r| {
            // An empty bytes_out is "not measured" (tests/uploads.rs tells it from 0).
            let n = |k: &str| match r[k].as_str() {
                "" => 0,
                v => v.parse::<u64>().unwrap(),
            };
            (
                (r["user"].clone(), r["tool_id"].clone()),
                (n("events"), n("bytes_out")),
            )
        })
        .collect()
}

fn want(rows: &[(&str, &str, u64, u64)]) -> Counts {
    rows.iter()
        .map(|&(u, t, e, b)| ((u.to_string(), t.to_string()), (e, b)))
        .collect()
}

/// The web samples share one story: alice's two ChatGPT requests (1830 + 48213 bytes up), bob's
/// Claude upload (9120), an unauthenticated client's blocked DeepSeek attempt, and a non-AI
/// request (www.office.com / www.example.com) that is no tool.
fn web_story() -> Vec<(&'static str, &'static str, u64, u64)> {
    vec![
        ("10.1.0.50", "deepseek", 1, 0),
        ("alice", "chatgpt", 2, 50043),
        ("bob", "claude", 1, 9120),
    ]
}

#[test]
fn skyhigh_forcepoint_sophos_checkpoint_count_exactly() {
    for (dir, format, carol) in [
        ("sample-logs/skyhigh-swg", "skyhigh-swg", false),
        ("sample-logs/forcepoint", "forcepoint", false),
        ("sample-logs/sophos-firewall", "sophos-firewall", true),
        ("sample-logs/checkpoint", "checkpoint", true),
    ] {
        let (got, formats) = scan_sample(dir);
        assert!(
            formats.iter().all(|(_, f)| f == format),
            "{dir}: {formats:?}"
        );
        let mut rows = web_story();
        if carol {
            // The old-layout Sophos line and the Check Point CEF file.
            rows.push(("carol", "gemini", 1, 2210));
        }
        assert_eq!(got, want(&rows), "{dir}");
    }
}

#[test]
fn cisco_wsa_native_log_is_not_read_as_squid() {
    let (got, formats) = scan_sample("sample-logs/cisco-wsa");
    assert_eq!(
        formats,
        [("aclog.log".to_string(), "cisco-wsa".to_string())]
    );
    // The native format records no upload size; `CORP\alice@CorpRealm` is alice, the
    // syslog-pushed `Info:` line counts like the others.
    assert_eq!(
        got,
        want(&[
            ("10.1.0.50", "deepseek", 1, 0),
            ("alice", "chatgpt", 2, 0),
            ("bob", "claude", 2, 0),
            ("carol", "gemini", 1, 0),
        ])
    );
}

#[test]
fn windows_dns_analytical_json_and_csv_exports() {
    let (got, formats) = scan_sample("sample-logs/windows-dns-analytical");
    assert_eq!(
        formats,
        [
            (
                "analytical.csv".to_string(),
                "windows-dns-analytical".to_string()
            ),
            (
                "analytical.json".to_string(),
                "windows-dns-analytical".to_string()
            ),
        ]
    );
    // Only QUERY_RECEIVED (256) counts: the responses (257) and the server's own recursion
    // (260) for the same names add nothing.
    assert_eq!(
        got,
        want(&[
            ("10.2.0.21", "chatgpt", 2, 0),
            ("10.3.0.31", "claude", 1, 0),
            ("10.3.0.33", "mistral-api", 2, 0),
        ])
    );
}

#[test]
fn netskope_transaction_events_are_read_as_w3c() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/w3c/netskope-transactions.log")],
        &out,
        &[],
    );
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(summary(&out)["files"][0]["format"], "w3c");
    // `cs-username` alice@corp.example is alice; `cs-bytes` is the upload.
    assert_eq!(
        counts(&out),
        want(&[("alice", "chatgpt", 2, 50043), ("bob", "claude", 1, 9120)])
    );
}
