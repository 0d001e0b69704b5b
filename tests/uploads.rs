//! Uploaded bytes are "not measured" where no source records them, and 0 only where one
//! measured nothing (issue 16, item 4) — the same through a scan, a partial merged, and the
//! state database.

use crate::util::{read_csv, scan, shadowai};

/// A proxy that records `cs-bytes` (one tool uploading 900 bytes, one measured at 0), and a
/// DNS log, which never records uploads, resolving a third tool.
fn inputs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let w3c = dir.join("proxy.log");
    std::fs::write(
        &w3c,
        "#Fields: date time c-ip cs-username cs-host cs-bytes sc-status\n\
         2026-11-09 09:00:00 10.0.0.1 alice claude.ai 600 200\n\
         2026-11-09 09:05:00 10.0.0.1 alice claude.ai 300 200\n\
         2026-11-09 09:06:00 10.0.0.2 bob chatgpt.com 0 200\n",
    )
    .unwrap();
    let dns = dir.join("query.log");
    std::fs::write(
        &dns,
        "09-Nov-2026 10:02:54.130 queries: info: client @0x7f4d070d7109 10.3.0.31#60324 (www.perplexity.ai): query: www.perplexity.ai IN A + (10.3.0.1)\n",
    )
    .unwrap();
    vec![w3c, dns]
}

fn uploads(out: &std::path::Path) -> Vec<(String, String)> {
    read_csv(&out.join("per-tool.csv"))
        .into_iter()
        .map(|r| (r["tool_id"].clone(), r["bytes_out"].clone()))
        .collect()
}

#[test]
fn uploads_not_measured_are_no_zero_bytes_in_any_path() {
    let dir = tempfile::tempdir().unwrap();
    let files = inputs(dir.path());
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let want = vec![
        ("chatgpt".to_string(), "0".to_string()),
        ("claude".to_string(), "900".to_string()),
        ("perplexity".to_string(), String::new()),
    ];

    let out = dir.path().join("scan");
    assert!(scan(&paths, &out, &[]).status.success());
    let mut got = uploads(&out);
    got.sort();
    assert_eq!(got, want, "scan");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("title=\"not measured\">–</td>"),
        "report.html marks the cell not measured"
    );
    assert!(
        html.contains("measured for 2 of 3 tools in use"),
        "and its summary says how many were"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let perplexity = md.lines().find(|l| l.contains("Perplexity")).unwrap();
    assert!(perplexity.contains("not measured"), "{perplexity}");
    assert!(!perplexity.contains("0 B"), "{perplexity}");

    let partial = dir.path().join("p.tsv");
    let mut args: Vec<String> = vec!["scan".into(), "-q".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.extend(["--emit-partial".into(), partial.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(shadowai(&refs).status.success());
    let merged = dir.path().join("merged");
    let m = merged.display().to_string();
    assert!(
        shadowai(&["merge", &partial.display().to_string(), "--out", &m])
            .status
            .success()
    );
    let mut got = uploads(&merged);
    got.sort();
    assert_eq!(got, want, "merge of a partial");

    let db = dir.path().join("state.db").display().to_string();
    let from_state = dir.path().join("state");
    assert!(
        scan(&paths, &from_state, &["--state", &db])
            .status
            .success()
    );
    let again = dir.path().join("again");
    let a = again.display().to_string();
    assert!(
        shadowai(&["report", "--state", &db, "--out", &a])
            .status
            .success()
    );
    let mut got = uploads(&again);
    got.sort();
    assert_eq!(got, want, "report from the state database");
}
