//! Issue 16, item 6: `--pdf` prints report.html to report.pdf with an installed Chromium; with
//! none, a usage error (exit 2) naming what was searched and the command to run by hand, before
//! anything is written. A later run without `--pdf` removes the stale PDF.
//!
//! The printing test needs a Chromium-family browser on PATH (as `report_html`); without one it
//! prints a notice and passes.

use std::process::Command;

use crate::util::{repo, scan};

#[test]
fn pdf_is_printed_with_an_installed_browser() {
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            [
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ]
            .iter()
            .any(|b| d.join(b).is_file())
        })
    });
    if !on_path {
        eprintln!("skipping: no chromium (nor chromium-browser, google-chrome) on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = scan(&[&repo("sample-logs")], &out, &["--pdf"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pdf = std::fs::read(out.join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    if let Ok(info) = Command::new("pdfinfo").arg(out.join("report.pdf")).output() {
        let info = String::from_utf8_lossy(&info.stdout);
        let pages: u32 = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap_or_else(|| panic!("pdfinfo names the pages: {info}"))
            .trim()
            .parse()
            .unwrap();
        assert!(pages > 0);
    }
    // No temporary file or browser profile left in the folder.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

    let again = scan(&[&repo("sample-logs")], &out, &[]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        !out.join("report.pdf").exists(),
        "a run without --pdf removes the stale PDF"
    );
}

#[test]
fn without_a_browser_pdf_is_a_usage_error_with_the_manual_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_shadowai"))
        .args(["scan", "--quiet", "--pdf", "--out"])
        .arg(&out)
        .arg(repo("sample-logs"))
        .env("PATH", "")
        .env_remove("SHADOWAI_CHROME")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("chromium, chromium-browser, google-chrome, google-chrome-stable"),
        "{err}"
    );
    assert!(err.contains("SHADOWAI_CHROME"), "{err}");
    assert!(
        err.contains(
            "--headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="
        ),
        "{err}"
    );
    assert!(!out.exists(), "nothing written before the failure");

    let named = Command::new(env!("CARGO_BIN_EXE_shadowai"))
        .args(["scan", "--quiet", "--pdf", "--out"])
        .arg(&out)
        .arg(repo("sample-logs"))
        .env("SHADOWAI_CHROME", tmp.path().join("no-such-browser"))
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&named.stderr).contains("no-such-browser"));
}
