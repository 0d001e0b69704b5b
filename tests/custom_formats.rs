//! Issue 19 item 4: user-defined log formats (`--format-file`), end to end through the binary,
//! on the worked example of docs/custom-formats.md (Barracuda Web Security Gateway).

use std::collections::BTreeMap;

use crate::util::{per_user_events, repo, scan, shadowai, summary};

const SPEC: &str = "examples/formats/barracuda-wsg.toml";
const LOG: &str = "examples/formats/barracuda-wsg.log";

#[test]
fn issue19_barracuda_example_is_detected_and_counted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let spec = repo(SPEC).display().to_string();
    let o = scan(&[&repo(LOG)], &out, &["--format-file", &spec]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want: BTreeMap<(String, String), u64> = [
        (("alice", "chatgpt"), 3),
        (("bob", "claude"), 1),
        (("carol", "openai-api"), 2),
        (("10.20.1.40", "gemini"), 2),
    ]
    .into_iter()
    .map(|((u, t), n)| ((u.to_string(), t.to_string()), n))
    .collect();
    assert_eq!(per_user_events(&out), want);
    let file = &summary(&out)["files"][0];
    assert_eq!(file["format"], "barracuda-wsg");
    assert_eq!(
        (file["lines"].as_u64(), file["events"].as_u64()),
        (Some(10), Some(10))
    );
    assert_eq!(file["skipped"].as_u64(), Some(0));

    // Chosen by name too; and without the spec no format reads the file.
    let forced = dir.path().join("forced");
    let o = scan(
        &[&repo(LOG)],
        &forced,
        &["--format-file", &spec, "--format", "barracuda-wsg"],
    );
    assert!(o.status.success());
    assert_eq!(per_user_events(&forced), want);
    let o = scan(&[&repo(LOG)], &dir.path().join("none"), &[]);
    assert_eq!(o.status.code(), Some(1));
    let o = scan(
        &[&repo(LOG)],
        &dir.path().join("none"),
        &["--format", "barracuda-wsg"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs its --format-file"));
}

#[test]
fn issue19_partials_of_a_user_format_merge_with_the_same_spec() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo(SPEC).display().to_string();
    let part = dir.path().join("part.tsv").display().to_string();
    let log = repo(LOG).display().to_string();
    let o = shadowai(&[
        "scan",
        "-q",
        &log,
        "--format-file",
        &spec,
        "--emit-partial",
        &part,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("merged");
    let o = shadowai(&[
        "merge",
        "-q",
        &part,
        "--format-file",
        &spec,
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(per_user_events(&out).len(), 4);
    let o = shadowai(&[
        "merge",
        "-q",
        &part,
        "--out",
        &dir.path().join("x").display().to_string(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format-file"));
}

#[test]
fn issue19_formats_lists_user_formats_and_spec_errors_are_usage_errors() {
    let spec = repo(SPEC).display().to_string();
    let o = shadowai(&["formats", "--format-file", &spec]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&format!("barracuda-wsg (proxy, from {spec}):")),
        "{text}"
    );
    assert!(text.starts_with("squid (proxy):"), "built-ins first");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("formats.toml");
    let text = std::fs::read_to_string(repo(SPEC))
        .unwrap()
        .replace("format = \"epoch\"", "format = \"foo\"");
    std::fs::write(&bad, text).unwrap();
    let bad = bad.display().to_string();
    let o = scan(
        &[&repo(LOG)],
        &dir.path().join("out"),
        &["--format-file", &bad],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{bad}: format \"barracuda-wsg\": field \"time.format\": unknown format \"foo\""
        )),
        "{err}"
    );
    let o = shadowai(&["formats", "--format-file", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let o = shadowai(&["formats", "--format-file", "/nonexistent/formats.toml"]);
    assert_eq!(o.status.code(), Some(2));
    // The same spec twice defines its name twice.
    let o = shadowai(&["formats", "--format-file", &spec, "--format-file", &spec]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already loaded"));
}
