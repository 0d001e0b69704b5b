//! The AI Tool Register (issue 5): tiers in spreadsheet spellings reach every output, findings
//! follow the policy, `register update` appends exactly the candidates, and a bad register is
//! a usage error naming its line.

use std::path::{Path, PathBuf};

use crate::util::{read_csv, repo, scan, shadowai};

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
