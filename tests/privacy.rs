//! `--pseudonymize-key`: reports carry keyed tokens instead of user names, and `reveal` maps a
//! name to the token the reports show.

use crate::util::{read_csv, repo, scan, shadowai, summary};

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
