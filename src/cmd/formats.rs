//! `shadowai formats`: the supported log formats, or the README's table of them, or (with
//! `--detect FILE…`) why each file is or is not recognized.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use crate::event::{Action, Event, Parsed};
use crate::exit::Exit;
use crate::formats::{self, DetectError, LogFormat};
use crate::input;
use crate::lines::{Line, LineReader};
use crate::time::{Plausible, fmt_rfc3339};

/// Data lines of the winner's parse shown at most, and events among them.
const SHOWN_LINES: usize = 10;
const SHOWN_EVENTS: usize = 5;

/// `shadowai formats`: the built-ins, then the formats of `format_files`, each marked with
/// its file; with `detect`, why each of those files is (not) recognized. The Markdown table
/// is the built-ins' only (it is the one in docs/formats.md).
pub fn run(markdown: bool, detect: &[PathBuf], format_files: &[PathBuf]) -> anyhow::Result<Exit> {
    formats::user::load(format_files)?;
    let mut out = io::stdout().lock();
    if !detect.is_empty() {
        let mut exit = Exit::Ok;
        for path in detect {
            if let Err(e) = explain(&mut out, path) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    return Err(e.into());
                }
                eprintln!("shadowai: {}: {e}", path.display());
                exit = Exit::Partial;
            }
        }
        return Ok(exit);
    }
    if markdown {
        out.write_all(formats::markdown_table().as_bytes())?;
        return Ok(Exit::Ok);
    }
    for f in formats::all() {
        // The first data line: not a comment, nor the `[`/`{` opening a pretty-printed JSON
        // export (whose records span lines).
        let example = f
            .sample()
            .lines()
            .map(str::trim)
            .find(|l| !l.starts_with('#') && !l.chars().all(|c| "[]{},".contains(c)))
            .unwrap_or_default();
        match f.origin() {
            Some(file) => writeln!(
                out,
                "{} ({}, from {file}): {}",
                f.name(),
                f.kind().as_str(),
                f.about()
            )?,
            None => writeln!(out, "{} ({}): {}", f.name(), f.kind().as_str(), f.about())?,
        }
        writeln!(out, "  fields:  {}", f.fields())?;
        writeln!(out, "  example: {example}")?;
        if !f.spec_url().is_empty() {
            writeln!(out, "  spec:    {}", f.spec_url())?;
        }
    }
    Ok(Exit::Ok)
}

/// Prints, for one file, what the scan's detection sees: the scores over the same head (the
/// first 64 KiB, decompressed, whole lines), the verdict, and the first lines as parsed by the
/// winner (or, when none wins, by the closest format, so the user sees what goes wrong).
fn explain(out: &mut impl Write, path: &Path) -> io::Result<()> {
    let mut opened = input::open_stream(path, &ProgressBar::hidden(), input::MIN_EXPANSION_LIMIT)?;
    let head = input::read_head(&mut opened.reader);
    let lines = head.lines();
    let count = lines.iter().filter(|&&b| b == b'\n').count();
    writeln!(
        out,
        "{}{}: {} bytes, {} lines looked at",
        path.display(),
        if opened.gzip { " (gzip)" } else { "" },
        lines.len(),
        count
    )?;
    if let Some(e) = &head.error {
        writeln!(out, "  read error after these bytes: {e}")?;
    }
    if lines.is_empty() {
        writeln!(
            out,
            "  empty: nothing to detect (a scan reads it as no data, no error)"
        )?;
        return Ok(());
    }
    let scored = formats::score_all(lines);
    let (min, lead) = formats::THRESHOLDS;
    writeln!(out, "  score  format")?;
    let zero = scored.iter().filter(|(_, s)| *s == 0).count();
    for (f, s) in scored.iter().filter(|(_, s)| *s > 0) {
        writeln!(out, "  {s:>5}  {}", f.name())?;
    }
    if zero > 0 {
        writeln!(out, "      0  ({zero} other formats)")?;
    }
    let (shown, verdict) = match formats::detect(lines) {
        Ok(f) => {
            let runner_up = scored.get(1).map_or(0, |s| s.1);
            (
                Some(f),
                format!(
                    "recognized as {}: score {} (at least {min}), {} ahead of the next (at least {lead})",
                    f.name(),
                    scored[0].1,
                    scored[0].1 - runner_up
                ),
            )
        }
        Err(DetectError::Unknown(_)) => {
            let (best, s) = scored[0];
            (
                (s > 0).then_some(best),
                format!(
                    "not recognized: the best score is {s} ({}), below {min}; if you know the format, use `scan --format NAME`",
                    best.name()
                ),
            )
        }
        Err(DetectError::Ambiguous(close)) => (
            None,
            format!(
                "not recognized: {} score within {lead} of each other; use `scan --format NAME`",
                close
                    .iter()
                    .map(|(n, s)| format!("{n} ({s})"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ),
    };
    writeln!(out, "  {verdict}")?;
    if let Some(f) = shown {
        first_lines(out, f, lines)?;
    }
    Ok(())
}

/// The first data lines of `lines` as `format` reads them, as the scan does (syslog envelopes
/// removed, implausible times refused): each an event with its fields, an ignored line, or a
/// skipped line with its reason.
fn first_lines(out: &mut impl Write, format: &dyn LogFormat, lines: &[u8]) -> io::Result<()> {
    writeln!(out, "  first lines as {}:", format.name())?;
    let mut parser = format.new_parser();
    let plausible = Plausible::from_clock();
    let mut reader = LineReader::new(lines);
    let (mut number, mut shown, mut events) = (0u64, 0, 0);
    while let Some(line) = reader.next_line()? {
        number += 1;
        let text = match line {
            Line::Text(t) => t,
            Line::TooLong => {
                writeln!(out, "    line {number}: skipped: too long")?;
                shown += 1;
                continue;
            }
        };
        let envelope = if format.reads_syslog() {
            None
        } else {
            formats::unwrap_envelope(text)
        };
        let (text, envelope_ts) = envelope.map_or((text, None), |e| (e.msg, e.ts));
        match formats::admit(parser.parse(text), envelope_ts, plausible) {
            Ok(Parsed::Meta) => continue,
            Ok(Parsed::Event(e)) => {
                events += 1;
                writeln!(out, "    line {number}: event  {}", describe(&e))?;
            }
            Ok(Parsed::Ignored) => {
                writeln!(
                    out,
                    "    line {number}: ignored (well-formed, names no host)"
                )?;
            }
            Err(why) => writeln!(out, "    line {number}: skipped: {why}")?,
        }
        shown += 1;
        if shown == SHOWN_LINES || events == SHOWN_EVENTS {
            break;
        }
    }
    if shown == 0 {
        writeln!(
            out,
            "    (no data line: headers, comments or blank lines only)"
        )?;
    }
    Ok(())
}

/// An event's fields on one line, `-` for absent ones.
fn describe(e: &Event) -> String {
    let v = |b: Option<&[u8]>| b.map_or_else(|| "-".to_string(), printable);
    let action = match e.action {
        Action::Allowed => "allowed",
        Action::Blocked => "blocked",
        Action::Unknown => "unknown",
    };
    let mut s = format!(
        "time={} user={} client={} device={} host={}",
        e.ts.map_or_else(|| "-".to_string(), fmt_rfc3339),
        v(e.user),
        v(e.client),
        v(e.device),
        printable(e.host),
    );
    if let Some(path) = e.path {
        s.push_str(&format!(" path={}", printable(path)));
    }
    s.push_str(&format!(
        " bytes_out={} action={action} source={}",
        e.bytes_out
            .map_or_else(|| "-".to_string(), |b| b.to_string()),
        e.source.as_str()
    ));
    if let Some(p) = e.process {
        s.push_str(&format!(" process={}", printable(p)));
    }
    s
}

/// Log bytes for the terminal: UTF-8 (lossy), control characters escaped, so a hostile
/// line cannot move the cursor or recolour the screen.
fn printable(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explained(text: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        std::fs::write(&path, text).unwrap();
        let mut out = Vec::new();
        explain(&mut out, &path).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_recognized_file_shows_scores_verdict_and_events() {
        let squid = formats::by_name("squid").unwrap().sample();
        let got = explained(squid.as_bytes());
        assert!(got.contains("    100  squid\n"), "{got}");
        assert!(got.contains("recognized as squid: score 100"), "{got}");
        assert!(got.contains("first lines as squid:"), "{got}");
        assert!(got.contains("line 1: event  time="), "{got}");
    }

    #[test]
    fn an_unknown_file_says_why_and_an_ignored_one_shows_its_lines() {
        let got = explained(b"hello world\nthis is not a log\n");
        assert!(got.contains("not recognized: the best score is 0"), "{got}");
        assert!(!got.contains("first lines"), "{got}");
        let got = explained(b"");
        assert!(got.contains("empty: nothing to detect"), "{got}");
        // Sysmon process events: recognized, every line ignored.
        let line = "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Image\":\"C:\\\\x.exe\"}\n";
        let got = explained(line.repeat(3).as_bytes());
        assert!(got.contains("recognized as sysmon-json"), "{got}");
        assert_eq!(
            got.matches("ignored (well-formed, names no host)").count(),
            3,
            "{got}"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable(b"a\x1b[31mb\\c"), "a\\u{1b}[31mb\\c");
    }
}
