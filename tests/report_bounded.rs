//! `report.html` stays bounded at any population (issue 16): every table that grows with
//! people stops at its cap and says how many rows it left out and which file holds them all;
//! small inputs still show every row; `--org` is text, never markup.

use std::path::Path;

use crate::util::{read_csv, repo, scan};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `<tr>` rows of the table `id` in `html`, header row included.
fn table_rows(html: &str, id: &str) -> usize {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[at..];
    table[..table.find("</table>").unwrap()]
        .matches("<tr>")
        .count()
}

/// `12,345`, as the report writes counts.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Runs `scan` and panics with its stderr unless it exits 0.
fn scan_ok(inputs: &[&Path], out: &Path, extra: &[&str]) {
    let run = scan(inputs, out, extra);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn report_html_of_5000_person_tool_rows_is_capped_and_says_how_many_more() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("access.log");
    // 2,500 people × 2 unregistered tools, one event each: 5,000 person × tool rows and as
    // many shadow-AI findings.
    let mut text = String::new();
    for u in 0..2500 {
        for host in ["chatgpt.com", "claude.ai"] {
            text.push_str(&format!(
                "1794211531.666  100 10.1.{}.{} TCP_TUNNEL/200 900 CONNECT {host}:443 person{u:04} HIER_DIRECT/1.2.3.4 -\n",
                u / 256,
                u % 256
            ));
        }
    }
    std::fs::write(&log, text).unwrap();
    let out = tmp.path().join("out");
    scan_ok(&[&log], &out, &[]);
    let per_user = read_csv(&out.join("per-user.csv"));
    assert_eq!(per_user.len(), 5000);
    let findings = read_csv(&out.join("findings.csv")).len();
    assert!(findings >= 5000, "{findings} findings");
    let html = read(&out.join("report.html"));
    assert!(html.len() < 400_000, "report.html is {} bytes", html.len());
    assert_eq!(table_rows(&html, "users-table"), 120 + 1);
    assert!(
        html.contains("… and 4,880 more rows: <code>per-user.csv</code> (its rows of evidence <code>use</code>) holds all 5,000."),
        "no users cap line"
    );
    assert_eq!(table_rows(&html, "findings-table"), 120 + 1);
    let more = format!(
        "… and {} more rows: <code>findings.csv</code>",
        grouped(findings - 120)
    );
    assert!(html.contains(&more), "no findings cap line {more:?}");
    // The roll-up has one row per rule × tool, with everyone in it.
    let rollup = &html[html.find("id=\"rollup-table\"").unwrap()..];
    let rollup = &rollup[..rollup.find("</table>").unwrap()];
    assert!(rollup.contains("data-v=\"2500\""), "people count per tool");
}

#[test]
fn sample_report_html_keeps_every_row() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    scan_ok(&[&repo("sample-logs")], &out, &[]);
    let html = read(&out.join("report.html"));
    let per_user = read_csv(&out.join("per-user.csv"));
    assert_eq!(per_user.len(), 119, "the samples changed; check the caps");
    let used = per_user.iter().filter(|r| r["evidence"] == "use").count();
    assert_eq!(table_rows(&html, "users-table"), used + 1);
    assert_eq!(
        table_rows(&html, "contact-table"),
        per_user.len() - used + 1
    );
    let findings = read_csv(&out.join("findings.csv")).len();
    assert_eq!(table_rows(&html, "findings-table"), findings + 1);
    assert!(!html.contains("more rows:"), "a sample table was cut");
}

#[test]
fn org_name_is_escaped_in_title_and_header() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let org = "Acme\"</style></title><script>alert(1)</script>{{TITLE}}";
    scan_ok(&[&repo("sample-logs/squid")], &out, &["--org", org]);
    let html = read(&out.join("report.html"));
    assert!(!html.contains("<script>alert"), "org became markup");
    assert!(!html.contains("</style></title>"), "org closed an element");
    let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
    assert!(
        title.contains(
            "Acme&quot;&lt;/style&gt;&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{TITLE}}"
        ),
        "{title}"
    );
    // The print header is a CSS string of hex escapes: `<` is `\3c `.
    assert!(
        html.contains("@top-left { content: \"Shadow\\2d AI audit \\b7  Acme\\22 \\3c \\2f style")
    );
    assert_eq!(html.matches("<style>").count(), 1);
}
