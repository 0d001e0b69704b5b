//! Issue 19: logs that real deployments write and that were read as nothing (Zeek's own JSON
//! writer, Sysmon exported from Sentinel), the warning for a recognized file that yields no
//! event, and `shadowai formats --detect`.

use crate::util::{read_csv, repo, scan, summary};

/// Issue 19 item 2: a file recognized as a format whose every line is ignored was silent: no
/// warning, a green report. Now stderr, `summary.json`, and the banner of `report.html` and
/// `report.md` name it; an empty file beside it is not warned about, and the exit stays 0
/// (the file was read; whether it was the right log is the reader's call).
#[test]
fn issue_19_a_recognized_file_without_one_event_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    // Sysmon process creations only (event 1): sysmon-json, and no line names a host.
    let line = r#"{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WKS-017","Image":"C:\\Windows\\explorer.exe","UtcTime":"2026-11-24 09:00:00.000"}"#;
    std::fs::write(logs.join("sysmon.json"), format!("{line}\n").repeat(487)).unwrap();
    std::fs::write(logs.join("empty.log"), "").unwrap();
    std::fs::copy(
        repo("sample-logs/squid/access.log"),
        logs.join("access.log"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    let warning =
        "format sysmon-json recognized, 487 lines, none with a host: is this the right format?";
    assert!(err.contains(&format!("sysmon.json: {warning}")), "{err}");
    assert_eq!(err.matches("none with a host").count(), 1, "{err}");
    let s = summary(&out);
    let files = s["files"].as_array().unwrap();
    let of = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()
    };
    assert_eq!(of("sysmon.json")["warning"], warning);
    assert_eq!(of("sysmon.json")["ignored"], 487);
    assert!(of("empty.log")["warning"].is_null());
    assert!(of("access.log")["warning"].is_null());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let banner = &html[html.find("id=\"alerts\"").unwrap()..];
    let banner = &banner[..banner.find("</div>").unwrap()];
    assert!(banner.contains(warning), "{banner}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains(warning), "{md}");
}

/// Issue 19 item 1: Sysmon from Sentinel's `WindowsEvent` (EventData a JSON string) and
/// `Event` (EventData XML) tables, JSON lines and CSV, were `sysmon-json` with every line
/// ignored. Now each is its own format and every user × tool is counted.
#[test]
fn issue_19_sentinel_sysmon_exports_are_counted() {
    let tmp = tempfile::tempdir().unwrap();
    for (dir, format, events) in [
        ("sample-logs/sentinel-sysmon", "sentinel-sysmon", 8),
        ("sample-logs/sentinel-sysmon-csv", "sentinel-sysmon-csv", 4),
    ] {
        let out = tmp.path().join(format);
        let run = scan(&[&repo(dir)], &out, &[]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let s = summary(&out);
        assert_eq!(s["files"][0]["format"], format);
        assert_eq!(s["files"][0]["events"], events, "{format}");
        assert_eq!(s["files"][0]["skipped"], 0, "{format}");
        let mut rows: Vec<(String, String, String)> = read_csv(&out.join("per-user.csv"))
            .into_iter()
            .map(|r| (r["user"].clone(), r["tool"].clone(), r["events"].clone()))
            .collect();
        rows.sort();
        assert!(
            rows.contains(&("alice".into(), "ChatGPT".into(), "2".into())),
            "{format}: {rows:?}"
        );
    }
}

/// Issue 19 item 1: Zeek's own JSON writer (no `_path`) is read as zeek-json, dns, ssl and
/// http records told apart by their keys.
#[test]
fn issue_19_zeek_json_writer_lines_are_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("dns.log"),
        concat!(
            r#"{"ts":1795510800.305988,"uid":"CAcJw21BbVedgFnYH3","id.orig_h":"10.20.1.15","id.orig_p":38339,"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","trans_id":15209,"query":"chatgpt.com","qclass":1,"qtype":1,"qtype_name":"A","rcode":0,"AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"rejected":false}"#,
            "\n",
            r#"{"ts":"2026-11-24T09:00:01.112233Z","uid":"CsT8uV0wX2yZ4aB11","id.orig_h":"10.20.1.15","id.orig_p":49800,"id.resp_h":"104.18.32.47","id.resp_p":443,"version":"TLSv13","server_name":"chatgpt.com","resumed":false,"established":true}"#,
            "\n",
            r#"{"ts":1795510830.5,"uid":"CwT5uV0wX2yZ4aB14","id.orig_h":"10.20.1.15","id.orig_p":49800,"id.resp_h":"104.18.32.47","id.resp_p":443,"proto":"tcp","service":"ssl","duration":29.4,"conn_state":"SF"}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s = summary(&out);
    assert_eq!(s["files"][0]["format"], "zeek-json");
    assert_eq!(
        (&s["files"][0]["events"], &s["files"][0]["ignored"]),
        (&2.into(), &1.into())
    );
}

/// Issue 19 item 5: `shadowai formats --detect FILE…` shows, per file, every format's score,
/// the verdict and the first lines as the winner reads them; a file it cannot open is named
/// on stderr and makes the exit 3, the others are still shown.
#[test]
fn issue_19_formats_detect_explains_each_file() {
    let sentinel = repo("sample-logs/sentinel-sysmon/WindowsEvent.json");
    let missing = repo("sample-logs/no-such-file.log");
    let o = crate::util::shadowai(&[
        "formats",
        "--detect",
        sentinel.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{out}{err}");
    assert!(out.contains("    100  sentinel-sysmon\n"), "{out}");
    // sysmon-json no longer claims these rows.
    assert!(!out.contains("  sysmon-json\n"), "{out}");
    assert!(
        out.contains("recognized as sentinel-sysmon: score 100"),
        "{out}"
    );
    assert!(
        out.contains("line 1: event  time=2026-11-09T12:00:01Z user=CORP\\alice client=- device=WKS-017.corp.example host=chatgpt.com"),
        "{out}"
    );
    assert!(out.contains("line 4: ignored"), "{out}");
    assert!(err.contains("no-such-file.log"), "{err}");
}
