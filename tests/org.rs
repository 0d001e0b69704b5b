//! The org workload of the benchmarks (issue 15, item 1): its hosts agree with the embedded
//! catalogue, and scanning it gives exactly its ground truth per (user, tool), whatever the
//! population and the thread count, with the look-alike traps counting nothing.

use std::collections::BTreeSet;
use std::path::Path;

use crate::generate::{ORG_INCIDENTAL, ORG_TOOLS, ORG_TRAPS, Truth, org, org_other_hosts};
use crate::util::{assert_same_outputs, command, per_user_events, read_csv, scan, summary};

/// `shadowai match` over `hosts` (stdin, one a line): host → (tool_id, evidence).
fn matched(hosts: &[String]) -> Vec<(String, String, String)> {
    use std::io::Write;
    let mut child = command()
        .arg("match")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = hosts.join("\n");
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    rdr.deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            (
                r["host"].clone(),
                r["tool_id"].clone(),
                r["evidence"].clone(),
            )
        })
        .collect()
}

#[test]
fn org_hosts_agree_with_the_catalogue() {
    let tools: BTreeSet<&str> = ORG_TOOLS.iter().map(|(_, t)| *t).collect();
    assert!(tools.len() >= 100, "100+ distinct tools: {}", tools.len());
    let ai: Vec<(&str, &str, &str)> = ORG_TOOLS
        .iter()
        .map(|&(h, t)| (h, t, "use"))
        .chain(ORG_INCIDENTAL.iter().map(|&(h, t)| (h, t, "incidental")))
        .collect();
    let hosts: Vec<String> = ai.iter().map(|(h, ..)| h.to_string()).collect();
    // No AI host lies under another, so the DuckDB comparison of `benches/compare.sh` (a join
    // on the host or a parent) counts each line once.
    for a in &hosts {
        assert!(
            !hosts.iter().any(|b| b.ends_with(&format!(".{a}"))),
            "{a} is a parent of another AI host"
        );
    }
    let got = matched(&hosts);
    assert_eq!(got.len(), ai.len());
    for ((host, tool, evidence), (gh, gt, ge)) in ai.iter().zip(&got) {
        assert_eq!(
            (*host, *tool, *evidence),
            (gh.as_str(), gt.as_str(), ge.as_str()),
            "{host}"
        );
    }
    let others = org_other_hosts();
    assert!(others.len() > 4_000, "a long tail of non-AI hosts");
    assert_eq!(
        others.iter().collect::<BTreeSet<_>>().len(),
        others.len(),
        "non-AI hosts are distinct"
    );
    let claimed: Vec<_> = matched(&others)
        .into_iter()
        .filter(|(_, tool, _)| !tool.is_empty())
        .collect();
    assert!(claimed.is_empty(), "non-AI hosts claimed: {claimed:?}");
}

/// The org log of `people` people and `lines` lines, written to `dir/access.log`.
fn org_log(
    dir: &Path,
    people: usize,
    lines: usize,
    seed: u64,
) -> (std::path::PathBuf, Vec<u8>, Truth) {
    let mut text = Vec::new();
    let truth = org(people, lines, seed, &mut text).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let log = dir.join("access.log");
    std::fs::write(&log, &text).unwrap();
    (log, text, truth)
}

/// Scans `log` with `-j1` and `-j2` (small chunks, so one file is read in parallel), asserts
/// both outputs are byte-identical, and returns the first output folder.
fn scan_both(log: &Path, dir: &Path) -> std::path::PathBuf {
    let outs: Vec<_> = ["1", "2"]
        .iter()
        .map(|j| {
            let out = dir.join(format!("out-j{j}"));
            let run = scan(&[log], &out, &["-j", j, "--chunk-mib", "1"]);
            assert_eq!(
                run.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            out
        })
        .collect();
    assert_same_outputs(&outs[0], &outs[1], "-j1 and -j2");
    outs[0].clone()
}

#[test]
fn org_log_counts_exactly_per_user_and_tool() {
    let tmp = tempfile::tempdir().unwrap();
    let (log, text, truth) = org_log(tmp.path(), 300, 60_000, 1);
    // The workload's shape: realistic line length, ~15 % AI lines, many tools, users by name
    // and by address, CONNECTs and absolute URLs, traps present.
    let body = String::from_utf8(text).unwrap();
    let per_line = body.len() / 60_000;
    assert!((100..=140).contains(&per_line), "{per_line} bytes a line");
    let ai_lines: u64 = truth.values().sum();
    assert!((7_000..=11_000).contains(&ai_lines), "{ai_lines} AI lines");
    let tools: BTreeSet<&str> = truth.keys().map(|(_, t)| t.as_str()).collect();
    assert!(tools.len() >= 60, "{} tools used", tools.len());
    assert!(truth.keys().any(|(u, _)| u.starts_with("10.")));
    assert!(truth.keys().any(|(u, _)| !u.starts_with("10.")));
    for shape in [
        " CONNECT ",
        " GET http://",
        " GET https://",
        ":8443/",
        "TCP_DENIED/403",
        " - HIER",
    ] {
        assert!(body.contains(shape), "{shape}");
    }
    assert!(
        ORG_TRAPS.iter().all(|t| body.contains(t)),
        "every trap written"
    );
    let stamps: Vec<f64> = body
        .lines()
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] <= w[1]),
        "timestamps never go back"
    );

    let out = scan_both(&log, tmp.path());
    assert_eq!(per_user_events(&out), truth);
    let s = summary(&out);
    assert_eq!(s["totals"]["skipped"], 0);
    assert_eq!(s["totals"]["matched_events"].as_u64(), Some(ai_lines));
    // Look-alikes never become tools.
    assert!(
        read_csv(&out.join("per-tool.csv"))
            .iter()
            .all(|r| tools.contains(r["tool_id"].as_str()))
    );
}

#[test]
fn org_log_with_more_people_than_lines_reach_counts_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let (log, _, truth) = org_log(tmp.path(), 20_000, 30_000, 2);
    let users: BTreeSet<&str> = truth.keys().map(|(u, _)| u.as_str()).collect();
    assert!(users.len() > 1_000, "{} users with AI events", users.len());
    let out = scan_both(&log, tmp.path());
    assert_eq!(per_user_events(&out), truth);
}

#[test]
fn org_log_is_deterministic_in_its_arguments() {
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    let ta = org(50, 2_000, 5, &mut a).unwrap();
    let tb = org(50, 2_000, 5, &mut b).unwrap();
    org(50, 2_000, 6, &mut c).unwrap();
    assert_eq!((&a, &ta), (&b, &tb));
    assert_ne!(a, c, "the seed matters");
    assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 2_000);
}
