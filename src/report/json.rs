//! `summary.json`: what was read, what was counted, with which catalogue and register, and
//! whether the data covers the audit. Versioned by `"schema"` so downstream readers can refuse
//! what they do not know.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use serde::Serialize;

use super::{Exporter, Report, audit};
use crate::policy::{Severity, Tier};
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
    audit: super::Audit,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<String>,
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
    use_events: u64,
    incidental_events: u64,
    incidental_only_users: u64,
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

#[derive(Serialize)]
struct RegisterInfo {
    path: String,
    rows: usize,
    joined: usize,
    by_tier: BTreeMap<Tier, usize>,
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
                            reason: why.clone(),
                        })
                        .collect(),
                    error: f.error.clone(),
                    warning: f.warning.clone(),
                }
            })
            .collect();
        let users: HashSet<&String> = r.use_rows().map(|u| &u.user).collect();
        totals.users = users.len() as u64;
        totals.incidental_only_users = r
            .incidental_rows()
            .map(|u| &u.user)
            .filter(|u| !users.contains(u))
            .collect::<HashSet<_>>()
            .len() as u64;
        let in_use = r.tools_in_use();
        totals.tools = in_use.len() as u64;
        totals.unregistered_tools = r.register_candidates.len() as u64;
        totals.bytes_out = in_use
            .iter()
            .map(|t| t.stats.bytes_out)
            .fold(0, u64::saturating_add);
        for cell in r.scan.agg.usage.values().flat_map(|cells| cells.values()) {
            totals.use_events += cell.use_events();
            totals.incidental_events += cell.incidental;
        }
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
