//! `--pdf`: `report.html` printed to `report.pdf` by an installed Chromium or Chrome.
//!
//! Why a browser and not a PDF library: the report's print layout (`@page`, page numbers,
//! tables that break with repeated headers) is CSS, and a browser is what lays it out; a
//! Rust PDF renderer would be a heavy dependency drawing a different document. The browser
//! is looked for before the scan, so a machine without one fails at once (exit 2) with the
//! exact command to run by hand, not after an hour of reading logs.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::atomic::AtomicFile;
use crate::exit::UsageError;

/// The PDF's file name in `--out`.
pub const FILE: &str = "report.pdf";

/// The page it prints.
const PAGE: &str = "report.html";

/// Names looked up on `PATH`, in this order (after `$SHADOWAI_CHROME`).
pub const BROWSERS: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The environment variable naming the browser to use.
pub const ENV: &str = "SHADOWAI_CHROME";

/// A browser that has not printed by then is killed: a hung Chromium must not hang a nightly
/// run.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The flags every print uses: headless, no sandbox (containers run as root), no GPU, no
/// header or footer of the browser's own (the report prints its own).
const FLAGS: [&str; 4] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
];

/// The browser to print with: `$SHADOWAI_CHROME` when set, else the first of [`BROWSERS`] on
/// `PATH`. Without one, a usage error naming what was searched and the command to run by hand.
pub fn find_browser(out: &Path) -> Result<PathBuf, UsageError> {
    if let Some(chosen) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        let chosen = PathBuf::from(chosen);
        let found = if chosen.components().count() > 1 {
            chosen.is_file().then_some(chosen.clone())
        } else {
            on_path(&chosen.to_string_lossy())
        };
        return found.ok_or_else(|| {
            UsageError(format!(
                "--pdf: ${ENV} is {}, which is no file nor a program on PATH",
                chosen.display()
            ))
        });
    }
    BROWSERS
        .iter()
        .find_map(|name| on_path(name))
        .ok_or_else(|| {
            UsageError(format!(
                "--pdf: no Chromium or Chrome found: ${ENV} is not set and none of {} is on PATH; \
             install one, set ${ENV}, or print the report by hand:\n  {}",
                BROWSERS.join(", "),
                manual_command(out)
            ))
        })
}

/// The command `--pdf` runs, for printing by hand.
pub fn manual_command(out: &Path) -> String {
    format!(
        "chromium {} --print-to-pdf={} {}",
        FLAGS.join(" "),
        absolute(&out.join(FILE)).display(),
        file_url(&absolute(&out.join(PAGE)))
    )
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `name` in a folder of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `file://` URL of an absolute path: every byte but unreserved ones and `/` percent-encoded,
/// so a folder named `audit #3` or `müller` still names the file.
fn file_url(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut url = String::from("file://");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Prints `out/report.html` to `out/report.pdf` with `browser`: into a temporary file beside
/// it, checked to be a PDF, then renamed into place, so a failed print leaves the previous
/// PDF or none, never half of one.
pub fn print(browser: &Path, out: &Path) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let page = absolute(&out.join(PAGE));
    let target = AtomicFile::create(&out.join(FILE))?;
    let work = tempfile::tempdir().context("creating the browser's profile folder")?;
    let log = work.path().join("browser.log");
    let mut child = Command::new(browser)
        .args(FLAGS)
        // A fresh profile: a Chrome the user has open would otherwise own the default one.
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", target.path().display()))
        .arg(file_url(&page))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log)?)
        // Its own process group, so a timeout kills the wrapper script and every helper.
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {}", browser.display()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            // A negative pid signals the child's process group.
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            bail!(
                "{} did not print {} within {} s",
                browser.display(),
                page.display(),
                TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let written = std::fs::read(target.path()).unwrap_or_default();
    if !status.success() || !written.starts_with(b"%PDF") {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = said.lines().rev().take(5).collect();
        bail!(
            "{} did not print {} ({status}, {} bytes written){}{}",
            browser.display(),
            page.display(),
            written.len(),
            if tail.is_empty() { "" } else { ":\n  " },
            tail.into_iter().rev().collect::<Vec<_>>().join("\n  ")
        );
    }
    target.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_escape_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/srv/audit #3/müller/report.html")),
            "file:///srv/audit%20%233/m%C3%BCller/report.html"
        );
    }
}
