//! Outputs for SIEMs: `scan --jsonl` writes one line per CSV row with the documented fields,
//! and `signatures export` writes the catalogue as CSV, Splunk lookup, Sentinel watchlist and
//! JSONL.

use std::path::Path;

use crate::util::shadowai;

#[test]
fn scan_jsonl_lines_parse_and_carry_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
    let o = shadowai(&[
        "scan",
        "--quiet",
        &samples.display().to_string(),
        "--out",
        &out.display().to_string(),
        "--jsonl",
    ]);
    assert!(
        o.status.code() != Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let read = |name: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(out.join(name))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let findings = read("findings.jsonl");
    let per_user = read("per-user.jsonl");
    assert!(!findings.is_empty() && !per_user.is_empty());
    let csv_rows = std::fs::read_to_string(out.join("findings.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(
        findings.len(),
        csv_rows,
        "one JSON line per findings.csv row"
    );
    for f in &findings {
        for k in [
            "event.kind",
            "event.category",
            "event.severity",
            "rule.name",
            "shadowai.tool.id",
            "shadowai.tool.tier",
            "shadowai.events",
        ] {
            assert!(f.get(k).is_some(), "finding without {k}: {f}");
        }
        assert_eq!(f["event.kind"], "alert");
        // Present exactly where a source measured uploads (absent is "not measured").
        assert!(
            f.get("shadowai.bytes_out").is_none_or(|b| b.is_u64()),
            "{f}"
        );
        assert!(f["event.severity"].is_u64());
    }
    for u in &per_user {
        for k in [
            "@timestamp",
            "user.name",
            "url.domain",
            "event.kind",
            "shadowai.tool.id",
            "shadowai.tool.tier",
            "shadowai.events",
        ] {
            assert!(u.get(k).is_some(), "per-user row without {k}: {u}");
        }
    }
}

#[test]
fn signatures_export_formats() {
    let csv =
        String::from_utf8(shadowai(&["signatures", "export", "--format", "csv"]).stdout).unwrap();
    // Issue 20 appended the lifecycle and risk columns; the first ones keep their places.
    assert!(csv.starts_with("pattern,match,tool_id,tool,vendor,category,role,offering,source,"));
    assert!(csv.contains("\nchatgpt.com,suffix,chatgpt,ChatGPT,OpenAI,"));
    let splunk =
        String::from_utf8(shadowai(&["signatures", "export", "--format", "splunk-lookup"]).stdout)
            .unwrap();
    assert!(splunk.contains("\n*.chatgpt.com,chatgpt,"));
    let watch = String::from_utf8(
        shadowai(&["signatures", "export", "--format", "sentinel-watchlist"]).stdout,
    )
    .unwrap();
    assert!(watch.starts_with("Host,MatchType,ToolId,"));
    let jsonl =
        String::from_utf8(shadowai(&["signatures", "export", "--format", "jsonl"]).stdout).unwrap();
    for l in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["pattern"].is_string() && v["tool_id"].is_string());
    }
}
