//! Issue 20: a tool's source, lifecycle and risk facts reach `signatures list/export`,
//! `per-tool.csv`, `register-candidates.csv` and the reports, appended after the existing
//! columns, formula-safe in CSV and escaped in HTML; a user's entry replaces a shipped one of
//! the same id; lint points out tools without a source. The catalogue is inline: the shipped
//! data is being rewritten.

use std::path::Path;

use crate::util::{read_csv, scan, shadowai};

/// A discontinued tool whose consumer plan trains, and a tool with an enterprise plan whose
/// name starts like a formula and whose tool name holds markup.
const SIGNATURES: &str = r#"[[tool]]
id = "gone-ai"
name = "Gone AI"
vendor = "Gone Inc"
category = "coding-assistant"
source = "https://gone-ai.example/"
status = "discontinued"
status_date = "2025-11-21"
successor = "plan-ai"
app = ["gone-ai.example"]

[tool.risk]
trains_on_inputs = { value = "yes", source = "https://gone-ai.example/privacy", checked = "2026-12-02" }
enterprise_offering = { value = "none", source = "https://gone-ai.example/pricing", checked = "2026-12-02" }

[[tool]]
id = "plan-ai"
name = "Plan <AI>"
vendor = "Plan Co"
category = "llmops"
source = "https://plan-ai.example/docs"
app = ["plan-ai.example"]

[tool.risk]
trains_on_inputs = { value = "opt-out", source = "https://plan-ai.example/privacy", checked = "2026-12-01" }
enterprise_offering = { value = "=Plan Enterprise (DPA)", source = "https://plan-ai.example/enterprise", checked = "2026-12-01" }
vendor_country = { value = "DE", source = "https://plan-ai.example/imprint", checked = "2026-12-01" }
certifications = { value = ["SOC 2 Type II", "ISO 27001"], source = "https://plan-ai.example/trust", checked = "2026-12-01" }
"#;

const RISK_HEADER: &str =
    "trains_on_inputs,enterprise_offering,vendor_country,certifications,suggested_tier";

fn write_signatures(dir: &Path) -> String {
    let path = dir.join("facts.toml");
    std::fs::write(&path, SIGNATURES).unwrap();
    path.display().to_string()
}

fn stdout(args: &[&str]) -> String {
    let run = shadowai(args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn lifecycle_and_risk_facts_are_appended_to_signatures_list_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let sigs = write_signatures(tmp.path());
    let list = stdout(&["signatures", "list", "--signatures", &sigs]);
    let header = list.lines().next().unwrap();
    assert_eq!(
        header,
        format!(
            "tool_id,tool,vendor,category,patterns,offering,exe,aliases,source,status,status_date,successor,{RISK_HEADER}"
        )
    );
    let row = |id: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("no {id} in list"))
            .to_string()
    };
    assert!(
        row("gone-ai").ends_with(
            ",https://gone-ai.example/,discontinued,2025-11-21,plan-ai,yes,none,,,no tier (discontinued)"
        ),
        "{}",
        row("gone-ai")
    );
    assert!(
        row("plan-ai").ends_with(
            ",https://plan-ai.example/docs,active,,,opt-out,'=Plan Enterprise (DPA),DE,SOC 2 Type II; ISO 27001,Tier 1 candidate via =Plan Enterprise (DPA)"
        ),
        "{}",
        row("plan-ai")
    );
    let csv = stdout(&[
        "signatures",
        "export",
        "--format",
        "csv",
        "--signatures",
        &sigs,
    ]);
    assert!(csv.starts_with(&format!(
        "pattern,match,tool_id,tool,vendor,category,role,offering,source,status,status_date,successor,{RISK_HEADER}\n"
    )));
    assert!(csv.contains(
        "\ngone-ai.example,suffix,gone-ai,Gone AI,Gone Inc,coding-assistant,app,,https://gone-ai.example/,discontinued,2025-11-21,plan-ai,yes,none,,,no tier (discontinued)\n"
    ));
    let watch = stdout(&[
        "signatures",
        "export",
        "--format",
        "sentinel-watchlist",
        "--signatures",
        &sigs,
    ]);
    assert!(watch.starts_with(
        "Host,MatchType,ToolId,Tool,Vendor,Category,Role,Pattern,Source,Status,StatusDate,Successor,TrainsOnInputs,EnterpriseOffering,VendorCountry,Certifications,SuggestedTier\n"
    ));
    let splunk = stdout(&[
        "signatures",
        "export",
        "--format",
        "splunk-lookup",
        "--signatures",
        &sigs,
    ]);
    assert!(splunk.starts_with(&format!(
        "host,tool_id,tool,vendor,category,role,pattern,source,status,status_date,successor,{RISK_HEADER}\n"
    )));
    assert!(splunk.contains("\n*.plan-ai.example,plan-ai,Plan <AI>,Plan Co,llmops,app,plan-ai.example,https://plan-ai.example/docs,active,"));
    let jsonl = stdout(&[
        "signatures",
        "export",
        "--format",
        "jsonl",
        "--signatures",
        &sigs,
    ]);
    let gone: serde_json::Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["tool_id"] == "gone-ai")
        .unwrap();
    assert_eq!(gone["status"], "discontinued");
    assert_eq!(gone["successor"], "plan-ai");
    assert_eq!(gone["vendor_country"], serde_json::Value::Null);
    assert_eq!(gone["suggested_tier"], "no tier (discontinued)");
}

#[test]
fn reports_flag_gone_tools_and_show_risk_facts_of_register_candidates() {
    let tmp = tempfile::tempdir().unwrap();
    let sigs = write_signatures(tmp.path());
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut squid = String::new();
    for (i, (host, user)) in [
        ("gone-ai.example", "alice"),
        ("plan-ai.example", "bob"),
        ("plan-ai.example", "carol"),
    ]
    .into_iter()
    .enumerate()
    {
        squid.push_str(&format!(
            "1794211531.{i:03}  120 10.9.0.{i} TCP_TUNNEL/200 2000 CONNECT {host}:443 {user} HIER_DIRECT/104.18.32.47 -\n"
        ));
    }
    std::fs::write(logs.join("access.log"), squid).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &["--signatures", &sigs]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let per_tool = read_csv(&out.join("per-tool.csv"));
    let status = |id: &str| {
        per_tool
            .iter()
            .find(|r| r["tool_id"] == id)
            .map(|r| r["status"].clone())
    };
    assert_eq!(
        status("gone-ai").as_deref(),
        Some("discontinued"),
        "still matched"
    );
    assert_eq!(status("plan-ai").as_deref(), Some("active"));
    let header = std::fs::read_to_string(out.join("per-tool.csv")).unwrap();
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .ends_with(",incidental_events,status")
    );

    let raw = std::fs::read_to_string(out.join("register-candidates.csv")).unwrap();
    assert!(
        raw.lines()
            .next()
            .unwrap()
            .ends_with(&format!(",top_users,{RISK_HEADER}")),
        "{raw}"
    );
    let candidates = read_csv(&out.join("register-candidates.csv"));
    let plan = candidates
        .iter()
        .find(|r| r["tool_id"] == "plan-ai")
        .unwrap();
    assert_eq!(plan["trains_on_inputs"], "opt-out");
    assert_eq!(
        plan["enterprise_offering"], "'=Plan Enterprise (DPA)",
        "formula-safe"
    );
    assert_eq!(plan["vendor_country"], "DE");
    assert_eq!(plan["certifications"], "SOC 2 Type II; ISO 27001");
    assert_eq!(
        plan["suggested_tier"],
        "Tier 1 candidate via =Plan Enterprise (DPA)"
    );
    let gone = candidates
        .iter()
        .find(|r| r["tool_id"] == "gone-ai")
        .unwrap();
    assert_eq!(gone["suggested_tier"], "no tier (discontinued)");
    assert_eq!(gone["certifications"], "", "not recorded is no `unknown`");

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Gone AI <span class=\"note\">discontinued 2025-11 → Plan &lt;AI&gt;</span>")
    );
    assert!(html.contains("<td class=\"w\">Tier 1 candidate via =Plan Enterprise (DPA)</td>"));
    assert!(!html.contains("Plan <AI>"), "tool names are escaped");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("Gone AI _(discontinued 2025\\-11 → Plan \\<AI\\>)_")
            || md.contains("Gone AI _(discontinued 2025-11 → Plan \\<AI\\>)_"),
        "{md}"
    );
    let section = md.split("## Register candidates").nth(1).unwrap();
    assert!(
        section.contains("| Tier 1 candidate via =Plan Enterprise (DPA) |"),
        "{section}"
    );
    assert!(
        section.contains("| opt\\-out |") || section.contains("| opt-out |"),
        "{section}"
    );
}

/// A user's entry with a shipped id replaces the shipped entry; lint accepts it and names the
/// user's tools without a source as a warning.
#[test]
fn a_user_file_overrides_a_shipped_id_and_lint_warns_of_missing_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let mine = tmp.path().join("mine.toml");
    std::fs::write(
        &mine,
        "[[tool]]\nid = \"chatgpt\"\nname = \"ChatGPT (corp tenant)\"\nvendor = \"OpenAI\"\ncategory = \"chat-assistant\"\napp = [\"chatgpt.com\"]\n",
    )
    .unwrap();
    let mine = mine.display().to_string();
    let text = stdout(&[
        "match",
        "--signatures",
        &mine,
        "chatgpt.com",
        "chat.openai.com",
    ]);
    assert!(
        text.contains("\nchatgpt.com,chatgpt,ChatGPT (corp tenant),"),
        "{text}"
    );
    assert!(
        text.contains("\nchat.openai.com,,,"),
        "the shipped patterns went with the entry: {text}"
    );
    let lint = stdout(&["signatures", "lint", &mine]);
    assert_eq!(
        lint,
        format!(
            "{mine}:2: tool `chatgpt` has no source (a warning: only the built-in catalogue requires one)\n{mine}: ok\n"
        )
    );
}
