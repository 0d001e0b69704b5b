//! `scan --state`: nightly runs over a growing archive add exactly the new data, survive
//! SIGKILL, refuse to run twice at once, and `report --state` re-renders the same outputs.

use std::io::Write as _;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::generate::{self, Rng, Truth, write_logs};
use crate::util::{gzip, per_user_events, read_csv, scan, shadowai, summary};

/// A scan with `--state` and a window wide enough for the generated fortnight.
fn nightly(logs: &Path, db: &Path, out: &Path) -> Output {
    let run = scan(
        &[logs],
        out,
        &["--state", &db.display().to_string(), "--window", "30d"],
    );
    assert!(
        matches!(run.status.code(), Some(0)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    run
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn add(a: &Truth, b: &Truth) -> Truth {
    let mut t = a.clone();
    for (k, v) in b {
        *t.entry(k.clone()).or_default() += v;
    }
    t
}

#[test]
fn nightly_runs_add_exactly_the_new_data() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let db = tmp.path().join("state.db");
    let mut truth = write_logs(&logs, 2_000, 7);

    let first = nightly(&logs, &db, &tmp.path().join("o1"));
    assert_eq!(per_user_events(&tmp.path().join("o1")), truth);
    assert!(stderr(&first).contains("files 7 new"), "{}", stderr(&first));

    // Same archive again: nothing is read, nothing added.
    let again = nightly(&logs, &db, &tmp.path().join("o2"));
    assert!(stderr(&again).contains("7 unchanged"), "{}", stderr(&again));
    assert_eq!(
        read_csv(&tmp.path().join("o2/per-user.csv")),
        read_csv(&tmp.path().join("o1/per-user.csv"))
    );

    // A new day's file adds exactly its events.
    let mut rng = Rng::new(99);
    let mut more = Truth::new();
    std::fs::write(
        logs.join("squid-new.log.gz"),
        gzip(generate::squid(&mut rng, 500, &mut more).as_bytes()),
    )
    .unwrap();
    truth = add(&truth, &more);
    nightly(&logs, &db, &tmp.path().join("o3"));
    assert_eq!(per_user_events(&tmp.path().join("o3")), truth);

    // The active log grows: only the appended lines count; a half-written last line waits.
    let mut grown = Truth::new();
    let appended = generate::squid(&mut rng, 300, &mut grown);
    let (done, partial) = appended.split_at(appended.len() - 20);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(logs.join("squid-a.log"))
        .unwrap();
    f.write_all(done.as_bytes()).unwrap();
    let g = nightly(&logs, &db, &tmp.path().join("o4"));
    assert!(stderr(&g).contains("1 grown"), "{}", stderr(&g));
    f.write_all(partial.as_bytes()).unwrap();
    drop(f);
    nightly(&logs, &db, &tmp.path().join("o5"));
    truth = add(&truth, &grown);
    assert_eq!(per_user_events(&tmp.path().join("o5")), truth);

    // logrotate: the active log renamed, then compressed beside a fresh log; a gzip copy of
    // a plain log. None of it is new.
    std::fs::rename(logs.join("squid-a.log"), logs.join("squid-a.log.1")).unwrap();
    let r = nightly(&logs, &db, &tmp.path().join("o6"));
    assert!(stderr(&r).contains("1 duplicate"), "{}", stderr(&r));
    let rotated = std::fs::read(logs.join("squid-a.log.1")).unwrap();
    std::fs::write(logs.join("squid-a.log.2.gz"), gzip(&rotated)).unwrap();
    std::fs::remove_file(logs.join("squid-a.log.1")).unwrap();
    let zeek = std::fs::read(logs.join("zeek-a.log")).unwrap();
    std::fs::write(logs.join("zeek-a.log.gz"), gzip(&zeek)).unwrap();
    let c = nightly(&logs, &db, &tmp.path().join("o7"));
    assert!(stderr(&c).contains("2 duplicate"), "{}", stderr(&c));
    assert_eq!(per_user_events(&tmp.path().join("o7")), truth);

    // A Zeek log (header-driven parser) grows: the resumed read still knows the columns.
    let mut zmore = Truth::new();
    let extra = generate::zeek_dns(&mut rng, 200, &mut zmore);
    let rows: String = extra
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(logs.join("zeek-a.log"))
        .unwrap();
    f.write_all(rows.as_bytes()).unwrap();
    drop(f);
    let z = nightly(&logs, &db, &tmp.path().join("o8"));
    truth = add(&truth, &zmore);
    assert_eq!(
        per_user_events(&tmp.path().join("o8")),
        truth,
        "{}",
        stderr(&z)
    );
    let s = summary(&tmp.path().join("o8"));
    assert_eq!(s["totals"]["skipped"], 0);
    // Each stream's counts are listed once, even with its gzip copy beside it.
    assert_eq!(
        s["totals"]["matched_events"].as_u64().unwrap(),
        truth.values().sum::<u64>()
    );
}

/// A larger archive: 20 gzip and plain files.
fn archive(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = Rng::new(5);
    let mut truth = Truth::new();
    for i in 0..20 {
        let text = generate::squid(&mut rng, 8_000, &mut truth);
        if i % 2 == 0 {
            std::fs::write(
                dir.join(format!("access-{i:02}.log.gz")),
                gzip(text.as_bytes()),
            )
            .unwrap();
        } else {
            std::fs::write(dir.join(format!("access-{i:02}.log")), text).unwrap();
        }
    }
}

#[test]
fn a_run_killed_midway_then_rerun_equals_a_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    archive(&logs);
    let clean_db = tmp.path().join("clean.db");
    nightly(&logs, &clean_db, &tmp.path().join("clean"));

    let db = tmp.path().join("killed.db");
    let mut child = crate::util::command()
        .args(["scan", "--quiet", "-j", "2"])
        .arg(&logs)
        .arg("--out")
        .arg(tmp.path().join("killed"))
        .arg("--state")
        .arg(&db)
        .args(["--window", "30d"])
        .spawn()
        .unwrap();
    // Kill once a few files are committed, while the others are being read.
    let committed = || -> i64 {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM inputs", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    while committed() < 3 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let before = committed();
    assert!(
        before < 20,
        "all {before} files were committed before the kill"
    );

    let rerun = nightly(&logs, &db, &tmp.path().join("after"));
    assert!(
        stderr(&rerun).contains(&format!("files {} new", 20 - before)),
        "{}",
        stderr(&rerun)
    );
    assert_eq!(
        read_csv(&tmp.path().join("after/per-user.csv")),
        read_csv(&tmp.path().join("clean/per-user.csv")),
        "{}",
        stderr(&rerun)
    );
    assert_eq!(
        read_csv(&tmp.path().join("after/daily.csv")),
        read_csv(&tmp.path().join("clean/daily.csv"))
    );
}

#[test]
fn a_second_run_on_a_locked_state_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    write_logs(&logs, 100, 3);
    let db = tmp.path().join("state.db");
    let lock = std::fs::File::create(tmp.path().join("state.db.lock")).unwrap();
    lock.try_lock().unwrap();
    let run = scan(
        &[&logs],
        &tmp.path().join("out"),
        &["--state", &db.display().to_string()],
    );
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("state.db.lock"), "{}", stderr(&run));
    assert!(!tmp.path().join("out").exists());
    drop(lock);
    nightly(&logs, &db, &tmp.path().join("out"));
}

#[test]
fn report_from_the_state_reproduces_the_scan_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    write_logs(&logs, 1_000, 11);
    let db = tmp.path().join("state.db");
    let scanned = tmp.path().join("scanned");
    nightly(&logs, &db, &scanned);
    let plain = tmp.path().join("plain");
    scan(&[&logs], &plain, &[]);
    let rendered = tmp.path().join("rendered");
    let run = shadowai(&[
        "report",
        "--state",
        &db.display().to_string(),
        "--out",
        &rendered.display().to_string(),
        "--window",
        "30d",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    // Issue 18: the state keeps each row's evidence, so both kinds must come back.
    let rows = read_csv(&rendered.join("per-user.csv"));
    for evidence in ["use", "incidental"] {
        assert!(
            rows.iter().any(|r| r["evidence"] == evidence),
            "no {evidence} row"
        );
    }
    for entry in std::fs::read_dir(&scanned).unwrap() {
        let name = entry.unwrap().file_name();
        // What is new since the last run is written only by a run that reads data.
        if !name.to_string_lossy().ends_with(".csv") || name == "new-since-last-run.csv" {
            continue;
        }
        assert_eq!(
            read_csv(&rendered.join(&name)),
            read_csv(&scanned.join(&name)),
            "{name:?}"
        );
        // The state holds what an in-memory scan counts.
        assert_eq!(
            read_csv(&plain.join(&name)),
            read_csv(&scanned.join(&name)),
            "{name:?}"
        );
    }

    // --retain keeps the last N days before the latest day with data.
    let days = |out: &Path| -> std::collections::BTreeSet<String> {
        read_csv(&out.join("daily.csv"))
            .into_iter()
            .map(|r| r["day"].clone())
            // Untimed events ("") have no day to age by and are kept.
            .filter(|d| !d.is_empty())
            .collect()
    };
    let all = days(&scanned);
    assert!(all.len() > 3);
    let pruned = tmp.path().join("pruned");
    let run = scan(
        &[&logs],
        &pruned,
        &[
            "--state",
            &db.display().to_string(),
            "--window",
            "30d",
            "--retain",
            "3d",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let kept: Vec<String> = all.iter().rev().take(3).cloned().collect();
    assert_eq!(days(&pruned), kept.into_iter().collect());
}
