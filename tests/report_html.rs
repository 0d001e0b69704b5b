//! `report.html` and `report.md` (issue 6): hostile user names never become markup or
//! formulas, the page references nothing outside itself, and it renders in a real browser
//! (headless Chromium: DOM totals match `summary.json`, screenshot and PDF are written).
//!
//! The browser test needs `chromium` (or `chromium-browser`, `google-chrome`) on PATH; `.ci/run`
//! installs Debian's. Where none can be had it prints a notice and passes, so a developer
//! machine without a browser still runs the rest.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{hostile_chatgpt_line, read_csv, repo, scan, summary};

/// A browser that has not finished by then is killed, so a hung Chromium cannot hang CI.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `shadowai scan --quiet INPUTS --out OUT`; panics with stderr unless it exits 0.
fn scan_ok(inputs: &[&Path], out: &Path) {
    let run = scan(inputs, out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// User names an attacker can put in a log. Squid's native format splits on spaces, so the
/// Squid lines carry space-free payloads; the exact `<img src=x onerror=alert(1)>` comes
/// through a Zscaler NSS JSON line, where a login may contain anything.
const SQUID_USERS: [&str; 4] = [
    "<svg/onload=alert(1)>",
    "=1+1",
    "\"><script>alert(1)</script>",
    "@sum(a1)",
];
const IMG: &str = "<img src=x onerror=alert(1)>";

fn hostile_logs(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut squid = String::new();
    for (i, user) in SQUID_USERS.iter().enumerate() {
        squid.push_str(&hostile_chatgpt_line(i, user));
        squid.push_str(&format!(
            "1794297931.{i:03}  120 10.9.0.{i} TCP_TUNNEL/200 2000 CONNECT claude.ai:443 {user} HIER_DIRECT/160.79.104.10 -\n"
        ));
    }
    std::fs::write(dir.join("access.log"), squid).unwrap();
    let event = serde_json::json!({
        "sourcetype": "zscalernss-web",
        "event": {
            "time": "Mon Nov 24 09:00:03 2026",
            "login": IMG,
            "proto": "HTTPS",
            "eurl": "chatgpt.com/backend-api/conversation",
            "action": "Allowed",
            "reqsize": "48213",
            "cip": "10.20.1.15",
            "devicehostname": "<b>LT-EVIL</b>",
        }
    });
    std::fs::write(dir.join("nss-web.json"), format!("{event}\n")).unwrap();
}

/// Every `<` in Markdown text must be backslash-escaped (`\<`), so no HTML tag survives.
fn markdown_has_no_raw_tag(md: &str) -> bool {
    let b = md.as_bytes();
    b.iter()
        .enumerate()
        .all(|(i, &c)| c != b'<' || (i > 0 && b[i - 1] == b'\\'))
}

/// The OWASP rule again, from the reader's side: no cell may start like a formula.
fn looks_like_formula(cell: &str) -> bool {
    match cell.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => cell.parse::<f64>().is_err(),
        _ => false,
    }
}

#[test]
fn report_html_hostile_user_names_become_no_markup_and_no_formula() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    hostile_logs(&logs);
    let out = tmp.path().join("out");
    scan_ok(&[&logs], &out);

    let users: Vec<String> = read_csv(&out.join("per-user.csv"))
        .into_iter()
        .map(|r| r["user"].clone())
        .collect();
    assert!(users.iter().any(|u| u == IMG), "{users:?}");
    assert!(users.iter().any(|u| u == "'=1+1"), "{users:?}");
    assert!(users.iter().any(|u| u == "'@sum(a1)"), "{users:?}");

    let html = read(&out.join("report.html"));
    for bad in [
        "<img",
        "<svg/",
        "<b>",
        "<script>alert",
        "\"><script",
        "onerror=alert(1)>",
    ] {
        assert!(!html.contains(bad), "report.html contains {bad:?}");
    }
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the template's script"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;svg/onload=alert(1)&gt;"));
    assert!(html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));

    let md = read(&out.join("report.md"));
    assert!(markdown_has_no_raw_tag(&md), "raw tag in report.md:\n{md}");
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");

    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            for row in read_csv(&path) {
                for (col, cell) in row {
                    assert!(
                        !looks_like_formula(&cell),
                        "{} {col}: {cell:?}",
                        path.display()
                    );
                }
            }
        }
    }

    // In a browser, the hostile names stay text: no element is created from them.
    if let Some(browser) = find_browser() {
        let dom = dump_dom(&browser, &out.join("report.html"), tmp.path());
        assert!(!dom.contains("<img"), "an <img> element was created");
        assert!(!dom.contains("<svg/") && !dom.contains("onload=\"alert"));
        assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}

#[test]
fn report_html_references_no_external_resource() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    scan_ok(&[&repo("sample-logs")], &out);
    let html = read(&out.join("report.html"));
    let lower = html.to_ascii_lowercase();
    for tag in [
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "<img",
        "<base",
        "<meta http-equiv=\"refresh",
        "@import",
        "srcset",
    ] {
        assert!(!lower.contains(tag), "report.html contains {tag}");
    }
    // The only script is the inline one; it has no src.
    assert_eq!(lower.matches("<script").count(), 1);
    assert!(lower.contains("<script>"));
    // Every src/href/url( value stays inside the file: in-page anchors only.
    for needle in ["src=", "href=", "url("] {
        for (i, _) in lower.match_indices(needle) {
            let value = lower[i + needle.len()..].trim_start_matches(['"', '\'', ' ']);
            assert!(
                value.starts_with('#'),
                "{needle} points outside the page: {}",
                &value[..value.len().min(60)]
            );
        }
    }
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    // The CSP forbids any fetch even if something slipped through.
    assert!(html.contains("default-src 'none'"));
    let md = read(&out.join("report.md"));
    assert!(markdown_has_no_raw_tag(&md));
}

/// A Chromium-family browser on PATH.
fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Runs the headless browser on `page` with `extra` flags, stdout to `stdout`, killed after
/// [`BROWSER_TIMEOUT`]. A fresh profile per run, no network features, no sandbox (CI runs as
/// root in a container).
fn run_browser(browser: &Path, page: &Path, extra: &[String], stdout: &Path, work: &Path) {
    use std::os::unix::process::CommandExt;
    let profile = tempfile::tempdir_in(work).unwrap();
    let stderr = work.join("browser-stderr.txt");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
            "--disable-quic",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(stdout).unwrap())
        .stderr(File::create(&stderr).unwrap())
        // Its own process group, so a timeout kills the wrapper script and every helper.
        .process_group(0)
        .spawn()
        .expect("start the browser");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "browser failed ({status}):\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
            return;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!("browser did not finish within {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn dump_dom(browser: &Path, page: &Path, work: &Path) -> String {
    let dom = work.join("dom.html");
    run_browser(browser, page, &["--dump-dom".to_string()], &dom, work);
    read(&dom)
}

/// The number in `<… data-total="KEY">12,345</…>`.
fn dom_total(dom: &str, key: &str) -> u64 {
    let marker = format!("data-total=\"{key}\">");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} in the DOM"))
        + marker.len();
    let digits: String = dom[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(browser) = find_browser() else {
        eprintln!(
            "skipping: no chromium (nor chromium-browser, google-chrome) on PATH; .ci/run installs Debian's chromium"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    scan_ok(&[&repo("sample-logs")], &out);
    let page = out.join("report.html");
    let s = summary(&out);
    let totals = &s["totals"];

    let dom = dump_dom(&browser, &page, tmp.path());
    for (key, want) in [
        ("users", totals["users"].as_u64()),
        ("tools", totals["tools"].as_u64()),
        ("unregistered_tools", totals["unregistered_tools"].as_u64()),
        ("use_events", totals["use_events"].as_u64()),
        (
            "unknown_ai_candidates",
            totals["unknown_ai_candidates"].as_u64(),
        ),
        (
            "incidental_only_users",
            totals["incidental_only_users"].as_u64(),
        ),
        (
            "findings_high",
            Some(s["findings"]["high"].as_u64().unwrap_or(0)),
        ),
    ] {
        assert_eq!(Some(dom_total(&dom, key)), want, "{key}");
    }
    // The headline counts tier-4 users and tools from the CSVs.
    // Contact without use (evidence `incidental`) is not use: not in the headline.
    let per_user = read_csv(&out.join("per-user.csv"));
    let (used, contact): (Vec<_>, Vec<_>) = per_user.iter().partition(|r| r["evidence"] == "use");
    // Every tier-4 user is counted; the headline counts the people among them and names the
    // client addresses and devices after (issue 16). Without a register every tool is tier 4,
    // so the kinds are those of `totals`.
    let people: std::collections::BTreeSet<&str> = used
        .iter()
        .filter(|r| r["tier"] == "4")
        .map(|r| r["user"].as_str())
        .collect();
    let kinds = ["people", "addresses", "devices"].map(|k| totals[k].as_u64().unwrap() as usize);
    assert_eq!(
        kinds.iter().sum::<usize>(),
        people.len(),
        "every user has a kind"
    );
    let tools = read_csv(&out.join("per-tool.csv"))
        .iter()
        .filter(|r| r["tier"] == "4" && r["users"] != "0")
        .count();
    let headline = format!(
        "{} people used {} unapproved AI tools (plus {} client addresses and {} devices not attributed to a person)",
        kinds[0], tools, kinds[1], kinds[2]
    );
    assert!(dom.contains(&headline), "no headline {headline:?}");
    // Both charts drew bars; every per-user row is in the table.
    for chart in ["id=\"daily-chart\"", "id=\"tools-chart\""] {
        let at = dom.find(chart).unwrap_or_else(|| panic!("no {chart}"));
        let end = at + dom[at..].find("</svg>").unwrap();
        assert!(dom[at..end].contains("<rect"), "{chart} has no bars");
    }
    let table = &dom[dom.find("id=\"users-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), used.len() + 1);
    assert!(!contact.is_empty(), "the samples touch vendor web pages");
    let table = &dom[dom.find("id=\"contact-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), contact.len() + 1);
    // The script ran (the CSP hash matched): it revealed the filter box.
    assert!(
        dom.contains("<p class=\"filter no-print\"><label>Filter users"),
        "the table script did not run"
    );
    for section in [
        "summary",
        "daily",
        "tools",
        "findings",
        "users",
        "contact",
        "candidates",
        "quality",
        "method",
    ] {
        assert!(
            dom.contains(&format!("<section id=\"{section}\"")),
            "{section}"
        );
    }

    let png = tmp.path().join("report.png");
    run_browser(
        &browser,
        &page,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,4000".to_string(),
            "--hide-scrollbars".to_string(),
        ],
        &tmp.path().join("screenshot-stdout.txt"),
        tmp.path(),
    );
    let png = std::fs::read(&png).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(png.len() > 20_000, "screenshot is {} bytes", png.len());

    let pdf = tmp.path().join("report.pdf");
    run_browser(
        &browser,
        &page,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_string(),
        ],
        &tmp.path().join("pdf-stdout.txt"),
        tmp.path(),
    );
    let pdf = std::fs::read(&pdf).expect("PDF written");
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    assert!(pdf.len() > 20_000, "PDF is {} bytes", pdf.len());
    // No forced page per section: the samples, every row shown, print on about 20 pages.
    let pages = pdf_pages(&pdf);
    assert!((2..=30).contains(&pages), "{pages} pages");
}

/// Page objects in a PDF: `/Type /Page` (or `/Type/Page`) not followed by `s` (`/Pages` is
/// the page tree).
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    for marker in [&b"/Type /Page"[..], b"/Type/Page"] {
        n += pdf
            .windows(marker.len() + 1)
            .filter(|w| w.starts_with(marker) && w[marker.len()] != b's')
            .count();
    }
    n
}
