//! `summary.json`: what was read, what was counted, and with which catalogue. Versioned by
//! `"schema"` so downstream readers can refuse what they do not know.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use serde::Serialize;

use super::{Exporter, Report};
use crate::time::{fmt_day, fmt_rfc3339};

/// `summary.json`.
pub struct Summary;

/// Schema version of `summary.json`.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema: u32,
    generator: String,
    command: &'a str,
    files: Vec<FileEntry>,
    totals: Totals,
    window: Window,
    coverage: BTreeMap<&'static str, Vec<String>>,
    signatures: Signatures<'a>,
}

#[derive(Serialize)]
struct FileEntry {
    path: String,
    format: Option<&'static str>,
    gzip: bool,
    lines: u64,
    events: u64,
    matched: u64,
    ignored: u64,
    skipped: u64,
    skipped_examples: Vec<Example>,
    error: Option<String>,
}

#[derive(Serialize)]
struct Example {
    line: u64,
    reason: String,
}

#[derive(Serialize, Default)]
struct Totals {
    files: u64,
    files_with_errors: u64,
    lines: u64,
    events: u64,
    matched_events: u64,
    ignored: u64,
    skipped: u64,
    users: u64,
    tools: u64,
    bytes_out: u64,
    unknown_ai_candidates: u64,
}

#[derive(Serialize)]
struct Window {
    first: Option<String>,
    last: Option<String>,
}

#[derive(Serialize)]
struct Signatures<'a> {
    version: &'a str,
    tools: usize,
    patterns: usize,
    files: &'a [String],
}

impl Exporter for Summary {
    fn file_name(&self) -> &'static str {
        "summary.json"
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        let mut totals = Totals::default();
        let files = r
            .files
            .iter()
            .map(|f| {
                totals.files += 1;
                totals.files_with_errors += u64::from(f.error.is_some());
                totals.lines += f.lines;
                totals.events += f.events;
                totals.matched_events += f.matched;
                totals.ignored += f.ignored;
                totals.skipped += f.skipped;
                FileEntry {
                    path: f.path.display().to_string(),
                    format: f.format,
                    gzip: f.gzip,
                    lines: f.lines,
                    events: f.events,
                    matched: f.matched,
                    ignored: f.ignored,
                    skipped: f.skipped,
                    skipped_examples: f
                        .examples
                        .iter()
                        .map(|(line, why)| Example {
                            line: *line,
                            reason: why.to_string(),
                        })
                        .collect(),
                    error: f.error.clone(),
                }
            })
            .collect();
        totals.users = r
            .per_user
            .iter()
            .map(|u| &u.user)
            .collect::<HashSet<_>>()
            .len() as u64;
        totals.tools = r.per_tool.len() as u64;
        totals.bytes_out = r.per_tool.iter().map(|t| t.stats.bytes_out).sum();
        totals.unknown_ai_candidates = r.candidates.len() as u64;
        let mut coverage: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for (kind, day) in &r.scan.agg.coverage {
            coverage
                .entry(kind.as_str())
                .or_default()
                .push(fmt_day(*day));
        }
        let window = &r.scan.agg.window;
        let doc = Doc {
            schema: SCHEMA,
            generator: format!("shadowai {}", env!("CARGO_PKG_VERSION")),
            command: &r.config.command_line,
            files,
            totals,
            window: Window {
                first: window.first.map(fmt_rfc3339),
                last: window.last.map(fmt_rfc3339),
            },
            coverage,
            signatures: Signatures {
                version: &r.catalogue.version,
                tools: r.catalogue.tools.len(),
                patterns: r.catalogue.patterns.len(),
                files: &r.catalogue.files,
            },
        };
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")?;
        Ok(())
    }
}
