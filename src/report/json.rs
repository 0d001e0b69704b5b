//! `summary.json`: what was read, what was counted, with which catalogue and register, and
//! whether the data covers the audit. Versioned by `"schema"` so downstream readers can refuse
//! what they do not know.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;

use serde::Serialize;

use super::{Exporter, Report};
use crate::event::SourceKind;
use crate::findings::Severity;
use crate::time::{day_of, fmt_day, fmt_rfc3339};

/// `summary.json`.
pub struct Summary;

/// Schema version of `summary.json`.
pub const SCHEMA: u32 = 1;

/// Consecutive days of data the rollout's shadow-AI audit needs per source.
pub const AUDIT_DAYS: usize = 14;

#[derive(Serialize)]
struct Doc<'a> {
    schema: u32,
    generator: String,
    command: &'a str,
    files: Vec<FileEntry>,
    totals: Totals,
    window: Window,
    coverage: BTreeMap<&'static str, Vec<String>>,
    audit: Audit,
    findings: BTreeMap<Severity, u64>,
    register: Option<RegisterInfo>,
    identity: Option<IdentityInfo>,
    users_pseudonymized: bool,
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
    out_of_window: u64,
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
    out_of_window: u64,
    users: u64,
    tools: u64,
    unregistered_tools: u64,
    bytes_out: u64,
    unknown_ai_candidates: u64,
}

#[derive(Serialize)]
struct Window {
    /// Earliest event seen.
    first: Option<String>,
    /// Latest event seen.
    last: Option<String>,
    /// `--since`, if given.
    since: Option<String>,
    /// `--until`, if given.
    until: Option<String>,
}

/// Day coverage per source over the audit window.
#[derive(Serialize)]
struct Audit {
    /// First and last day of the window the coverage is judged on.
    from: Option<String>,
    to: Option<String>,
    sources: BTreeMap<&'static str, SourceDays>,
    /// Whether every source with data has `AUDIT_DAYS` consecutive days.
    complete: bool,
}

/// Missing days listed per source, at most (the count is always complete).
const MAX_MISSING_LISTED: usize = 366;

#[derive(Serialize)]
struct SourceDays {
    days_with_data: usize,
    missing_day_count: usize,
    /// The first `MAX_MISSING_LISTED` missing days.
    missing_days: Vec<String>,
    longest_consecutive_days: usize,
}

#[derive(Serialize)]
struct RegisterInfo {
    path: String,
    rows: usize,
    joined: usize,
    by_tier: BTreeMap<u8, usize>,
}

#[derive(Serialize)]
struct IdentityInfo {
    attributed_events: u64,
    unattributed_events: u64,
}

#[derive(Serialize)]
struct Signatures<'a> {
    version: &'a str,
    tools: usize,
    patterns: usize,
    files: &'a [String],
}

/// Coverage of each source over `[from, to]`.
fn audit(r: &Report) -> Audit {
    let agg = &r.scan.agg;
    let from = r.config.since.map(day_of).or(agg.window.first.map(day_of));
    let to = r.config.until.map(day_of).or(agg.window.last.map(day_of));
    let mut per_source: BTreeMap<SourceKind, BTreeSet<i32>> = BTreeMap::new();
    for &(kind, day) in &agg.coverage {
        per_source.entry(kind).or_default().insert(day);
    }
    let mut sources = BTreeMap::new();
    if let (Some(from), Some(to)) = (from, to) {
        for (kind, days) in &per_source {
            let (mut run, mut longest, mut missing, mut missing_day_count) = (0, 0, Vec::new(), 0);
            for day in from..=to {
                if days.contains(&day) {
                    run += 1;
                    longest = longest.max(run);
                } else {
                    run = 0;
                    missing_day_count += 1;
                    if missing.len() < MAX_MISSING_LISTED {
                        missing.push(fmt_day(day));
                    }
                }
            }
            let days_with_data = days.range(from..=to).count();
            sources.insert(
                kind.as_str(),
                SourceDays {
                    days_with_data,
                    missing_day_count,
                    missing_days: missing,
                    longest_consecutive_days: longest,
                },
            );
        }
    }
    let complete = !sources.is_empty()
        && sources
            .values()
            .all(|s| s.longest_consecutive_days >= AUDIT_DAYS);
    Audit {
        from: from.map(fmt_day),
        to: to.map(fmt_day),
        sources,
        complete,
    }
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
                totals.out_of_window += f.out_of_window;
                FileEntry {
                    path: f.path.display().to_string(),
                    format: f.format,
                    gzip: f.gzip,
                    lines: f.lines,
                    events: f.events,
                    matched: f.matched,
                    ignored: f.ignored,
                    skipped: f.skipped,
                    out_of_window: f.out_of_window,
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
        totals.unregistered_tools = r.register_candidates.len() as u64;
        totals.bytes_out = r.per_tool.iter().map(|t| t.stats.bytes_out).sum();
        totals.unknown_ai_candidates = r.candidates.len() as u64;
        let mut coverage: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for (kind, day) in &r.scan.agg.coverage {
            coverage
                .entry(kind.as_str())
                .or_default()
                .push(fmt_day(*day));
        }
        let mut findings = BTreeMap::new();
        for f in &r.findings {
            *findings.entry(f.severity).or_insert(0) += 1;
        }
        let register = r.policy.register.map(|reg| {
            let mut by_tier = BTreeMap::new();
            for e in &reg.entries {
                *by_tier.entry(e.tier).or_insert(0) += 1;
            }
            RegisterInfo {
                path: reg.path.display().to_string(),
                rows: reg.entries.len(),
                joined: reg.entries.iter().filter(|e| e.tool.is_some()).count(),
                by_tier,
            }
        });
        let agg = &r.scan.agg;
        let doc = Doc {
            schema: SCHEMA,
            generator: format!("shadowai {}", env!("CARGO_PKG_VERSION")),
            command: &r.config.command_line,
            files,
            totals,
            window: Window {
                first: agg.window.first.map(fmt_rfc3339),
                last: agg.window.last.map(fmt_rfc3339),
                since: r.config.since.map(fmt_rfc3339),
                until: r.config.until.map(fmt_rfc3339),
            },
            coverage,
            audit: audit(r),
            findings,
            register,
            identity: r.identity_used.then_some(IdentityInfo {
                attributed_events: agg.attributed,
                unattributed_events: agg.unattributed,
            }),
            users_pseudonymized: r.users.pseudonymized(),
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
