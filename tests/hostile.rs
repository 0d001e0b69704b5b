//! Broken and hostile inputs beside good logs (issue 9): random bytes, truncated and corrupt
//! gzip, a decompression bomb, overlong lines, a symlink loop and non-UTF-8 bytes are named or
//! skipped, and the good logs are still counted exactly.

use crate::generate::{self, write_logs};
use crate::util::{gzip, per_user_events, scan, summary};

#[test]
fn bad_files_are_named_and_good_ones_still_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let truth = write_logs(&logs, 2_000, 3);
    let mut noise = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..50_000)
        .map(|_| {
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            noise as u8
        })
        .collect();
    std::fs::write(logs.join("random.bin"), &random).unwrap();
    let gz = std::fs::read(logs.join("squid-b.log.gz")).unwrap();
    std::fs::write(logs.join("truncated.log.gz"), &gz[..gz.len() / 2]).unwrap();
    std::fs::write(logs.join("empty.log"), b"").unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &[]);
    assert_eq!(run.status.code(), Some(3), "partial exit code");
    let s = summary(&out);
    let files = s["files"].as_array().unwrap();
    let error_of = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()["error"]
            .clone()
    };
    assert!(
        error_of("random.bin")
            .as_str()
            .unwrap()
            .contains("no known log format")
    );
    assert!(
        error_of("truncated.log.gz")
            .as_str()
            .unwrap()
            .contains("truncated")
    );
    assert!(error_of("empty.log").is_null());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("random.bin") && stderr.contains("truncated.log.gz"));
    // Every good file is counted exactly; the truncated copy adds only lines before its cut.
    let got = per_user_events(&out);
    for (k, n) in &truth {
        assert!(got.get(k).copied().unwrap_or(0) >= *n, "{k:?}");
    }
    let truncated = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("truncated.log.gz"))
        .unwrap();
    let extra: u64 = got.values().sum::<u64>() - truth.values().sum::<u64>();
    assert_eq!(extra, truncated["matched"].as_u64().unwrap());
}

/// Squid lines for a user kept out of the ground truth, so partly read files can be told apart.
fn mallory_lines(n: usize) -> String {
    (0..n)
        .map(|i| format!("{}.000 5 10.6.6.6 TCP_TUNNEL/200 100 CONNECT claude.ai:443 mallory HIER_DIRECT/1.2.3.4 -\n", 1_794_182_400 + i))
        .collect()
}

/// Regression for issue 9: hostile and broken inputs beside good logs.
#[test]
fn hostile_inputs_never_stop_the_good_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let mut truth = write_logs(&logs.join("good"), 2_000, 11);
    let bad = logs.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    // Truncated gzip of a good log: the lines before the cut are kept.
    let full = gzip(mallory_lines(5_000).as_bytes());
    std::fs::write(bad.join("truncated.log.gz"), &full[..full.len() / 2]).unwrap();
    // Corrupt gzip: the magic, then garbage.
    let mut corrupt = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    corrupt.extend(std::iter::repeat_n(0xA5u8, 4096));
    std::fs::write(bad.join("corrupt.gz"), corrupt).unwrap();
    // gzip of binary data, and raw random bytes.
    let mut rng = generate::Rng::new(5);
    let random: Vec<u8> = (0..200_000).map(|_| rng.next() as u8).collect();
    std::fs::write(bad.join("binary.gz"), gzip(&random)).unwrap();
    std::fs::write(bad.join("random.bin"), &random).unwrap();
    // A 50 MB line with no newline.
    std::fs::write(bad.join("one-line.log"), vec![b'x'; 50 << 20]).unwrap();
    std::fs::write(bad.join("empty.log"), b"").unwrap();
    // Non-UTF-8 bytes inside otherwise good lines still count.
    let mut latin1 = Vec::new();
    for i in 0..10 {
        latin1.extend_from_slice(
            format!(
                "{}.000 5 10.7.0.1 TCP_MISS/200 100 GET http://chatgpt.com/caf",
                1_794_182_400 + i
            )
            .as_bytes(),
        );
        latin1.extend_from_slice(b"\xe9\xff/x j\xfcrgen HIER_DIRECT/1.2.3.4 -\n");
    }
    std::fs::write(bad.join("latin1.log"), latin1).unwrap();
    *truth
        .entry(("j\u{fffd}rgen".into(), "chatgpt".into()))
        .or_default() += 10;
    // A decompression bomb (with the limit lowered to 1 MiB for the test).
    // Long runs of one byte compress about 1000:1, far past the 200:1 limit.
    let line = format!(
        "1794182400.000 5 10.6.6.6 TCP_MISS/200 100 GET http://claude.ai/{} mallory HIER_DIRECT/1.2.3.4 -\n",
        "a".repeat(20_000)
    );
    let bomb = line.repeat(1_000);
    std::fs::write(bad.join("bomb.log.gz"), gzip(bomb.as_bytes())).unwrap();
    // A symlink loop.
    #[cfg(unix)]
    std::os::unix::fs::symlink(&bad, bad.join("loop")).unwrap();

    let out = tmp.path().join("out");
    let run = scan(&[&logs], &out, &["--min-expansion-mib", "1"]);
    assert_eq!(
        run.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut got = per_user_events(&out);
    let mallory = got
        .remove(&("mallory".to_string(), "claude".to_string()))
        .unwrap_or(0);
    assert_eq!(got, truth, "good logs are counted exactly");
    let s = summary(&out);
    let files = s["files"].as_array().unwrap();
    let entry = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in summary"))
    };
    let error = |name: &str| {
        entry(name)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    for (file, reason) in [
        ("truncated.log.gz", "truncated"),
        ("corrupt.gz", "corrupt gzip"),
        ("binary.gz", "no known log format"),
        ("random.bin", "no known log format"),
        ("one-line.log", "no known log format"),
        ("bomb.log.gz", "decompression bomb"),
    ] {
        assert!(error(file).contains(reason), "{file}: {}", error(file));
    }
    #[cfg(unix)]
    assert!(error("loop").contains("symlink loop"), "{}", error("loop"));
    assert!(entry("empty.log")["error"].is_null());
    assert_eq!(entry("latin1.log")["events"], 10);
    // Partly read files count what they read, and only that.
    let partial = entry("truncated.log.gz")["matched"].as_u64().unwrap()
        + entry("bomb.log.gz")["matched"].as_u64().unwrap();
    assert!(partial > 0);
    assert_eq!(mallory, partial);
}

#[test]
fn a_long_line_inside_a_log_is_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = mallory_lines(100);
    text.push_str(&"y".repeat(3 << 20));
    text.push('\n');
    text.push_str(&mallory_lines(50));
    let log = tmp.path().join("access.log");
    std::fs::write(&log, text).unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&log], &out, &[]);
    assert_eq!(run.status.code(), Some(0));
    let s = summary(&out);
    assert_eq!(s["files"][0]["skipped"], 1);
    assert_eq!(s["files"][0]["events"], 150);
    assert_eq!(s["files"][0]["skipped_examples"][0]["line"], 101);
    assert!(
        s["files"][0]["skipped_examples"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("longer than")
    );
}
