//! Helpers shared by the integration tests: running the built binary, reading what it wrote,
//! and comparing output folders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::generate::Truth;

/// The generation time every run spawned by the tests reports (`SOURCE_DATE_EPOCH`), so two
/// runs over the same inputs write byte-identical outputs: 2026-12-01T00:00:00Z.
pub const GENERATED: &str = "1796083200";

/// The built `shadowai`, with [`GENERATED`] as its `SOURCE_DATE_EPOCH`.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shadowai"));
    c.env("SOURCE_DATE_EPOCH", GENERATED);
    c
}

/// Runs the built `shadowai` with `args`.
pub fn shadowai(args: &[&str]) -> Output {
    command().args(args).output().expect("run shadowai")
}

/// `shadowai scan --quiet INPUTS --out OUT EXTRA...`.
pub fn scan(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["scan".into(), "--quiet".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    shadowai(&refs)
}

/// The rows of a CSV file, each a column → value map.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// (user, tool_id) → events, from per-user.csv.
pub fn per_user_events(out: &Path) -> Truth {
    read_csv(&out.join("per-user.csv"))
        .into_iter()
        .map(|row| {
            (
                (row["user"].clone(), row["tool_id"].clone()),
                row["events"].parse().unwrap(),
            )
        })
        .collect()
}

/// (user, tool_id) → (events, bytes out), from per-user.csv; bytes out is `None` where the CSV
/// leaves it empty (no source of the row's events records upload sizes).
pub type PerUser = BTreeMap<(String, String), (u64, Option<u64>)>;

/// The (user, tool_id) → (events, bytes out) rows of an output folder's per-user.csv; a
/// (user, tool) in two rows fails. Shared by the vendor sample tests (`vendors`,
/// `vendor_samples`), which count each sample's events and uploaded bytes exactly.
pub fn per_user_counts(out: &Path) -> PerUser {
    let mut counts = PerUser::new();
    for r in read_csv(&out.join("per-user.csv")) {
        let events = r["events"].parse::<u64>().unwrap();
        let bytes_out = Some(r["bytes_out"].as_str())
            .filter(|b| !b.is_empty())
            .map(|b| b.parse::<u64>().unwrap());
        let key = (r["user"].clone(), r["tool_id"].clone());
        let dup = counts.insert(key, (events, bytes_out));
        assert!(
            dup.is_none(),
            "two per-user.csv rows for {} / {}",
            r["user"],
            r["tool_id"]
        );
    }
    counts
}

/// [`per_user_counts`] as written by hand: (user, tool_id, events, bytes out) rows.
pub fn per_user_want(rows: &[(&str, &str, u64, Option<u64>)]) -> PerUser {
    rows.iter()
        .map(|&(u, t, e, b)| ((u.to_string(), t.to_string()), (e, b)))
        .collect()
}

/// `shadowai scan --quiet INPUT --out OUT` (no `--format`: the format is detected), asserting
/// it exits 0 (naming `INPUT` and the stderr otherwise); returns `summary.json`. Shared by the
/// vendor sample tests, which each scan one sample folder this way.
pub fn scan_sample(input: &Path, out: &Path) -> serde_json::Value {
    let run = scan(&[input], out, &[]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}: {}",
        input.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    summary(out)
}

/// `summary.json` of an output folder.
pub fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// A path inside the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `data` as one gzip member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Every file of an output folder, by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Asserts that two output folders hold the same files with the same bytes, showing the first
/// line that differs.
pub fn assert_same_outputs(want: &Path, got: &Path, what: &str) {
    let (a, b) = (outputs(want), outputs(got));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: the same files"
    );
    assert!(a.contains_key("summary.json"), "{what}: reports written");
    for (name, bytes) in &a {
        if bytes != &b[name] {
            let (w, g) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&b[name]),
            );
            let at = w
                .lines()
                .zip(g.lines())
                .position(|(x, y)| x != y)
                .unwrap_or_else(|| w.lines().count().min(g.lines().count()));
            panic!(
                "{what}: {name} differs at line {}:\n  want: {:?}\n  got:  {:?}",
                at + 1,
                w.lines().nth(at),
                g.lines().nth(at)
            );
        }
    }
}

/// A Squid CONNECT to chatgpt.com by `user` from 10.9.0.`i`: how the hostile-input tests carry
/// a user name (any text without spaces) into every report.
pub fn hostile_chatgpt_line(i: usize, user: &str) -> String {
    format!(
        "1794211531.{i:03}  120 10.9.0.{i} TCP_TUNNEL/200 2000 CONNECT chatgpt.com:443 {user} HIER_DIRECT/104.18.32.47 -\n"
    )
}
