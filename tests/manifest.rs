//! The evidence manifest (issue 16): `summary.json` ties the reports to the exact inputs by
//! SHA-256, recomputed here independently of shadowai's input layer.

use sha2::{Digest, Sha256};

use crate::util::{GENERATED, gzip, repo, scan, summary};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn summary_records_the_generation_time_and_the_hash_of_every_input_as_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let small: String = (0..50)
        .map(|i| crate::util::hostile_chatgpt_line(i, "alice"))
        .collect();
    // Over 1 MiB: read in chunks with --chunk-mib 1, hashed by the chunks in file order.
    let large: String = (0..20_000)
        .map(|i| crate::util::hostile_chatgpt_line(i % 200, &format!("user{}", i % 37)))
        .collect();
    assert!(large.len() > 2 << 20, "several chunks");
    let plain = small.into_bytes();
    // Content of its own: a copy of another input would be a duplicate, not read.
    let rotated: String = (0..5_000)
        .map(|i| crate::util::hostile_chatgpt_line(i % 100, "bob"))
        .collect();
    let gz = gzip(rotated.as_bytes());
    std::fs::write(logs.join("a-plain.log"), &plain).unwrap();
    std::fs::write(logs.join("b-large.log"), large.as_bytes()).unwrap();
    std::fs::write(logs.join("c-rotated.log.1"), &gz).unwrap();
    let register = repo("examples/register.csv");
    let leases = tmp.path().join("leases.csv");
    std::fs::write(
        &leases,
        "ip,user,start,end\n10.0.0.9,carol,2026-01-01,2026-12-31\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&logs],
        &out,
        &[
            "--chunk-mib",
            "1",
            "--register",
            register.to_str().unwrap(),
            "--identity",
            leases.to_str().unwrap(),
        ],
    );
    assert!(
        matches!(run.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s = summary(&out);
    let want_time = crate::util::GENERATED.parse::<i64>().unwrap();
    assert_eq!(want_time, 1_796_083_200);
    assert_eq!(
        s["generated"], "2026-12-01T00:00:00Z",
        "SOURCE_DATE_EPOCH {GENERATED}"
    );
    let hashes: Vec<(String, String)> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                f["sha256"].as_str().unwrap_or("null").to_string(),
            )
        })
        .collect();
    assert_eq!(
        hashes,
        [
            ("a-plain.log".to_string(), sha256(&plain)),
            ("b-large.log".to_string(), sha256(large.as_bytes())),
            // The gzip bytes as stored, not the decompressed log.
            ("c-rotated.log.1".to_string(), sha256(&gz)),
        ]
    );
    assert_eq!(
        s["register"]["sha256"],
        sha256(&std::fs::read(&register).unwrap())
    );
    assert_eq!(
        s["identity"]["files"][0]["sha256"],
        sha256(&std::fs::read(&leases).unwrap())
    );
    // The same with one thread: the hash does not depend on who read which chunk.
    let one = tmp.path().join("one");
    scan(
        &[&logs],
        &one,
        &[
            "-j",
            "1",
            "--chunk-mib",
            "1",
            "--register",
            register.to_str().unwrap(),
            "--identity",
            leases.to_str().unwrap(),
        ],
    );
    crate::util::assert_same_outputs(&out, &one, "one thread and many");
}

#[test]
fn the_headline_counts_people_and_names_addresses_besides() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("access.log");
    // One named person and two client addresses (no user logged) on an unregistered tool.
    let text: String = [
        crate::util::hostile_chatgpt_line(1, "alice"),
        crate::util::hostile_chatgpt_line(2, "-"),
        crate::util::hostile_chatgpt_line(3, "-"),
    ]
    .concat();
    std::fs::write(&log, text).unwrap();
    let out = tmp.path().join("out");
    scan(&[&log], &out, &[]);
    let s = summary(&out);
    assert_eq!(
        (&s["totals"]["people"], &s["totals"]["addresses"]),
        (&serde_json::json!(1), &serde_json::json!(2))
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains(
            "1 person used 1 unapproved AI tool (plus 2 client addresses not attributed to a person)"
        ),
        "{md}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("generated 2026-12-01 00:00:00 UTC"),
        "header meta"
    );
}
