//! What counts as an input, and how it is read (issue 23): special files in folders are
//! skipped without being opened, a named pipe given as an argument is read as a stream, a
//! damaged gzip keeps the lines it holds, and the run's own outputs inside an input folder are
//! never read back as logs. (The rotation race is tested where chunks are read, in
//! `src/pipeline/mod.rs` and `src/input/handle.rs`.)

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{gzip, per_user_events, scan, summary};

/// `n` Squid lines of five users on chatgpt.com, with paths that keep gzip from compressing
/// them to almost nothing (so that a cut gzip loses some lines, not all).
fn squid_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{}.000 5 10.0.0.{} TCP_MISS/200 100 GET https://chatgpt.com/c/{:08x} user{} HIER_DIRECT/1.2.3.4 -\n",
                1_794_182_400 + i,
                i % 9,
                (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32,
                i % 5
            )
        })
        .collect()
}

/// Runs `shadowai scan --quiet ARGS…`, killed after 20 s so that a scan that hangs fails the
/// test instead of hanging it. Returns the exit code (`None` when killed) and stderr.
fn scan_within_20s(args: &[&Path], extra: &[&str], stderr: &Path) -> (Option<i32>, String) {
    let mut child = crate::util::command()
        .arg("scan")
        .arg("--quiet")
        .args(args)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (code, std::fs::read_to_string(stderr).unwrap())
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Regression for issue 23 case 3: a named pipe inside an input folder hung the scan forever.
#[cfg(unix)]
#[test]
fn a_fifo_inside_a_folder_is_skipped_and_the_scan_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("access.log"), squid_lines(100)).unwrap();
    mkfifo(&logs.join("syslog.pipe"));
    let out = tmp.path().join("out");
    let (code, stderr) = scan_within_20s(
        &[&logs],
        &["--out", out.to_str().unwrap()],
        &tmp.path().join("stderr"),
    );
    assert_eq!(code, Some(0), "finished, not killed: {stderr}");
    let s = summary(&out);
    let files = s["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0]["events"], 100);
    let pipe = &files[1];
    assert!(pipe["path"].as_str().unwrap().ends_with("syslog.pipe"));
    assert_eq!(
        (pipe["lines"].as_u64(), pipe["error"].as_str()),
        (Some(0), None)
    );
    let warning = pipe["warning"].as_str().unwrap();
    assert!(warning.contains("named pipe (FIFO)"), "{warning}");
    assert!(
        stderr.contains("syslog.pipe") && stderr.contains("named pipe"),
        "{stderr}"
    );
}

/// A named pipe given as an argument is read as a stream, here gzip and longer than the
/// 64 KiB head read for detection, and counted exactly as the same bytes in a file.
#[cfg(unix)]
#[test]
fn a_fifo_given_as_an_argument_is_read_as_a_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let text = squid_lines(2_000);
    assert!(text.len() > 2 * 64 * 1024);
    let bytes = gzip(text.as_bytes());
    let file = tmp.path().join("access.log.gz");
    std::fs::write(&file, &bytes).unwrap();
    let fifo = tmp.path().join("feed");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write as _;
            // Blocks until the scan opens the pipe for reading.
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo)?;
            for piece in bytes.chunks(4096) {
                w.write_all(piece)?;
            }
            std::io::Result::Ok(())
        })
    };
    let (from_pipe, from_file) = (tmp.path().join("pipe"), tmp.path().join("file"));
    let (code, stderr) = scan_within_20s(
        &[&fifo],
        &["--out", from_pipe.to_str().unwrap()],
        &tmp.path().join("stderr"),
    );
    if !writer.is_finished() {
        // The scan never opened the pipe: open it here so the writer can finish.
        let _ = std::fs::File::open(&fifo).map(|mut f| f.read_to_end(&mut Vec::new()));
    }
    assert_eq!(code, Some(0), "{stderr}");
    writer.join().unwrap().unwrap();
    let s = summary(&from_pipe);
    let f = &s["files"][0];
    assert_eq!(
        (f["gzip"].as_bool(), f["lines"].as_u64()),
        (Some(true), Some(2_000))
    );
    assert_eq!(f["error"], serde_json::Value::Null);
    assert_eq!(scan(&[&file], &from_file, &[]).status.code(), Some(0));
    assert_eq!(per_user_events(&from_pipe), per_user_events(&from_file));
    // `--state` resumes files at an offset, which a pipe cannot do: refused without opening
    // it (there is no writer now, so opening it would block).
    let with_state = tmp.path().join("state-out");
    let db = tmp.path().join("state.db");
    let (code, stderr) = scan_within_20s(
        &[&fifo],
        &[
            "--out",
            with_state.to_str().unwrap(),
            "--state",
            db.to_str().unwrap(),
        ],
        &tmp.path().join("stderr"),
    );
    assert_eq!(code, Some(1), "finished, not killed: {stderr}");
    assert!(
        stderr.contains("feed: a stream") && stderr.contains("cannot be read into --state"),
        "{stderr}"
    );
    assert!(!with_state.exists(), "an empty state renders no report");
}

/// The whole lines `zcat` gives for `bytes` (gzip), counted with flate2: what a scan must keep.
fn zcat_lines(bytes: &[u8]) -> u64 {
    let mut out = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out);
    memchr::memchr_iter(b'\n', &out).count() as u64
}

/// Regression for issue 23 case 4: a small gzip (< 64 KiB) damaged anywhere gave format null and
/// 0 lines. Now its whole lines count; a cut or a bad CRC is an error after them, trailing zero
/// padding a warning.
#[test]
fn a_damaged_small_gzip_keeps_its_whole_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let text = squid_lines(55);
    let good = gzip(text.as_bytes());
    assert!(text.len() < 64 * 1024);
    let truncated = good[..good.len() * 9 / 10].to_vec();
    let mut bad_crc = good.clone();
    let crc = bad_crc.len() - 8;
    bad_crc[crc] ^= 0xff;
    let mut padded = good.clone();
    padded.extend([0; 512]);
    let kept = zcat_lines(&truncated);
    assert!(kept > 0 && kept < 55, "the cut loses some lines: {kept}");
    for (name, bytes, lines, error, warning) in [
        (
            "truncated",
            truncated,
            kept,
            Some("gzip stream truncated"),
            None,
        ),
        ("bad-crc", bad_crc, 55, Some("checksum"), None),
        ("padded", padded, 55, None, Some("512 trailing zero bytes")),
    ] {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("good.log"), &text).unwrap();
        std::fs::write(dir.join("damaged.log.gz"), &bytes).unwrap();
        let out = tmp.path().join(format!("{name}-out"));
        let run = scan(&[&dir], &out, &[]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        let want_code = if error.is_some() { 3 } else { 0 };
        assert_eq!(run.status.code(), Some(want_code), "{name}: {stderr}");
        let s = summary(&out);
        let f = &s["files"][0];
        assert!(f["path"].as_str().unwrap().ends_with("damaged.log.gz"));
        assert_eq!(f["format"], "squid", "{name}");
        assert_eq!(
            f["lines"].as_u64(),
            Some(lines),
            "{name}: the lines zcat gives"
        );
        assert_eq!(f["events"].as_u64(), Some(lines), "{name}");
        match error {
            Some(e) => {
                assert!(f["error"].as_str().unwrap().contains(e), "{name}: {f}");
                assert!(stderr.contains("damaged.log.gz"), "{name}: {stderr}");
            }
            None => assert_eq!(f["error"], serde_json::Value::Null, "{name}"),
        }
        match warning {
            Some(w) => {
                assert!(f["warning"].as_str().unwrap().starts_with(w), "{name}: {f}");
                assert!(
                    stderr.contains("damaged.log.gz") && stderr.contains(w),
                    "{stderr}"
                );
            }
            None => assert!(f.get("warning").is_none(), "{name}: {f}"),
        }
    }
}

/// The reports in `dir` (the log, the state and the partial left out, and what a `--state` run
/// found new, which differs between a first and a second run by design), by name.
fn reports(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "access.log" && name != "p.tsv" && !name.starts_with("state.db"))
        .filter(|name| !name.starts_with("new-since-last-run."))
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Regression for issue 23 case 7: reports written inside the input folder were read back as
/// logs ("no known log format", exit 3). Run twice, each layout gives the same reports: the
/// report folder inside the log folder, the log folder itself, with a `--state` database
/// there too, and a partial written there.
#[test]
fn outputs_inside_an_input_folder_are_not_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in ["reports", "", "state", "partial"] {
        let logs = tmp.path().join(format!("logs-{layout}"));
        std::fs::create_dir(&logs).unwrap();
        std::fs::write(logs.join("access.log"), squid_lines(200)).unwrap();
        let out = logs.join(if layout == "state" { "reports" } else { layout });
        let mut args = vec![
            "scan".to_string(),
            "--quiet".into(),
            logs.display().to_string(),
        ];
        let extra = match layout {
            "partial" => vec![
                "--emit-partial".into(),
                logs.join("p.tsv").display().to_string(),
            ],
            "state" => vec![
                "--state".into(),
                logs.join("state.db").display().to_string(),
            ],
            _ => vec!["--jsonl".into()],
        };
        if layout != "partial" {
            args.extend(["--out".into(), out.display().to_string()]);
        }
        args.extend(extra);
        let mut first = None;
        for run in 1..=2 {
            let result = crate::util::command().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&result.stderr);
            let what = format!("layout {layout:?}, run {run}");
            assert_eq!(result.status.code(), Some(0), "{what}: {stderr}");
            assert!(!stderr.contains("no known log format"), "{what}: {stderr}");
            if layout == "partial" {
                let partial = std::fs::read_to_string(logs.join("p.tsv")).unwrap();
                let inputs = partial.lines().filter(|l| l.contains("\tfile\t")).count();
                assert_eq!(inputs, 1, "{what}: only the log is an input");
                continue;
            }
            let s = summary(&out);
            let files = s["files"].as_array().unwrap();
            assert_eq!(files.len(), 1, "{what}: {files:?}");
            assert_eq!(files[0]["events"], 200, "{what}");
            let got = reports(&out);
            assert!(got.len() >= 9, "{what}: {:?}", got.keys());
            match &first {
                None => first = Some(got),
                Some(want) => assert!(want == &got, "{what}: the reports of run 1 again"),
            }
        }
    }
}
