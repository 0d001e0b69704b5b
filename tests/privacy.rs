//! `--pseudonymize-key`: reports carry keyed tokens instead of user and device names, and
//! `reveal` maps a name to the token the reports show (issue 17, case 4).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::{assert_same_outputs, read_csv, repo, scan, shadowai, summary};

#[test]
fn pseudonymized_reports_carry_tokens_that_reveal_maps_back() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key");
    std::fs::write(&key, "correct horse battery staple\n").unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/squid")],
        &out,
        &["--pseudonymize-key", key.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(0));
    let rows = read_csv(&out.join("per-user.csv"));
    assert!(
        rows.iter()
            .all(|r| r["user"].starts_with("u-") && r["user"].len() == 18),
        "{rows:?}"
    );
    for file in ["per-user.csv", "findings.csv", "register-candidates.csv"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(
            !text.contains("alice") && !text.contains("10.1.0.50"),
            "{file} leaks a user"
        );
    }
    assert_eq!(summary(&out)["users_pseudonymized"], true);
    let names = tmp.path().join("names");
    std::fs::write(&names, "CORP\\Alice\nnobody\n").unwrap();
    let run = shadowai(&[
        "reveal",
        "--pseudonymize-key",
        key.to_str().unwrap(),
        "--users",
        names.to_str().unwrap(),
    ]);
    let text = String::from_utf8(run.stdout).unwrap();
    let alice_token = text
        .lines()
        .find(|l| l.ends_with(",alice"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert!(
        rows.iter().any(|r| r["user"] == alice_token),
        "the token in the report reveals as alice"
    );
}

/// Every file under `dir`, recursively, with its text.
fn texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(texts(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path, text));
        }
    }
    out
}

/// Where `name` occurs in `text` as a whole token (no letter or digit on either side), case
/// blind: `lt-alice` names alice, `filtering` does not name erin.
fn token_at(text: &str, name: &str) -> Option<usize> {
    let (text, name) = (text.to_ascii_lowercase(), name.to_ascii_lowercase());
    let b = text.as_bytes();
    text.match_indices(&name).map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = b.get(i + name.len()).copied();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The account names in the sample logs' process paths: the segment after `C:\Users\` (any
/// drive, either slash, JSON-escaped or not, any case), `/home/` or `/Users/`.
fn path_user_segments() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (_, text) in texts(&repo("sample-logs")) {
        let text = text.replace("\\\\", "\\").replace('/', "\\").to_lowercase();
        for marker in [":\\users\\", "\\home\\", "\\users\\"] {
            for (i, _) in text.match_indices(marker) {
                let rest = &text[i + marker.len()..];
                let end = rest
                    .find(|c: char| c == '\\' || c == '"' || c == '<' || c.is_whitespace())
                    .unwrap_or(rest.len());
                if end > 0 {
                    names.insert(rest[..end].to_string());
                }
            }
        }
    }
    names
}

/// Any file of at least 16 bytes is a key.
const KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/register.csv");

fn keyed_scan(out: &Path, extra: &[&str]) {
    let mut args = vec!["--pseudonymize-key", KEY, "--jsonl"];
    args.extend(extra);
    let run = scan(&[&repo("sample-logs")], out, &args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn issue17_case4_keyed_outputs_name_no_device_and_no_account_of_a_path() {
    let tmp = tempfile::tempdir().unwrap();
    let clear = tmp.path().join("clear");
    let run = scan(&[&repo("sample-logs")], &clear, &["--jsonl"]);
    assert_eq!(run.status.code(), Some(0));
    let mut names: BTreeSet<String> = read_csv(&clear.join("per-user.csv"))
        .iter()
        .flat_map(|r| {
            r["devices"]
                .split(';')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|d| !d.is_empty())
        .collect();
    assert!(
        names.contains("lt-alice") && names.contains("mbp-alice"),
        "{names:?}"
    );
    let devices = names.len();
    let accounts = path_user_segments();
    assert!(
        ["carol", "dave", "erin"]
            .iter()
            .all(|a| accounts.contains(*a)),
        "{accounts:?}"
    );
    names.extend(accounts);
    // The clear run shows them: the check below can fail.
    let clear_text: String = texts(&clear).into_iter().map(|(_, t)| t).collect();
    assert!(
        token_at(&clear_text, "mbp-alice").is_some() && token_at(&clear_text, "erin").is_some()
    );

    let keyed = tmp.path().join("keyed");
    keyed_scan(&keyed, &[]);
    for (path, text) in texts(&keyed) {
        for name in &names {
            if let Some(i) = token_at(&text, name) {
                panic!(
                    "{} names `{name}`: …{}…",
                    path.display(),
                    &text[i.saturating_sub(40)..(i + name.len() + 40).min(text.len())]
                );
            }
        }
    }
    let rows = read_csv(&keyed.join("per-user.csv"));
    let tokens: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r["devices"].split(';'))
        .filter(|d| !d.is_empty())
        .collect();
    assert!(
        tokens.iter().all(|t| t.starts_with("d-") && t.len() == 18),
        "{tokens:?}"
    );
    assert_eq!(tokens.len(), devices, "one token per device");
    // Processes are file names: no folder, so no account, reaches a row.
    assert!(
        rows.iter().all(|r| !r["processes"].contains(['\\', '/'])),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r["processes"].contains("claude.exe")));
}

#[test]
fn issue17_case4_tokens_are_the_same_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, three) = (tmp.path().join("one"), tmp.path().join("three"));
    keyed_scan(&one, &["--threads", "1"]);
    keyed_scan(&three, &["--threads", "3", "--chunk-mib", "1"]);
    assert_same_outputs(&one, &three, "keyed scan, 1 vs 3 threads");
    let again = tmp.path().join("again");
    keyed_scan(&again, &["--threads", "1"]);
    assert_same_outputs(&one, &again, "keyed scan, run twice");
}

#[test]
fn issue17_case4_reveal_maps_device_and_user_tokens_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    keyed_scan(&out, &[]);
    let (users, devices) = (tmp.path().join("users"), tmp.path().join("devices"));
    std::fs::write(&users, "CORP\\Alice\n").unwrap();
    // Candidates in any case: the scan lowercases device names.
    std::fs::write(&devices, "LT-Alice\n\nnobody-pc\n").unwrap();
    let reveal = |tokens: &[&str]| {
        let mut args = vec![
            "reveal",
            "--pseudonymize-key",
            KEY,
            "--users",
            users.to_str().unwrap(),
            "--devices",
            devices.to_str().unwrap(),
        ];
        args.extend(tokens);
        let run = shadowai(&args);
        assert_eq!(run.status.code(), Some(0));
        (
            String::from_utf8(run.stdout).unwrap(),
            String::from_utf8(run.stderr).unwrap(),
        )
    };
    let (table, _) = reveal(&[]);
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["token", "kind", "name"]);
    assert_eq!(rows.len(), 4, "{table}");
    let find = |name: &str| rows.iter().find(|r| r[2] == name).unwrap().clone();
    let (alice, laptop) = (find("alice"), find("lt-alice"));
    assert_eq!((alice[1], laptop[1]), ("user", "device"));
    assert!(laptop[0].starts_with("d-"), "{table}");
    // The laptop's token is in alice's rows of the report.
    let per_user = read_csv(&out.join("per-user.csv"));
    assert!(
        per_user
            .iter()
            .any(|r| r["user"] == alice[0] && r["devices"].split(';').any(|d| d == laptop[0])),
        "{per_user:?}"
    );
    // Asked for one token, reveal prints that one; one no candidate gives is said on stderr.
    let (one, err) = reveal(&[laptop[0], "d-0000000000000000"]);
    assert_eq!(one.lines().count(), 2, "{one}");
    assert!(one.contains(",device,lt-alice"), "{one}");
    assert!(
        err.contains("d-0000000000000000") && !err.contains(laptop[0]),
        "{err}"
    );
}

#[test]
fn issue17_case4_merge_with_the_key_equals_a_keyed_scan_and_partials_refuse_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let keyed = tmp.path().join("keyed");
    keyed_scan(&keyed, &[]);
    let part = tmp.path().join("part.tsv");
    let sample = repo("sample-logs");
    let sample = sample.to_str().unwrap();
    let run = shadowai(&[
        "scan",
        "-q",
        sample,
        "--emit-partial",
        part.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0));
    let merged = tmp.path().join("merged");
    let run = shadowai(&[
        "merge",
        part.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
        "--pseudonymize-key",
        KEY,
        "--jsonl",
    ]);
    assert_eq!(run.status.code(), Some(0));
    assert_same_outputs(&keyed, &merged, "merge --pseudonymize-key vs keyed scan");
    // A partial is written before pseudonymization: given the key, scan and merge refuse to
    // write one rather than write clear names the user asked to hide.
    let again = tmp.path().join("again.tsv");
    for args in [
        vec!["scan", "-q", sample, "--emit-partial"],
        vec!["merge", part.to_str().unwrap(), "--emit-partial"],
    ] {
        let mut args = args.clone();
        args.extend([again.to_str().unwrap(), "--pseudonymize-key", KEY]);
        let run = shadowai(&args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(!again.exists());
    }
}
