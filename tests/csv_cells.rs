//! Every CSV output neutralizes every text cell (issue 23, case 8): user names and devices a
//! log can carry that a spreadsheet would run as a formula or turn into a number come out
//! prefixed with `'` in each CSV where they appear, with no exception for text that looks like
//! a number (`+5.4294967296` was written bare in `per-user.csv` and `findings.csv`).

use std::path::Path;

use crate::util::{hostile_chatgpt_line, read_csv, scan, shadowai};

/// Users a Squid line can carry (its fields split on spaces): each would be a formula or a
/// number in a spreadsheet. Squid lowercases nothing; the scan normalizes users to lowercase.
const SQUID_USERS: [&str; 4] = ["+5.4294967296", "-1+1", "=HYPERLINK(\"x\")", "@SUM(1)"];

/// A device only a JSON format can carry: a leading tab (user names are trimmed, devices not).
const TAB: &str = "\tX";

fn hostile_logs(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut squid = String::new();
    for (i, user) in SQUID_USERS.iter().enumerate() {
        squid.push_str(&hostile_chatgpt_line(i, user));
    }
    std::fs::write(dir.join("access.log"), squid).unwrap();
    let mut nss = String::new();
    for (login, device) in [
        ("carol", "+5.4294967296"),
        ("dave", "=HYPERLINK(1)"),
        ("erin", TAB),
    ] {
        let event = serde_json::json!({
            "sourcetype": "zscalernss-web",
            "event": {
                "time": "Mon Nov 24 09:00:03 2026",
                "login": login,
                "proto": "HTTPS",
                "eurl": "chatgpt.com/backend-api/conversation",
                "action": "Allowed",
                "reqsize": "48213",
                "cip": "10.20.1.15",
                "devicehostname": device,
            }
        });
        nss.push_str(&format!("{event}\n"));
    }
    std::fs::write(dir.join("nss-web.json"), nss).unwrap();
}

/// What a hostile value becomes in a cell: prefixed with `'` (the scan lowercases users, so
/// compare without case).
fn neutralized(v: &str) -> String {
    format!("'{}", v.to_lowercase())
}

#[test]
fn hostile_users_and_devices_are_prefixed_in_every_csv_output() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    hostile_logs(&logs);
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let column = |file: &str, col: &str| -> Vec<String> {
        read_csv(&out.join(file))
            .into_iter()
            .map(|r| r[col].to_lowercase())
            .collect()
    };
    for (file, col) in [("per-user.csv", "user"), ("findings.csv", "user")] {
        let cells = column(file, col);
        for u in SQUID_USERS {
            assert!(
                cells.contains(&neutralized(u)),
                "{file} {col}: {u:?} not prefixed in {cells:?}"
            );
        }
    }
    // The heaviest users of an unregistered tool, `user (events); …`: the cell starts with a
    // user, so it is prefixed when that user starts like a formula.
    let top = column("register-candidates.csv", "top_users");
    assert!(
        top.iter().all(|c| c.starts_with('\'')),
        "register-candidates.csv top_users: {top:?}"
    );
    let devices = column("per-user.csv", "devices");
    for d in ["+5.4294967296", "=HYPERLINK(1)", TAB] {
        assert!(
            devices.contains(&neutralized(d)),
            "per-user.csv devices: {d:?} not prefixed in {devices:?}"
        );
    }
    // No cell of any CSV output starts like a formula, number-looking text included.
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            for row in read_csv(&path) {
                for (col, cell) in row {
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{} {col}: {cell:?}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn reveal_and_match_neutralize_their_cells_too() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key");
    std::fs::write(&key, "correct horse battery staple\n").unwrap();
    let names = tmp.path().join("names.txt");
    std::fs::write(&names, "+5.4294967296\n").unwrap();
    let run = shadowai(&[
        "reveal",
        "--pseudonymize-key",
        key.to_str().unwrap(),
        "--users",
        names.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.ends_with(",'+5.4294967296\n"), "{text}");
    let run = shadowai(&["match", "--", "-1+1"]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    assert_eq!(text.lines().nth(1), Some("'-1+1,,,,,,,"), "{text}");
}
