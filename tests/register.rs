//! The AI Tool Register (issue 5): tiers in spreadsheet spellings reach every output, findings
//! follow the policy, `register update` appends exactly the candidates, and a bad register is
//! a usage error naming its line.

use std::path::{Path, PathBuf};

use crate::util::{read_csv, repo, scan, shadowai, summary};

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

/// Issue 17, case 1: the register as people write it — product names with plans, vendors and
/// web addresses, `Application Name` / `Approval Status` headers and their values — and one
/// mistyped row.
const NAMED_REGISTER: &str = "Application Name,Approval Status,Owner\n\
ChatGPT Team,Approved Enterprise,IT\n\
Claude.ai,Approved,IT\n\
GitHub Copilot Business,Pending review,Dev\n\
Copilot for Microsoft 365,Pilot,IT\n\
Google Gemini,Evaluating,IT\n\
DeepSeek,Banned,CISO\n\
ChatGTP,Approved,IT\n";

/// The warning for the mistyped row.
const CHATGTP_WARNING: &str = "register.csv:8: register row \"ChatGTP\" matches no catalogue tool; did you mean \"ChatGPT\" (id chatgpt)?";

#[test]
fn register_names_as_people_write_them_join_and_an_unmatched_row_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, NAMED_REGISTER).unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs")],
        &out,
        &["--register", reg.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(3),
        "reports written, a register row not understood: {stderr}"
    );
    assert!(stderr.contains(CHATGTP_WARNING), "{stderr}");

    // Every real name joined its tool, at the tier its status means.
    let tiers: Vec<(String, String)> = read_csv(&out.join("per-tool.csv"))
        .into_iter()
        .filter(|t| t["registered"] == "true")
        .map(|t| (t["tool_id"].clone(), t["tier"].clone()))
        .collect();
    for want in [
        ("chatgpt", "1"),
        ("claude", "2"),
        ("github-copilot", "3"),
        ("gemini", "3"),
        ("deepseek", "4"),
    ] {
        assert!(
            tiers.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {tiers:?}"
        );
    }
    let s = summary(&out);
    assert_eq!(s["register"]["rows"], 7);
    assert_eq!(s["register"]["joined"], 6);
    assert_eq!(
        s["register"]["unmatched"],
        serde_json::json!([{"line": 8, "name": "ChatGTP", "suggestion": "chatgpt", "candidates": []}])
    );

    // ChatGPT, approved at tier 1, is no shadow AI; the mistyped row is no "approved but
    // unused" tool.
    let findings = read_csv(&out.join("findings.csv"));
    assert!(
        findings.iter().any(|f| f["tool_id"] == "chatgpt"),
        "sample-logs have ChatGPT users"
    );
    for f in &findings {
        assert!(
            !(f["rule"] == "shadow-ai" && f["tool_id"] == "chatgpt"),
            "{f:?}"
        );
        assert!(
            !(f["rule"] == "register-unused" && f["tool"] == "ChatGTP"),
            "{f:?}"
        );
    }

    // The banner comes before the first section of report.html, and first in report.md.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let banner = html.find("<div class=\"alert\"").expect("banner");
    assert!(banner < html.find("<section").unwrap());
    assert!(html[banner..].contains(
        "line 8: register row &quot;ChatGTP&quot; matches no catalogue tool; did you mean &quot;ChatGPT&quot; (id chatgpt)?"
    ));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let warning = md
        .find("> **Warning: 1 row of the AI Tool Register")
        .expect("md banner");
    assert!(
        warning < md.find("\n**").unwrap_or(md.len()),
        "before the headline"
    );
    assert!(md.contains("line 8: register row \"ChatGTP\" matches no catalogue tool"));

    // Fixed, the register joins every row and the run is clean again.
    std::fs::write(&reg, NAMED_REGISTER.replace("ChatGTP", "Perplexity AI")).unwrap();
    let run = scan(
        &[&repo("sample-logs")],
        &out,
        &["--register", reg.to_str().unwrap()],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        summary(&out)["register"]["unmatched"],
        serde_json::json!([])
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<div class=\"alert\""));
}

/// Issue 17, case 1: a `merge` and a `report` with a row that joins nothing exit 3 too.
#[test]
fn merge_and_report_with_an_unmatched_row_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, NAMED_REGISTER).unwrap();
    let reg = reg.to_str().unwrap();
    let path = |p: std::path::PathBuf| p.to_str().unwrap().to_string();
    let squid = path(repo("sample-logs/squid"));
    let partial = path(tmp.path().join("p.tsv"));
    let state = path(tmp.path().join("state.db"));
    let [merged, scanned, reported] = ["m", "s", "r"].map(|d| path(tmp.path().join(d)));
    let runs = [
        vec![
            "scan",
            "-q",
            &squid,
            "--register",
            reg,
            "--emit-partial",
            &partial,
        ],
        vec!["merge", &partial, "--register", reg, "--out", &merged],
        vec!["scan", "-q", &squid, "--state", &state, "--out", &scanned],
        vec![
            "report",
            "--state",
            &state,
            "--register",
            reg,
            "--out",
            &reported,
        ],
    ];
    // The partial carries no tier: its exit is the inputs' own; every report names the row.
    for (args, want) in runs.iter().zip([0, 3, 0, 3]) {
        let run = shadowai(args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(want), "{args:?}: {stderr}");
        assert_eq!(
            stderr.contains(CHATGTP_WARNING),
            args.contains(&reg),
            "{args:?}: {stderr}"
        );
    }
}

/// Issue 17: `register check` prints how each row joined and exits 1 when one did not.
#[test]
fn register_check_shows_every_join_and_fails_on_an_unmatched_row() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("register.csv");
    std::fs::write(&reg, format!("{NAMED_REGISTER}Copilot,Approved,IT\n")).unwrap();
    let run = shadowai(&["register", "check", "--register", reg.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "line,name,joined,tool_id,tool,tier,suggestion\n\
         2,ChatGPT Team,alias,chatgpt,ChatGPT,1,\n\
         3,Claude.ai,alias,claude,Claude,2,\n\
         4,GitHub Copilot Business,alias,github-copilot,GitHub Copilot,3,\n\
         5,Copilot for Microsoft 365,alias,microsoft-365-copilot,Microsoft 365 Copilot,3,\n\
         6,Google Gemini,alias,gemini,Google Gemini (app),3,\n\
         7,DeepSeek,name,deepseek,DeepSeek,4,\n\
         8,ChatGTP,UNMATCHED,,,2,chatgpt\n\
         9,Copilot,AMBIGUOUS,,,2,microsoft-copilot github-copilot\n"
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(CHATGTP_WARNING), "{stderr}");
    assert!(
        stderr.contains("register.csv:9: register row \"Copilot\" fits more than one catalogue tool; did you mean \"Microsoft Copilot\" (id microsoft-copilot) or \"GitHub Copilot\" (id github-copilot)?"),
        "{stderr}"
    );

    // The example register joins 7 of 7: by id, and its gateway as an in-house tool.
    let run = shadowai(&[
        "register",
        "check",
        "--register",
        repo("examples/register.csv").to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows: Vec<String> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        rows,
        [
            "2,ChatGPT Enterprise,id,chatgpt",
            "3,GitHub Copilot Business,id,github-copilot",
            "4,Microsoft Copilot,id,microsoft-copilot",
            "5,Claude,id,claude",
            "6,Perplexity,id,perplexity",
            "7,DeepSeek,id,deepseek",
            "8,Corp LLM Gateway,in-house,corp-llm",
        ]
    );
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("7 row(s), 7 joined, 0 matching no tool")
    );

    // An unreadable register is a usage error.
    let run = shadowai(&[
        "register",
        "check",
        "--register",
        tmp.path().join("nope.csv").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
}

/// Issue 17: `match --register` shows the tier a host gets and the register row behind it.
#[test]
fn match_with_a_register_shows_tier_and_register_line() {
    let reg = repo("examples/register.csv");
    let run = shadowai(&[
        "match",
        "--register",
        reg.to_str().unwrap(),
        "chatgpt.com",
        "eu.llm.corp.example",
        "cursor.com",
        "x.com",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let r = reg.display();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        format!(
            "host,tool_id,tool,vendor,category,pattern,role,evidence,tier,register\n\
             chatgpt.com,chatgpt,ChatGPT,OpenAI,chat-assistant,chatgpt.com,app,use,1,{r}:2\n\
             eu.llm.corp.example,corp-llm,Corp LLM Gateway,Corp IT,internal,llm.corp.example,app,use,1,{r}:8\n\
             cursor.com,cursor,Cursor,Anysphere,coding-assistant,'=cursor.com,docs,incidental,4,not in the register\n\
             x.com,,,,,,,,,\n"
        )
    );
}
