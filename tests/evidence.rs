//! Issue 18, evidence strength: touching an AI vendor's web presence (a widget, a shared link,
//! a docs or status page, hot-linked media, a site a user published) is contact without use.
//! Such rows are `evidence=incidental` in `per-user.csv`, yield no finding and count as no
//! user; rows with one event of real use are `evidence=use`. The path decides where the log
//! records one (Squid URLs, W3C `cs-uri-path`, Zeek `uri`); host-only lines (`CONNECT`) take
//! the host's role.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{read_csv, scan, shadowai, summary};

/// A Squid native line by `user` at second `t` of 2026-11-16.
fn squid(t: u32, user: &str, method: &str, url: &str) -> String {
    let code = if method == "CONNECT" {
        "TCP_TUNNEL/200"
    } else {
        "TCP_MISS/200"
    };
    format!(
        "{}.000    120 10.0.0.{} {code} 5120 {method} {url} {user} HIER_DIRECT/203.0.113.7 text/html\n",
        1_794_787_200 + t,
        if user == "anna" { 11 } else { 12 }
    )
}

/// What anna touches: every incidental shape of the issue, as absolute URLs (an explicit
/// proxy), SSL-bumped `GET https://…`, and `CONNECT host:443` (no path: the host's role), with
/// the tool each belongs to.
const ANNA: &[(&str, &str, &str)] = &[
    ("GET", "https://www.chatbase.co/embed.min.js", "chatbase"),
    (
        "GET",
        "https://www.chatbase.co/chatbot-iframe/Zk3x9Qp2",
        "chatbase",
    ),
    (
        "GET",
        "https://cdn.botpress.cloud/webchat/v2.2/inject.js",
        "botpress",
    ),
    ("CONNECT", "cdn.botpress.cloud:443", "botpress"),
    (
        "GET",
        "https://elevenlabs.io/convai-widget/index.js",
        "elevenlabs",
    ),
    (
        "GET",
        "https://share.synthesia.io/embeds/videos/6f1c2a4e-1b7d-4d8e-9a51-3c0f2b7e9d11",
        "synthesia",
    ),
    (
        "GET",
        "https://chatgpt.com/share/6812a0f3-5c4c-8001-9f2e-1b2c3d4e5f60",
        "chatgpt",
    ),
    (
        "GET",
        "https://claude.site/artifacts/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "claude",
    ),
    (
        "GET",
        "https://claude.ai/share/2f6e1a9b-3c4d-4e5f-8a7b-9c0d1e2f3a4b",
        "claude",
    ),
    (
        "GET",
        "https://fathom.video/share/pQ2xVb7kLmN4rT8s",
        "fathom",
    ),
    ("GET", "https://otter.ai/u/Xy7Qp2Lm9Rt4", "otter"),
    (
        "GET",
        "https://app.fireflies.ai/view/Weekly-sync::01HZX3Y4",
        "fireflies",
    ),
    (
        "GET",
        "http://docs.anthropic.com/en/docs/about-claude/models",
        "anthropic-api",
    ),
    ("CONNECT", "docs.anthropic.com:443", "anthropic-api"),
    ("CONNECT", "status.openai.com:443", "chatgpt"),
    (
        "GET",
        "https://help.openai.com/en/articles/7232945",
        "chatgpt",
    ),
    ("CONNECT", "openai.com:443", "chatgpt"),
    ("CONNECT", "www.anthropic.com:443", "claude"),
    ("CONNECT", "mistral.ai:443", "le-chat"),
    (
        "GET",
        "https://image.pollinations.ai/prompt/a%20red%20fox%20in%20snow",
        "pollinations",
    ),
    (
        "GET",
        "https://replicate.delivery/pbxt/abc123/out-0.png",
        "replicate",
    ),
    (
        "GET",
        "https://v3.fal.media/files/lion/Qx9_output.png",
        "fal-ai",
    ),
    ("GET", "https://x.gptengineer.app/", "lovable"),
    ("CONNECT", "acme-shop.lovable.app:443", "lovable"),
    ("GET", "https://mixo.io/site/acme-bakery", "mixo"),
];

/// What bert does: ChatGPT, Claude and Chatbase for real (and one incidental page of ChatGPT,
/// which his use outweighs).
const BERT: &[(&str, &str, &str)] = &[
    ("CONNECT", "chatgpt.com:443", "chatgpt"),
    (
        "POST",
        "https://chatgpt.com/backend-api/conversation",
        "chatgpt",
    ),
    ("GET", "https://help.openai.com/en/", "chatgpt"),
    (
        "GET",
        "https://claude.ai/api/organizations/4f1e2d3c/chat_conversations",
        "claude",
    ),
    (
        "GET",
        "https://www.chatbase.co/dashboard/acme/chatbot/Zk3x9Qp2/settings",
        "chatbase",
    ),
];

/// Rows of `per-user.csv` by (user, tool_id).
fn rows(out: &Path) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    read_csv(&out.join("per-user.csv"))
        .into_iter()
        .map(|r| ((r["user"].clone(), r["tool_id"].clone()), r))
        .collect()
}

/// The issue's "Done when": anna only touches incidental URLs, bert uses ChatGPT, Claude and
/// Chatbase; anna's rows are incidental with no finding, bert's are use with shadow-ai
/// findings, and the totals split exactly.
#[test]
fn issue_18_contact_without_use_is_no_finding_and_real_use_is() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("access.log");
    let mut text = String::new();
    for (i, (method, url, _)) in ANNA.iter().enumerate() {
        text.push_str(&squid(i as u32 * 60, "anna", method, url));
    }
    for (i, (method, url, _)) in BERT.iter().enumerate() {
        text.push_str(&squid(i as u32 * 60 + 30, "bert", method, url));
    }
    std::fs::write(&log, text).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&log], &out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let rows = rows(&out);
    let tools_of = |who: &str, list: &[(&str, &str, &str)]| {
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        for (_, _, tool) in list {
            *want.entry(tool.to_string()).or_default() += 1;
        }
        let got: BTreeMap<String, u64> = rows
            .iter()
            .filter(|((u, _), _)| u == who)
            .map(|((_, t), r)| (t.clone(), r["events"].parse().unwrap()))
            .collect();
        assert_eq!(got, want, "{who}'s tools and events");
    };
    tools_of("anna", ANNA);
    tools_of("bert", BERT);
    for ((user, tool), r) in &rows {
        let want = if user == "anna" { "incidental" } else { "use" };
        assert_eq!(r["evidence"], want, "{user} × {tool}");
    }
    let header = std::fs::read_to_string(out.join("per-user.csv")).unwrap();
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .ends_with(",registered,evidence,department,manager"),
        "evidence follows registered, before the directory's columns"
    );

    let findings = read_csv(&out.join("findings.csv"));
    let found: Vec<(&str, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str(),
                f["user"].as_str(),
                f["tool_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("shadow-ai", "bert", "chatbase"),
            ("shadow-ai", "bert", "chatgpt"),
            ("shadow-ai", "bert", "claude"),
        ]
    );

    let s = summary(&out);
    let totals = &s["totals"];
    let (anna_events, bert_events) = (ANNA.len() as u64, BERT.len() as u64);
    // bert's help page is incidental too: the split is per event, the evidence per row.
    assert_eq!(totals["matched_events"], anna_events + bert_events);
    assert_eq!(totals["use_events"], bert_events - 1);
    assert_eq!(totals["incidental_events"], anna_events + 1);
    assert_eq!(totals["users"], 1);
    assert_eq!(totals["incidental_only_users"], 1);
    assert_eq!(totals["tools"], 3);
    assert_eq!(totals["unregistered_tools"], 3);

    // per-tool.csv counts users of the tool; incidental contact is appended beside them.
    let per_tool: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("per-tool.csv"))
        .into_iter()
        .map(|r| (r["tool_id"].clone(), r))
        .collect();
    let chatgpt = &per_tool["chatgpt"];
    assert_eq!(
        (
            chatgpt["users"].as_str(),
            chatgpt["events"].as_str(),
            chatgpt["incidental_users"].as_str(),
            chatgpt["incidental_events"].as_str()
        ),
        ("1", "3", "1", "4")
    );
    let fathom = &per_tool["fathom"];
    assert_eq!(
        (
            fathom["users"].as_str(),
            fathom["incidental_users"].as_str()
        ),
        ("0", "1")
    );
    let candidates: Vec<String> = read_csv(&out.join("register-candidates.csv"))
        .into_iter()
        .map(|r| r["tool_id"].clone())
        .collect();
    // Most users first, then most events (incidental contact breaks the tie).
    assert_eq!(candidates, ["chatgpt", "claude", "chatbase"]);
    let daily_users: Vec<String> = read_csv(&out.join("daily.csv"))
        .into_iter()
        .map(|r| format!("{}:{}", r["tool_id"], r["users"]))
        .collect();
    assert_eq!(daily_users, ["chatbase:1", "chatgpt:1", "claude:1"]);

    // The reports say so: the headline counts bert only; anna is in "contact without use".
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("**1 person used 3 unapproved AI tools.**"),
        "{md}"
    );
    let anna_tools: std::collections::BTreeSet<&str> = ANNA.iter().map(|(_, _, t)| *t).collect();
    let contact_rows = format!(
        "| Contact without use | {} person × tool rows",
        anna_tools.len()
    );
    assert!(md.contains(&contact_rows), "{md}");
    assert!(
        md.contains("1 person among them used no AI tool at all"),
        "{md}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let contact = &html[html.find("<section id=\"contact\"").unwrap()..];
    let contact = &contact[..contact.find("</section>").unwrap()];
    assert_eq!(
        contact.matches("<td class=\"p\">anna</td>").count(),
        anna_tools.len()
    );
    assert!(!contact.contains("bert"));
}

/// Formats that log the path apart from the host: W3C (ProxySG `cs-uri-path`) and Zeek
/// `http.log` (`uri`). The widget script and a shared link are incidental, the dashboard and
/// the conversation API use; a `CONNECT` of the embed host takes its role.
#[test]
fn separate_path_fields_decide_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let w3c = tmp.path().join("w3c.log");
    let fields = "#Fields: date time time-taken c-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-username sc-filter-result";
    let line = |t: &str, user: &str, method: &str, scheme: &str, host: &str, path: &str| {
        format!(
            "2026-11-16 {t} 12 10.0.0.5 200 TCP_NC_MISS 900 300 {method} {scheme} {host} 443 {path} - {user} OBSERVED\n"
        )
    };
    let text = [
        "#Software: SGOS 7.3.16.2\n".to_string(),
        format!("{fields}\n"),
        line(
            "09:00:00",
            "anna",
            "GET",
            "https",
            "www.chatbase.co",
            "/embed.min.js",
        ),
        line("09:00:01", "anna", "CONNECT", "tcp", "www.chatbase.co", "/"),
        line(
            "09:00:02",
            "bert",
            "GET",
            "https",
            "www.chatbase.co",
            "/dashboard/acme/chatbot/1",
        ),
    ]
    .concat();
    std::fs::write(&w3c, text).unwrap();
    let zeek = tmp.path().join("http.log");
    let zeek_line = |t: u32, ip: &str, host: &str, uri: &str| {
        format!(
            "{}.000000\tCx{t}\t{ip}\t50000\t203.0.113.7\t80\t1\tGET\t{host}\t{uri}\t-\t1.1\tMozilla/5.0\t-\t0\t512\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n",
            1_794_819_600 + t
        )
    };
    let text = [
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types\n".to_string(),
        zeek_line(1, "10.0.0.7", "chatgpt.com", "/share/6812a0f3-5c4c-8001-9f2e-1b2c3d4e5f60"),
        zeek_line(2, "10.0.0.8", "chatgpt.com", "/backend-api/conversation"),
        zeek_line(3, "10.0.0.8", "chatgpt.com", "/share/6812a0f3-5c4c-8001-9f2e-1b2c3d4e5f60"),
    ]
    .concat();
    std::fs::write(&zeek, text).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&w3c, &zeek], &out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got: Vec<(String, String, String, String)> = read_csv(&out.join("per-user.csv"))
        .into_iter()
        .map(|r| {
            (
                r["user"].clone(),
                r["tool_id"].clone(),
                r["events"].clone(),
                r["evidence"].clone(),
            )
        })
        .collect();
    let row = |u: &str, t: &str, n: &str, e: &str| (u.into(), t.into(), n.into(), e.into());
    assert_eq!(
        got,
        vec![
            row("10.0.0.7", "chatgpt", "1", "incidental"),
            row("10.0.0.8", "chatgpt", "2", "use"),
            row("anna", "chatbase", "2", "incidental"),
            row("bert", "chatbase", "1", "use"),
        ]
    );
}

/// Blocklists block the use hosts of a refused tool, not its docs pages, share domain or
/// hot-linked media: those stop no one's use and break third-party pages that carry them.
#[test]
fn blocklists_leave_incidental_hosts_out() {
    let tmp = tempfile::tempdir().unwrap();
    let register = tmp.path().join("register.csv");
    std::fs::write(&register, "Tool,Tier\n").unwrap();
    let run = shadowai(&[
        "blocklist",
        "--register",
        register.to_str().unwrap(),
        "--format",
        "plain",
        "--serial",
        "1",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    let listed: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    for host in [
        "claude.ai",
        "chatgpt.com",
        "openai.com",
        "replicate.com",
        "chat.mistral.ai",
    ] {
        assert!(listed.contains(&host), "{host} must be blocked");
    }
    for host in [
        "claude.site",
        "docs.anthropic.com",
        "replicate.delivery",
        "fal.media",
        "image.pollinations.ai",
        "share.synthesia.io",
        "oaistatic.com",
    ] {
        assert!(!listed.contains(&host), "{host} must not be blocked");
    }
}

/// Issue 21's roll-ups count use only, as `per-tool.csv` does: anna, who only touched
/// incidental URLs, is in no department row and in no "new since the last run" line; bert's
/// use of Claude is in both.
#[test]
fn departments_and_nightly_news_count_use_only() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log: String = [
        squid(1, "anna", "GET", "https://chatgpt.com/share/6f1e2d3c"),
        squid(2, "anna", "GET", "https://docs.anthropic.com/en/api"),
        squid(3, "anna", "CONNECT", "claude.site:443"),
        squid(4, "bert", "GET", "https://claude.ai/api/organizations"),
    ]
    .concat();
    std::fs::write(logs.join("access.log"), log).unwrap();
    let directory = tmp.path().join("ad.csv");
    std::fs::write(
        &directory,
        "sAMAccountName,Department,Manager\nanna,Sales,carl\nbert,Sales,carl\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let state = tmp.path().join("state.db");
    let run = scan(
        &[&logs],
        &out,
        &[
            "--directory",
            directory.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let depts: Vec<(String, String, String)> = read_csv(&out.join("per-department.csv"))
        .into_iter()
        .map(|r| {
            (
                r["department"].clone(),
                r["tool_id"].clone(),
                r["users"].clone(),
            )
        })
        .collect();
    assert_eq!(depts, [("Sales".into(), "claude".into(), "1".into())]);
    let news: Vec<(String, String, String)> = read_csv(&out.join("new-since-last-run.csv"))
        .into_iter()
        .map(|r| (r["kind"].clone(), r["tool_id"].clone(), r["user"].clone()))
        .collect();
    assert_eq!(
        news,
        [
            ("tool".into(), "claude".into(), String::new()),
            ("user".into(), "claude".into(), "bert".into()),
        ]
    );
    assert!(rows(&out).contains_key(&("anna".into(), "chatgpt".into())));
    // carl's digest tells of bert's Claude, not of anna's shared link.
    let digests = tmp.path().join("digests");
    let (from, to) = (out.to_str().unwrap(), digests.to_str().unwrap());
    let run = shadowai(&["digest", "--from", from, "--by", "manager", "--out", to]);
    assert_eq!(run.status.code(), Some(0));
    let md: String = std::fs::read_dir(&digests)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(md.contains("bert") && md.contains("Claude"), "{md}");
    assert!(!md.contains("anna") && !md.contains("ChatGPT"), "{md}");
}
