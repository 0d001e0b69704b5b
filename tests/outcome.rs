//! How a run ends (issue 17): no report from no data, window checks, the banner of failed
//! inputs and missing sources, a clean output folder and the end-of-run block on stderr.

use std::path::Path;

use crate::util::{repo, scan, shadowai, summary};

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// An output folder holding last night's report and a file of the user's.
fn last_nights(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("report.html"), "last night").unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
}

/// Asserts a scan of `inputs` is exit 1, says `says` and why no report was written, and
/// leaves `out` as it was (a new folder is not created).
fn assert_no_report(inputs: &[&Path], out: &Path, says: &str) {
    let existed = out.exists();
    let before = existed.then(|| names(out));
    let run = scan(inputs, out, &["--jsonl"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains(says) && err.contains("no report written"),
        "{err}"
    );
    if existed {
        assert_eq!(Some(names(out)), before, "{err}");
        assert_eq!(
            std::fs::read_to_string(out.join("report.html")).unwrap(),
            "last night"
        );
    } else {
        assert!(!out.exists(), "{} created", out.display());
    }
}

/// Issue 17 case 2: an empty folder was exit 0 with a green "0 people used 0 unapproved AI
/// tools"; a mistyped path was exit 1 but wrote every report all the same.
#[test]
fn no_data_is_exit_1_and_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let (out, fresh) = (tmp.path().join("out"), tmp.path().join("fresh"));
    last_nights(&out);
    assert_no_report(&[&logs], &out, "no input file in");
    assert_no_report(&[&logs], &fresh, "no input file in");
    // Only an empty file, then only a Zeek header: no data line.
    std::fs::write(logs.join("empty.log"), "").unwrap();
    assert_no_report(&[&logs], &out, "not one data line");
    let zeek = std::fs::read_to_string(repo("sample-logs/zeek-dns/dns.log")).unwrap();
    let header: String = zeek
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::remove_file(logs.join("empty.log")).unwrap();
    std::fs::write(logs.join("dns.log"), header).unwrap();
    assert_no_report(&[&logs], &out, "not one data line");
    assert_no_report(&[&logs], &fresh, "not one data line");
    // A mistyped path.
    let typo = tmp.path().join("lgos");
    assert_no_report(&[&typo], &out, "lgos");
    // `merge` of partials whose inputs hold no data: the same.
    let partial = tmp.path().join("empty.partial");
    let emit = shadowai(&[
        "scan",
        "-q",
        logs.to_str().unwrap(),
        "--emit-partial",
        partial.to_str().unwrap(),
    ]);
    assert_eq!(
        emit.status.code(),
        Some(0),
        "a partial of no data is complete"
    );
    let merged = shadowai(&[
        "merge",
        partial.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(merged.status.code(), Some(1));
    assert_eq!(names(&out), ["notes.txt", "report.html"]);
}

/// Issue 17 case 2: one good and one unreadable input is exit 3, and the reports say so at
/// the top, with each kind of log that gave no event.
#[test]
fn a_failed_input_and_missing_sources_head_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(
        repo("sample-logs/squid/access.log"),
        logs.join("access.log"),
    )
    .unwrap();
    std::fs::write(logs.join("broken.log.gz"), b"\x1f\x8b\x08\x00garbage").unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    assert_eq!(run.status.code(), Some(3));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let banner = html.find("id=\"alerts\"").expect("a banner");
    let first_section = html.find("<section").unwrap();
    assert!(
        banner < first_section,
        "the banner comes before the first section"
    );
    let alerts = &html[banner..first_section];
    assert!(alerts.contains("broken.log.gz"), "{alerts}");
    assert!(!alerts.contains("access.log"), "{alerts}");
    assert!(alerts.contains("No DNS logs") && alerts.contains("No endpoint logs"));
    assert!(!alerts.contains("No proxy logs"), "{alerts}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let top = &md[..md.find("**").unwrap()];
    assert!(
        top.contains("broken.log.gz") && top.contains("No endpoint logs"),
        "{md}"
    );
    // Every kind of log, every file read: no banner.
    let all = tmp.path().join("all");
    assert_eq!(
        scan(&[&repo("sample-logs")], &all, &[]).status.code(),
        Some(0)
    );
    let html = std::fs::read_to_string(all.join("report.html")).unwrap();
    assert!(!html.contains("id=\"alerts\""));
}

/// At most ten failed inputs are named; the rest are counted.
#[test]
fn the_banner_names_ten_failed_inputs_and_counts_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(
        repo("sample-logs/squid/access.log"),
        logs.join("access.log"),
    )
    .unwrap();
    for i in 0..13 {
        std::fs::write(logs.join(format!("bad-{i:02}.gz")), b"\x1f\x8b\x08\x00xx").unwrap();
    }
    let out = tmp.path().join("out");
    assert_eq!(scan(&[&logs], &out, &[]).status.code(), Some(3));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("bad-09.gz") && !html[..html.find("<section").unwrap()].contains("bad-10.gz")
    );
    assert!(html.contains("… and 3 more"), "counted");
}

/// Issue 17 case 3: an inverted window was exit 0, and `09/11/2026` was read month-first.
#[test]
fn window_bounds_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let squid = repo("sample-logs/squid");
    let run = scan(
        &[&squid],
        &out,
        &["--since", "2026-11-22", "--until", "2026-11-09"],
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--since 2026-11-22T00:00:00Z is after --until"),
        "{err}"
    );
    assert!(!out.exists());
    for bad in ["09/11/2026", "2026/11/09", "Nov 9 2026"] {
        let run = scan(&[&squid], &out, &["--since", bad]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("2026-11-09T08:00:00Z") && err.contains("2026-11-09T08:00:00+01:00"),
            "{bad}: {err}"
        );
    }
    let run = scan(
        &[&squid],
        &out,
        &[
            "--since",
            "2026-11-09T00:00:00+01:00",
            "--until",
            "2026-11-22",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(summary(&out)["window"]["since"], "2026-11-08T23:00:00Z");
    // `report` takes the window too.
    let run = shadowai(&[
        "report",
        "--state",
        "x.db",
        "--out",
        "o",
        "--since",
        "2026-11-10",
        "--until",
        "2026-11-09",
    ]);
    assert_eq!(run.status.code(), Some(2));
}

/// Issue 17 case 6: a run without `--jsonl` left the `findings.jsonl` of an earlier one.
#[test]
fn outputs_of_an_earlier_run_not_written_now_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let squid = repo("sample-logs/squid");
    assert_eq!(scan(&[&squid], &out, &["--jsonl"]).status.code(), Some(0));
    assert!(out.join("findings.jsonl").exists() && out.join("per-user.jsonl").exists());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(out.join("old")).unwrap();
    // A run that fails writes nothing and removes nothing.
    let typo = tmp.path().join("lgos");
    assert_eq!(scan(&[&typo], &out, &[]).status.code(), Some(1));
    assert!(out.join("findings.jsonl").exists());
    assert_eq!(scan(&[&squid], &out, &[]).status.code(), Some(0));
    let mut want = vec![
        "daily.csv",
        "findings.csv",
        "notes.txt",
        "old",
        "per-tool.csv",
        "per-user.csv",
        "register-candidates.csv",
        "report.html",
        "report.md",
        "summary.json",
        "unknown-ai-candidates.csv",
    ];
    assert_eq!(names(&out), want);
    assert_eq!(scan(&[&squid], &out, &["--jsonl"]).status.code(), Some(0));
    want.extend(["findings.jsonl", "per-user.jsonl"]);
    want.sort_unstable();
    assert_eq!(names(&out), want);
    // The outputs of `--directory` and `--state` (issue 21) are removed the same way.
    let ad = tmp.path().join("ad.csv");
    std::fs::write(&ad, "sAMAccountName,Department\nalice,Sales\n").unwrap();
    let state = tmp.path().join("state.db");
    let (ad, state) = (ad.to_str().unwrap(), state.to_str().unwrap());
    let run = scan(&[&squid], &out, &["--directory", ad, "--state", state]);
    assert_eq!(run.status.code(), Some(0));
    for name in ["per-department.csv", "new-since-last-run.csv"] {
        assert!(out.join(name).exists(), "{name}");
    }
    assert_eq!(scan(&[&squid], &out, &["--jsonl"]).status.code(), Some(0));
    assert_eq!(names(&out), want);
}

/// The end-of-run block, its lines by their label.
fn block(stderr: &str) -> Vec<&str> {
    let start = stderr.find("shadowai: read ").expect("an end-of-run block");
    stderr[start..].lines().take(5).collect()
}

/// The numbers of a line, commas dropped.
fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit() && c != ',')
        .filter_map(|w| w.replace(',', "").parse().ok())
        .collect()
}

/// Issue 17 case 7: `scan` printed nothing at the end; the progress bar cleared itself.
#[test]
fn runs_end_with_a_summary_on_stderr_unless_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let logs = repo("sample-logs");
    let register = repo("examples/register.csv");
    // Not a terminal (the output is captured), not quiet.
    let run = shadowai(&[
        "scan",
        logs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--register",
        register.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0));
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    let lines = block(&err);
    let s = summary(&out);
    let t = &s["totals"];
    let n = |k: &str| t[k].as_u64().unwrap();
    assert_eq!(
        numbers(lines[0]),
        [
            n("files"),
            n("files_with_errors"),
            0,
            n("lines"),
            n("events"),
            n("matched_events"),
            n("incidental_events")
        ],
        "{err}"
    );
    assert!(lines[1].starts_with("  users: "), "{err}");
    assert_eq!(
        numbers(lines[1]),
        [
            n("users"),
            n("people"),
            n("addresses"),
            n("devices"),
            n("incidental_only_users")
        ]
    );
    assert_eq!(n("people") + n("addresses") + n("devices"), n("users"));
    assert!(
        n("people") > 0 && n("addresses") > 0 && n("devices") > 0,
        "{t}"
    );
    assert_eq!(numbers(lines[2]), [n("tools"), n("unregistered_tools")]);
    let f = &s["findings"];
    let sev = |k: &str| f[k].as_u64().unwrap_or(0);
    let mut want = vec![sev("high"), sev("medium"), sev("low")];
    if sev("info") > 0 {
        want.push(sev("info"));
    }
    assert_eq!(numbers(lines[3]), want, "{err}");
    assert_eq!(
        lines[4],
        format!("  report: {}", out.join("report.html").display())
    );
    // Quiet: no block.
    let quiet = scan(&[&logs], &out, &[]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("shadowai: read "));
    // `merge` and `report` end the same way.
    let partial = tmp.path().join("p.tsv");
    let p = partial.to_str().unwrap();
    let emit = shadowai(&["scan", "-q", logs.to_str().unwrap(), "--emit-partial", p]);
    assert_eq!(emit.status.code(), Some(0));
    let merged = tmp.path().join("merged");
    let m = merged.to_str().unwrap();
    let run = shadowai(&["merge", p, "--out", m]);
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(numbers(block(&err)[0])[0], n("files"), "{err}");
    let run = shadowai(&["merge", p, "--out", m, "-q"]);
    assert!(run.stderr.is_empty());
    let db = tmp.path().join("state.db");
    let d = db.to_str().unwrap();
    let run = shadowai(&["scan", logs.to_str().unwrap(), "--out", m, "--state", d]);
    // As many files as the plain scan read (sample-logs/ grows with every new format).
    let read = format!("shadowai: read {} files", n("files"));
    assert!(String::from_utf8_lossy(&run.stderr).contains(&read));
    let run = shadowai(&["report", "--state", d, "--out", m]);
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(block(&err)[4].ends_with("report.html"), "{err}");
    let run = shadowai(&["report", "--state", d, "--out", m, "--quiet"]);
    assert!(run.stderr.is_empty());
}

/// A closed stderr loses the block, never the run.
#[cfg(unix)]
#[test]
fn a_closed_stderr_does_not_fail_the_run() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // stderr is a pipe whose reading end is closed before the run ends.
    let mut child = crate::util::command()
        .args(["scan", repo("sample-logs").to_str().unwrap(), "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(out.join("report.html").exists());
}
