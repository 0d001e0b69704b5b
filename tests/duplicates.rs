//! Inputs that hold the same log are read once (issue 17 case 5: a log and its `.gz` copy in
//! one folder counted twice, 2.8 M events instead of 1.4 M; only `--state` noticed).

use std::path::Path;

use crate::generate::{self, Truth};
use crate::util::{assert_same_outputs, gzip, per_user_events, scan, summary};

/// A Squid log of `n` generated lines (larger than the 64 KiB head for n ≥ 1,000).
fn squid(seed: u64, n: usize) -> String {
    generate::squid(&mut generate::Rng::new(seed), n, &mut Truth::new())
}

/// `(path, events, duplicate_of)` of every input, paths relative to `root`.
fn files(out: &Path, root: &Path) -> Vec<(String, u64, Option<String>)> {
    let rel = |p: &str| {
        Path::new(p)
            .strip_prefix(root)
            .unwrap()
            .display()
            .to_string()
    };
    summary(out)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                rel(f["path"].as_str().unwrap()),
                f["events"].as_u64().unwrap(),
                f["duplicate_of"].as_str().map(rel),
            )
        })
        .collect()
}

#[test]
fn a_log_and_its_gzip_copy_count_once_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let text = squid(5, 3_000);
    std::fs::write(logs.join("x.log"), &text).unwrap();
    std::fs::write(logs.join("x.log.gz"), gzip(text.as_bytes())).unwrap();
    // Another log, sharing nothing: read as usual.
    std::fs::write(logs.join("y.log"), squid(6, 500)).unwrap();
    let alone = tmp.path().join("alone");
    let (x, y) = (logs.join("x.log"), logs.join("y.log"));
    assert_eq!(scan(&[&x, &y], &alone, &[]).status.code(), Some(0));
    let mut outs = Vec::new();
    for threads in ["1", "4"] {
        let out = tmp.path().join(format!("out-{threads}"));
        let run = scan(&[&logs], &out, &["--threads", threads]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(
            run.status.code(),
            Some(0),
            "a duplicate is not an error: {err}"
        );
        assert!(
            err.contains(&format!(
                "{}: same content as {}; read once",
                logs.join("x.log.gz").display(),
                x.display()
            )),
            "{err}"
        );
        assert_eq!(per_user_events(&out), per_user_events(&alone));
        let t = &summary(&out)["totals"];
        assert_eq!(t["events"], summary(&alone)["totals"]["events"]);
        assert_eq!(t["files"], 3);
        assert_eq!(
            files(&out, &logs),
            [
                ("x.log".into(), 3_000, None),
                ("x.log.gz".into(), 0, Some("x.log".into())),
                ("y.log".into(), 500, None),
            ]
        );
        outs.push(out);
    }
    assert_same_outputs(&outs[0], &outs[1], "1 and 4 threads");
}

#[test]
fn a_copy_of_the_start_of_a_log_is_read_as_part_of_it() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let text = squid(7, 4_000);
    // Yesterday's copy, before the log grew by a quarter: first in walk order.
    let cut = text[..text.len() * 3 / 4].rfind('\n').unwrap() + 1;
    std::fs::write(logs.join("a-copy.log"), &text[..cut]).unwrap();
    std::fs::write(logs.join("b.log"), &text).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &["--threads", "4"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(
        err.contains("a-copy.log: its content is the start of"),
        "{err}"
    );
    assert_eq!(
        files(&out, &logs),
        [
            ("a-copy.log".into(), 0, Some("b.log".into())),
            ("b.log".into(), 4_000, None),
        ]
    );
    // A log that only starts like another (same head, then other lines) is read as usual.
    let mut other = text[..cut].to_string();
    other.push_str(&squid(8, 100));
    std::fs::write(logs.join("a-copy.log"), &other).unwrap();
    let run = scan(&[&logs], &out, &[]);
    assert_eq!(run.status.code(), Some(0));
    let f = files(&out, &logs);
    assert_eq!(f[0].2, None, "{f:?}");
    let copied = text[..cut].lines().count() as u64;
    assert_eq!(f[0].1 + f[1].1, copied + 100 + 4_000, "{f:?}");
}

#[cfg(unix)]
#[test]
fn a_link_to_a_log_is_the_same_log() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("a.log"), squid(9, 200)).unwrap();
    std::fs::hard_link(logs.join("a.log"), logs.join("b.log")).unwrap();
    std::os::unix::fs::symlink(logs.join("a.log"), logs.join("c.log")).unwrap();
    let out = tmp.path().join("out");
    assert_eq!(scan(&[&logs], &out, &[]).status.code(), Some(0));
    assert_eq!(
        files(&out, &logs),
        [
            ("a.log".into(), 200, None),
            ("b.log".into(), 0, Some("a.log".into())),
            ("c.log".into(), 0, Some("a.log".into())),
        ]
    );
    let s = summary(&out);
    assert_eq!(
        s["files"][2]["format"], "squid",
        "a link has its file's format"
    );
}

/// With `--state`, the copy is read once too, and stays counted once on later nights.
#[test]
fn with_state_a_copy_counts_once_every_night() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let text = squid(10, 2_000);
    std::fs::write(logs.join("x.log"), &text).unwrap();
    std::fs::write(logs.join("x.log.gz"), gzip(text.as_bytes())).unwrap();
    let alone = tmp.path().join("alone");
    assert_eq!(
        scan(&[&logs.join("x.log")], &alone, &[]).status.code(),
        Some(0)
    );
    let db = tmp.path().join("state.db");
    for night in 1..=2 {
        let out = tmp.path().join(format!("night-{night}"));
        let run = scan(&[&logs], &out, &["--state", db.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{err}");
        assert_eq!(
            per_user_events(&out),
            per_user_events(&alone),
            "night {night}"
        );
        assert_eq!(
            files(&out, &logs),
            [
                ("x.log".into(), 2_000, None),
                ("x.log.gz".into(), 0, Some("x.log".into())),
            ],
            "night {night}"
        );
    }
}
