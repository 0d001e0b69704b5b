//! Partial aggregates and `merge` (issue 10): for random splits of the inputs into shards and
//! random merge orders and groupings, the merged outputs equal one scan over everything, byte
//! for byte, for every output file. A malformed partial is refused naming file and line
//! (issue 23, case 9).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::generate::{Rng, write_logs};
use crate::util::{assert_same_outputs, gzip, repo, shadowai};

fn run(args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    shadowai(&refs)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn ok(out: &Output, codes: &[i32], what: &str) {
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "{what}: exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The test inputs: generated logs (plain, multi-member gzip), every sample log, and one bad
/// file (a truncated gzip), whose error and partial counts must survive the merge too.
fn inputs(tmp: &Path) -> Vec<PathBuf> {
    let logs = tmp.join("logs");
    write_logs(&logs, 3_000, 11);
    let gz = std::fs::read(logs.join("squid-b.log.gz")).unwrap();
    std::fs::write(logs.join("truncated.gz"), &gz[..gz.len() / 2]).unwrap();
    vec![logs, repo("sample-logs")]
}

fn listed(paths: &[PathBuf], extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["scan", "--list-inputs"]);
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(strings(extra));
    let out = run(&args);
    ok(&out, &[0], "list-inputs");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Merges `parts` in a random order and grouping: random pairs are merged into partials
/// (`merge --emit-partial`) until at most three remain, which are merged into reports.
fn tree_merge(rng: &mut Rng, dir: &Path, mut parts: Vec<PathBuf>, out: &Path, opts: &[&str]) {
    let mut level = 0;
    while parts.len() > 3 {
        let a = parts.swap_remove(rng.below(parts.len()));
        let b = parts.swap_remove(rng.below(parts.len()));
        let merged = dir.join(format!("tree-{level}.tsv"));
        level += 1;
        let mut args = strings(&["merge"]);
        args.extend([a, b].map(|p| p.display().to_string()));
        args.extend(strings(&["--emit-partial", merged.to_str().unwrap()]));
        ok(&run(&args), &[0], "merge --emit-partial");
        parts.push(merged);
    }
    // Any order for the last merge.
    for i in (1..parts.len()).rev() {
        parts.swap(i, rng.below(i + 1));
    }
    let mut args = strings(&["merge"]);
    args.extend(parts.iter().map(|p| p.display().to_string()));
    args.extend(strings(&["--out", out.to_str().unwrap()]));
    args.extend(strings(opts));
    ok(&run(&args), &[3], "merge");
}

/// `scan INPUT... --emit-partial PART`, which must succeed.
fn emit(inputs: &[&Path], part: &Path) {
    let mut args = strings(&["scan", "--quiet", "--emit-partial", part.to_str().unwrap()]);
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    ok(&run(&args), &[0], "scan --emit-partial");
}

fn scan_all(paths: &[PathBuf], out: &Path, opts: &[&str]) {
    let mut args = strings(&["scan", "--quiet", "--out", out.to_str().unwrap()]);
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(strings(opts));
    ok(&run(&args), &[3], "scan");
}

#[test]
fn merged_random_shards_equal_one_scan_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = inputs(tmp.path());
    let leases = tmp.path().join("leases.csv");
    // 10.2.0.21 changes hands mid-audit (sample-logs/zeek-dns); generated clients too.
    std::fs::write(
        &leases,
        "ip,user,start,end\n10.2.0.21,CORP\\erin,2026-11-09T00:00:00Z,2026-11-15T23:59:59Z\n10.2.0.21,frank,2026-11-16,\n10.0.0.7,gina,,\n",
    )
    .unwrap();
    let register = repo("examples/register.csv");
    let register = register.to_str().unwrap();
    let leases = leases.to_str().unwrap();
    let window_identity = [
        "--since",
        "2026-11-12",
        "--until",
        "2026-11-20",
        "--identity",
        leases,
    ];
    // (settings of the single scan, given to the shard scans, given to the merge)
    let cases: [(&[&str], &[&str], &[&str]); 3] = [
        (&[], &[], &[]),
        (
            &["--register", register, "--identity", leases],
            &["--register", register],
            &["--register", register, "--identity", leases],
        ),
        (&window_identity, &window_identity, &[]),
    ];
    let files = listed(&paths, &[]);
    assert!(files.len() > 25, "{files:?}");
    let mut rng = Rng::new(5);
    for (case, (all_opts, scan_opts, merge_opts)) in cases.iter().enumerate() {
        let want = tmp.path().join(format!("want-{case}"));
        scan_all(&paths, &want, all_opts);
        // Issue 18: the inputs hold rows of both evidences, so the merge must carry both.
        let per_user = crate::util::read_csv(&want.join("per-user.csv"));
        for evidence in ["use", "incidental"] {
            assert!(
                per_user.iter().any(|r| r["evidence"] == evidence),
                "case {case}: no row of evidence {evidence}"
            );
        }
        for round in 0..2 {
            let dir = tmp.path().join(format!("case-{case}-{round}"));
            std::fs::create_dir_all(&dir).unwrap();
            // A random split of the files into 2..=6 shards, each scanned from a list.
            let n = 2 + rng.below(5);
            let mut lists = vec![String::new(); n];
            for f in &files {
                let k = rng.below(n);
                lists[k].push_str(f);
                lists[k].push('\n');
            }
            let mut parts = Vec::new();
            for (k, list) in lists.iter().enumerate() {
                let list_file = dir.join(format!("list-{k}"));
                std::fs::write(&list_file, list).unwrap();
                let part = dir.join(format!("part-{k}.tsv"));
                let mut args = strings(&["scan", "--quiet", "--files-from"]);
                args.push(list_file.display().to_string());
                args.extend(strings(&["--emit-partial", part.to_str().unwrap()]));
                args.extend(strings(scan_opts));
                ok(&run(&args), &[0, 3], "scan --emit-partial");
                parts.push(part);
            }
            let got = dir.join("out");
            tree_merge(&mut rng, &dir, parts, &got, merge_opts);
            assert_same_outputs(
                &want,
                &got,
                &format!("case {case}, round {round}, {n} shards"),
            );
        }
    }
}

#[test]
fn shards_cover_every_input_once_and_merge_to_one_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = inputs(tmp.path());
    let all = listed(&paths, &[]);
    let mut seen: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        seen.extend(listed(&paths, &["--shard", &shard]));
        let part = tmp.path().join(format!("shard-{k}.tsv"));
        let mut args = strings(&["scan", "--quiet", "--shard", &shard, "--emit-partial"]);
        args.push(part.display().to_string());
        args.extend(paths.iter().map(|p| p.display().to_string()));
        ok(&run(&args), &[0, 3], "scan --shard");
        parts.push(part);
    }
    seen.sort();
    let mut all_sorted = all.clone();
    all_sorted.sort();
    assert_eq!(seen, all_sorted, "each input in exactly one shard");
    let want = tmp.path().join("want");
    scan_all(&paths, &want, &[]);
    // The merge reads one partial from standard input, gzip-compressed.
    let gz = gzip(&std::fs::read(&parts[2]).unwrap());
    let got = tmp.path().join("got");
    let mut child = crate::util::command()
        .args(["merge", "-"])
        .args(&parts[..2])
        .args(["--out", got.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&gz).unwrap();
    }
    ok(&child.wait_with_output().unwrap(), &[3], "merge from stdin");
    assert_same_outputs(&want, &got, "three shards");
}

#[test]
fn merge_refuses_future_versions_double_inputs_and_other_catalogues() {
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("p.tsv");
    let out = tmp.path().join("out");
    emit(&[&repo("sample-logs/squid")], &part);
    let text = std::fs::read_to_string(&part).unwrap();
    let future: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 2 {
                format!("4{}\n", &l[1..])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let future_part = tmp.path().join("future.tsv");
    std::fs::write(&future_part, future).unwrap();
    let register = repo("examples/register.csv");
    let (part, future_part) = (part.to_str().unwrap(), future_part.to_str().unwrap());
    // (partials and options, what the refusal says)
    let refusals: [(&[&str], &str); 3] = [
        (&[future_part], "future.tsv:3: partial format version 4"),
        (
            &[part, part],
            "sample-logs/squid/access.log` is already in another partial",
        ),
        (
            &[part, "--register", register.to_str().unwrap()],
            "same --signatures and --register",
        ),
    ];
    for (args, says) in refusals {
        let mut all = strings(&["merge", "--out", out.to_str().unwrap()]);
        all.extend(strings(args));
        let refused = run(&all);
        assert_eq!(refused.status.code(), Some(2), "{says}");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.contains(says), "{err}");
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "nothing rendered, no temporary files left"
        );
    }
}

/// `text` with the first line that starts with `prefix` changed by `edit`, and that line's
/// number.
fn edit_first(text: &str, prefix: &str, edit: impl Fn(&mut Vec<String>)) -> (String, usize) {
    let mut at = 0;
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if at == 0 && l.starts_with(prefix) {
                at = i + 1;
                let mut fields: Vec<String> = l.split('\t').map(str::to_string).collect();
                edit(&mut fields);
                fields.join("\t")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(at > 0, "no {prefix:?} record");
    (lines.join("\n") + "\n", at)
}

#[test]
fn merge_refuses_malformed_partials_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("p.tsv");
    emit(&[&repo("sample-logs/squid")], &part);
    let text = std::fs::read_to_string(&part).unwrap();
    // A `file` record whose lines are not events + ignored + skipped.
    let (counts, counts_at) = edit_first(&text, "3\tfile\t", |f| {
        let lines: u64 = f[5].parse().unwrap();
        f[5] = (lines + 1).to_string();
    });
    // A tool this catalogue lacks.
    let (tool, tool_at) = edit_first(&text, "3\tusage\t", |f| f[4] = "x".into());
    let gz = gzip(text.as_bytes());
    let cases: [(&str, Vec<u8>, String); 4] = [
        (
            "counts.tsv",
            counts.into_bytes(),
            format!("counts.tsv:{counts_at}: a `file` record's counts disagree"),
        ),
        (
            "tool.tsv",
            tool.into_bytes(),
            format!("tool.tsv:{tool_at}: tool `x` is not in this catalogue"),
        ),
        (
            "cut.tsv.gz",
            gz[..gz.len() / 2].to_vec(),
            "corrupt or truncated gzip".into(),
        ),
        (
            "cut.tsv",
            text.as_bytes()[..text.len() / 2].to_vec(),
            "the last record has no line end".into(),
        ),
    ];
    for (name, bytes, says) in cases {
        let bad = tmp.path().join(name);
        std::fs::write(&bad, bytes).unwrap();
        let out = tmp.path().join(format!("out-{name}"));
        let merged = tmp.path().join(format!("merged-{name}"));
        let bad = bad.to_str().unwrap();
        for sink in [
            ["--out", out.to_str().unwrap()],
            ["--emit-partial", merged.to_str().unwrap()],
        ] {
            let run = shadowai(&["merge", bad, sink[0], sink[1]]);
            let err = String::from_utf8_lossy(&run.stderr);
            if sink[0] == "--emit-partial" && name == "tool.tsv" {
                // A reduce step needs no catalogue: the final merge names the tool.
                assert_eq!(run.status.code(), Some(0), "{name}: {err}");
                std::fs::remove_file(&merged).unwrap();
                continue;
            }
            assert_eq!(run.status.code(), Some(2), "{name} {}: {err}", sink[0]);
            assert!(err.contains(&says), "{name}: {err}");
            // FILE:LINE: what, the line a number.
            let line = err
                .split_once(&format!("{name}:"))
                .and_then(|(_, r)| r.split(':').next())
                .and_then(|n| n.parse::<u64>().ok());
            assert!(line.is_some_and(|n| n > 0), "{name}: no FILE:LINE in {err}");
            assert!(!merged.exists(), "{name}: no partial written");
        }
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "{name}: nothing rendered"
        );
    }
}

#[test]
fn merge_into_state_counts_each_input_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = [
        "sample-logs/squid",
        "sample-logs/zeek-dns",
        "sample-logs/crowdstrike",
    ]
    .map(repo);
    let mut parts = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        let part = tmp.path().join(format!("p{i}.tsv"));
        emit(&[d], &part);
        parts.push(part);
    }
    let want = tmp.path().join("want");
    let state_scan = tmp.path().join("scan.db");
    let mut args = strings(&["scan", "--quiet", "--state", state_scan.to_str().unwrap()]);
    args.extend(strings(&["--out", want.to_str().unwrap()]));
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    ok(&run(&args), &[0], "scan --state");
    let state = tmp.path().join("merge.db");
    let merge_into = |parts: &[&PathBuf], out: &Path| {
        let mut args = strings(&["merge", "--state", state.to_str().unwrap()]);
        args.extend(parts.iter().map(|p| p.display().to_string()));
        args.extend(strings(&["--out", out.to_str().unwrap()]));
        run(&args)
    };
    // Two nights: the first two partials, then the third.
    let got = tmp.path().join("got");
    ok(&merge_into(&[&parts[0], &parts[1]], &got), &[0], "night 1");
    ok(&merge_into(&[&parts[2]], &got), &[0], "night 2");
    for name in [
        "per-user.csv",
        "per-tool.csv",
        "daily.csv",
        "unknown-ai-candidates.csv",
        "findings.csv",
    ] {
        assert!(
            std::fs::read(want.join(name)).unwrap() == std::fs::read(got.join(name)).unwrap(),
            "{name}: merge --state equals scan --state"
        );
    }
    let same = |what: &str| {
        assert!(
            std::fs::read(want.join("per-user.csv")).unwrap()
                == std::fs::read(got.join("per-user.csv")).unwrap(),
            "{what}: nothing counted twice"
        );
    };
    let says = |out: &Output, code: i32, text: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{err}");
        assert!(err.contains(text), "{err}");
    };
    // A retried night, or a renamed gzip copy of a stored log, adds nothing.
    says(&merge_into(&[&parts[2]], &got), 0, "nothing added");
    same("retry");
    let zeek = repo("sample-logs/zeek-dns/dns.log");
    let rotated = tmp.path().join("rotated");
    std::fs::create_dir_all(&rotated).unwrap();
    let text = std::fs::read(&zeek).unwrap();
    std::fs::write(rotated.join("dns.log.1.gz"), gzip(&text)).unwrap();
    let copy = tmp.path().join("copy.tsv");
    emit(&[&rotated.join("dns.log.1.gz")], &copy);
    says(&merge_into(&[&copy], &got), 0, "nothing added");
    same("gzip copy");
    // A log of more than the 64 KiB a stream is known by, stored on a third night.
    let big = tmp.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    let mut truth = crate::generate::Truth::new();
    let log = crate::generate::squid(&mut Rng::new(3), 1_000, &mut truth);
    assert!(log.len() > 64 * 1024);
    std::fs::write(big.join("access.log"), &log).unwrap();
    let big_part = tmp.path().join("big.tsv");
    emit(&[&big], &big_part);
    let got_big = tmp.path().join("got-big");
    ok(&merge_into(&[&big_part], &got_big), &[0], "night 3");
    // A copy beside a new log, a stored input beside a new one, and a log that grew since it
    // was stored are refused: what is stored cannot be taken out of a merged partial.
    let grown = tmp.path().join("grown");
    std::fs::create_dir_all(&grown).unwrap();
    std::fs::write(grown.join("access.log"), format!("{log}{log}")).unwrap();
    let cases: [(&[&Path], &str); 3] = [
        (
            &[&rotated, &repo("sample-logs/bind-query")],
            "a copy of its content",
        ),
        (
            &[&dirs[2], &repo("sample-logs/bind-query")],
            "would count them twice",
        ),
        (&[&grown], "a log that grew"),
    ];
    let before = std::fs::read(got_big.join("per-user.csv")).unwrap();
    for (i, (inputs, text)) in cases.iter().enumerate() {
        let part = tmp.path().join(format!("refused-{i}.tsv"));
        emit(inputs, &part);
        let out = tmp.path().join(format!("refused-{i}"));
        says(&merge_into(&[&part], &out), 2, text);
        assert!(
            !out.join("per-user.csv").exists(),
            "{text}: nothing rendered"
        );
    }
    ok(&merge_into(&[&parts[2]], &got_big), &[0], "state unchanged");
    assert!(
        before == std::fs::read(got_big.join("per-user.csv")).unwrap(),
        "nothing added"
    );
    // The ledger rows a merge writes are the ones `scan --state` reads: the same logs, and
    // the gzip copy, are not read again.
    let rescan = tmp.path().join("rescan");
    let mut args = strings(&["scan", "--quiet", "--state", state.to_str().unwrap()]);
    args.extend(strings(&["--out", rescan.to_str().unwrap()]));
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    args.push(rotated.display().to_string());
    args.push(big.display().to_string());
    let out = run(&args);
    says(&out, 0, "0 new event(s)");
    assert!(before == std::fs::read(rescan.join("per-user.csv")).unwrap());
}

/// Issue 23, case 10: a scan of thousands of small files (one per host and hour, as some
/// collectors write them) emits one `file` record per input, and its merge equals the scan.
#[test]
fn thousands_of_one_line_files_emit_a_partial_that_merges_to_the_scan() {
    const FILES: usize = 2_000;
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let line = |time: &str, i: usize| {
        format!(
            "{time}  12938 10.1.{}.{} TCP_TUNNEL/200 20072 CONNECT chatgpt.com:443 user{i} HIER_DIRECT/104.18.32.47 -\n",
            i / 250,
            i % 250
        )
    };
    for i in 0..FILES {
        let mut text = line("1794211531.666", i);
        // Every 10th file has three more lines, the last without a timestamp: skipped, with
        // an example (enough good lines that the format is still recognized).
        if i % 10 == 0 {
            text = format!("{text}{text}{text}{}", line("soon", i));
        }
        std::fs::write(logs.join(format!("access-{i:04}.log")), text).unwrap();
    }
    let logs = logs.to_str().unwrap();
    let (scanned, merged) = (tmp.path().join("scanned"), tmp.path().join("merged"));
    let part = tmp.path().join("part.tsv");
    ok(
        &run(&strings(&[
            "scan",
            "--quiet",
            logs,
            "--out",
            scanned.to_str().unwrap(),
        ])),
        &[0],
        "scan",
    );
    emit(&[Path::new(logs)], &part);
    let text = std::fs::read_to_string(&part).unwrap();
    let files = text.lines().filter(|l| l.starts_with("3\tfile\t")).count();
    assert_eq!(files, FILES, "one file record per input");
    ok(
        &run(&strings(&[
            "merge",
            part.to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ])),
        &[0],
        "merge",
    );
    assert_same_outputs(&scanned, &merged, "2,000 files");
    let s = crate::util::summary(&merged);
    let listed = s["files"].as_array().unwrap();
    assert_eq!(listed.len(), FILES);
    let skipped: u64 = listed.iter().map(|f| f["skipped"].as_u64().unwrap()).sum();
    assert_eq!(skipped, (FILES / 10) as u64);
}
