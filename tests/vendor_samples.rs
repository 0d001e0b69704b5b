//! Issue 19, item 3 (web gateways, firewalls and Windows DNS): each source's sample under
//! `sample-logs/` is detected without `--format` and gives exact per-user × tool events and
//! uploaded bytes. Netskope transaction events are W3C (read by `w3c`); Infoblox NIOS query
//! logs are BIND's (read by `bind-query`).

use std::path::Path;

use crate::util::{PerUser, per_user_counts, per_user_want, repo, scan_sample};

/// Scans `dir` (no `--format`) and returns the per-user counts and each file's detected format.
fn scan_dir(dir: &str) -> (PerUser, Vec<(String, String)>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let s = scan_sample(&repo(dir), &out);
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
    (per_user_counts(&out), formats)
}

/// The web samples share one story: alice's two ChatGPT requests (1830 + 48213 bytes up), bob's
/// Claude upload (9120), an unauthenticated client's blocked DeepSeek attempt, and a non-AI
/// request (www.office.com / www.example.com) that is no tool.
fn web_story() -> Vec<(&'static str, &'static str, u64, Option<u64>)> {
    vec![
        ("10.1.0.50", "deepseek", 1, Some(0)),
        ("alice", "chatgpt", 2, Some(50043)),
        ("bob", "claude", 1, Some(9120)),
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
        let (got, formats) = scan_dir(dir);
        assert!(
            formats.iter().all(|(_, f)| f == format),
            "{dir}: {formats:?}"
        );
        let mut rows = web_story();
        if carol {
            // The old-layout Sophos line and the Check Point CEF file.
            rows.push(("carol", "gemini", 1, Some(2210)));
        }
        assert_eq!(got, per_user_want(&rows), "{dir}");
    }
}

#[test]
fn cisco_wsa_native_log_is_not_read_as_squid() {
    let (got, formats) = scan_dir("sample-logs/cisco-wsa");
    assert_eq!(
        formats,
        [("aclog.log".to_string(), "cisco-wsa".to_string())]
    );
    // The native format records no upload size; `CORP\alice@CorpRealm` is alice, the
    // syslog-pushed `Info:` line counts like the others.
    assert_eq!(
        got,
        per_user_want(&[
            ("10.1.0.50", "deepseek", 1, None),
            ("alice", "chatgpt", 2, None),
            ("bob", "claude", 2, None),
            ("carol", "gemini", 1, None),
        ])
    );
}

#[test]
fn windows_dns_analytical_json_and_csv_exports() {
    let (got, formats) = scan_dir("sample-logs/windows-dns-analytical");
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
        per_user_want(&[
            ("10.2.0.21", "chatgpt", 2, None),
            ("10.3.0.31", "claude", 1, None),
            ("10.3.0.33", "mistral-api", 2, None),
        ])
    );
}

#[test]
fn netskope_transaction_events_are_read_as_w3c() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let s = scan_sample(&repo("sample-logs/w3c/netskope-transactions.log"), &out);
    assert_eq!(s["files"][0]["format"], "w3c");
    // `cs-username` alice@corp.example is alice; `cs-bytes` is the upload.
    assert_eq!(
        per_user_counts(&out),
        per_user_want(&[
            ("alice", "chatgpt", 2, Some(50043)),
            ("bob", "claude", 1, Some(9120))
        ])
    );
}
