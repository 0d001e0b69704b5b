//! `summary.json`: what was read, what was counted, with which catalogue and register, and
//! whether the data covers the audit. Versioned by `"schema"` so downstream readers can refuse
//! what they do not know.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{Exporter, Report, audit};
use crate::policy::{Severity, Tier};
use crate::signatures::Evidence;
use crate::time::{fmt_day, fmt_rfc3339};

/// `summary.json`.
pub struct Summary;

/// Schema version of `summary.json`.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema: u32,
    generator: String,
    /// UTC, RFC 3339: `SOURCE_DATE_EPOCH` when set.
    generated: String,
    command: &'a str,
    files: Vec<FileEntry>,
    totals: Totals,
    window: Window,
    coverage: BTreeMap<&'static str, Vec<String>>,
    audit: super::Audit,
    findings: BTreeMap<Severity, u64>,
    register: Option<RegisterInfo>,
    identity: Option<IdentityInfo<'a>>,
    users_pseudonymized: bool,
    signatures: Signatures<'a>,
    /// `--directory` files and their hashes, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    directory: Option<HashedFiles<'a>>,
}

/// Files read whole before the scan, each with its SHA-256.
#[derive(Serialize)]
struct HashedFiles<'a> {
    files: Vec<Hashed<'a>>,
}

#[derive(Serialize)]
struct Hashed<'a> {
    path: &'a str,
    sha256: &'a str,
}

fn hashed(files: &[crate::hash::HashedFile]) -> Vec<Hashed<'_>> {
    files
        .iter()
        .map(|f| Hashed {
            path: &f.path,
            sha256: &f.sha256,
        })
        .collect()
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
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<String>,
    /// SHA-256 of the stored bytes; null when this run did not read the whole file.
    sha256: Option<String>,
}

#[derive(Serialize)]
struct Example {
    line: u64,
    reason: String,
}

/// `totals`: also the numbers of the end-of-run block on stderr ([`super::tally`]), so the two
/// never disagree.
#[derive(Clone, Serialize, Default)]
pub(crate) struct Totals {
    pub(crate) files: u64,
    pub(crate) files_with_errors: u64,
    pub(crate) lines: u64,
    pub(crate) events: u64,
    pub(crate) matched_events: u64,
    pub(crate) ignored: u64,
    pub(crate) skipped: u64,
    pub(crate) out_of_window: u64,
    pub(crate) users: u64,
    pub(crate) tools: u64,
    pub(crate) unregistered_tools: u64,
    /// Uploaded bytes of the tools in use; null when no source measured any.
    pub(crate) bytes_out: Option<u64>,
    pub(crate) unknown_ai_candidates: u64,
    /// Users that are people (an account, a name, an email), client addresses no lease
    /// named, and endpoint devices (events naming neither user nor address): see
    /// [`super::tally::UserKinds`].
    pub(crate) people: u64,
    pub(crate) addresses: u64,
    pub(crate) devices: u64,
    /// Matched events that are evidence of use, and those that are only incidental contact
    /// (an exact split of `matched_events`).
    pub(crate) use_events: u64,
    pub(crate) incidental_events: u64,
    /// People whose every matched event was incidental: not counted in `users`.
    pub(crate) incidental_only_users: u64,
}

impl Totals {
    /// The totals of a report.
    pub(crate) fn of(r: &Report) -> Totals {
        let mut totals = Totals::default();
        for f in r.files {
            totals.files += 1;
            totals.files_with_errors += u64::from(f.error.is_some());
            totals.lines += f.lines;
            totals.events += f.events;
            totals.matched_events += f.matched;
            totals.ignored += f.ignored;
            totals.skipped += f.skipped;
            totals.out_of_window += f.out_of_window;
        }
        // The rows are sorted by user: one run of rows per user.
        for rows in r.per_user.chunk_by(|a, b| a.user == b.user) {
            if rows.iter().any(|u| u.evidence == Evidence::Use) {
                totals.users += 1;
            } else {
                totals.incidental_only_users += 1;
            }
        }
        let in_use = r.tools_in_use();
        totals.tools = in_use.len() as u64;
        totals.unregistered_tools = r.register_candidates.len() as u64;
        totals.bytes_out = in_use
            .iter()
            .map(|t| t.stats.bytes_out)
            .fold(None, super::overview::add_uploaded);
        for (_, cell) in r.scan.agg.usage.cells() {
            totals.use_events += cell.use_events();
            totals.incidental_events += cell.incidental;
        }
        totals.unknown_ai_candidates = r.candidates.len() as u64;
        let kinds = super::tally::UserKinds::of(&r.scan.agg);
        (totals.people, totals.addresses, totals.devices) =
            (kinds.people, kinds.addresses, kinds.devices);
        totals
    }
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
    /// Rows that joined no tool: always present, so a script can check it is empty.
    unmatched: Vec<UnmatchedRow>,
    sha256: String,
}

/// A register row that joined no tool, with the tool it probably means.
#[derive(Serialize)]
struct UnmatchedRow {
    line: usize,
    name: String,
    /// The id of the closest tool (the first of `candidates` when the name is ambiguous).
    suggestion: Option<String>,
    /// Every tool an ambiguous name fits; empty when the name fits none.
    candidates: Vec<String>,
}

#[derive(Serialize)]
struct IdentityInfo<'a> {
    attributed_events: u64,
    unattributed_events: u64,
    /// The `--identity` files the users were named with, hashed (by this run, or by the
    /// scans whose partials it merged).
    files: Vec<Hashed<'a>>,
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
        let files = r
            .files
            .iter()
            .map(|f| FileEntry {
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
                warning: f.warnings(),
                duplicate_of: f.duplicate.as_ref().map(|d| d.of.display().to_string()),
                sha256: f.sha256.clone(),
            })
            .collect();
        let totals = &r.overview().totals;
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
                unmatched: reg
                    .unmatched
                    .iter()
                    .map(|u| UnmatchedRow {
                        line: u.line,
                        name: u.name.clone(),
                        suggestion: u.suggestions.first().map(|s| s.id.clone()),
                        candidates: if u.ambiguous {
                            u.suggestions.iter().map(|s| s.id.clone()).collect()
                        } else {
                            Vec::new()
                        },
                    })
                    .collect(),
                sha256: reg.sha256.clone(),
            }
        });
        let agg = &r.scan.agg;
        let doc = Doc {
            schema: SCHEMA,
            generator: format!("shadowai {}", env!("CARGO_PKG_VERSION")),
            generated: fmt_rfc3339(r.manifest.generated),
            command: &r.config.command_line,
            files,
            totals: totals.clone(),
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
                files: hashed(&r.manifest.identity),
            }),
            users_pseudonymized: r.users.pseudonymized(),
            signatures: Signatures {
                version: &r.catalogue.version,
                tools: r.catalogue.tools.len(),
                patterns: r.catalogue.patterns.len(),
                files: &r.catalogue.files,
            },
            directory: (!r.manifest.directory.is_empty()).then(|| HashedFiles {
                files: hashed(&r.manifest.directory),
            }),
        };
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")?;
        Ok(())
    }
}
