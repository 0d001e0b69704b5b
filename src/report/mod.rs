//! Reports: the scan's aggregates turned into sorted rows, then written by each exporter.
//!
//! Rows are built once ([`Report::build`]) and sorted with total orders, so every exporter
//! writes byte-identical output whatever the thread count. Output files are created as
//! temporary files before the scan (a bad `--out` fails at once, not after an hour) and
//! renamed into place only when complete.

pub mod csv;
pub mod csv_out;
mod csv_row;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod markdown;
pub mod new_since;
mod overview;

use overview::Overview;
pub mod pdf;
mod svg;
pub mod tally;
pub mod xlsx;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::aggregate::{Cell, Day, FileStats, SeenOn, UserId};
use crate::atomic::AtomicFile;
use crate::config::Config;
use crate::directory::{Departments, NOT_IN_DIRECTORY, People};
use crate::event::SourceKind;
use crate::findings::{self, Finding};
use crate::pipeline::Scan;
use crate::policy::{Policy, Tier};
use crate::pseudonym::Users;
use crate::signatures::{Catalogue, Evidence, ToolId};
use crate::time::{Stamp, day_of, fmt_day, fmt_rfc3339};

/// One user × tool.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    /// Normalized user (or client address), as shown; shared with the user's other rows.
    pub user: Arc<str>,
    /// Tool, shared with the tool's other rows.
    #[serde(flatten)]
    pub tool: Arc<ToolCols>,
    /// Counts.
    #[serde(flatten)]
    pub stats: Stats,
    /// Endpoint devices behind the usage (or their tokens), `;`-separated (at most 8).
    pub devices: String,
    /// Endpoint process file names behind the usage, `;`-separated (at most 8).
    pub processes: String,
    /// Whether the AI Tool Register lists the tool (`false`: never reviewed).
    pub registered: bool,
    /// `use` when any of the row's events is evidence of use, else `incidental`: the person
    /// only touched the vendor's web presence (a widget, a shared link, a docs page).
    pub evidence: Evidence,
    /// The user's department from `--directory` (empty without one).
    pub department: String,
    /// The user's manager from `--directory` (empty without one; a token when users are).
    pub manager: String,
}

/// The tool columns every row carries.
#[derive(Debug, Clone, Serialize)]
pub struct ToolCols {
    /// Slug.
    pub tool_id: String,
    /// Name.
    pub tool: String,
    /// Vendor.
    pub vendor: String,
    /// Category.
    pub category: String,
    /// Policy tier, written as its number.
    pub tier: Tier,
}

/// Events, uploads and first/last seen.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Events.
    pub events: u64,
    /// Uploaded bytes; `None` ("not measured", an empty CSV cell) when no source of these
    /// events records them ([`Cell::bytes_measured`]), which is not 0 bytes.
    pub bytes_out: Option<u64>,
    /// RFC 3339, empty when unknown.
    pub first_seen: Stamp,
    /// RFC 3339, empty when unknown.
    pub last_seen: Stamp,
}

impl From<&Cell> for Stats {
    fn from(c: &Cell) -> Self {
        Stats {
            events: c.events,
            bytes_out: c.uploaded(),
            first_seen: Stamp(c.first),
            last_seen: Stamp(c.last),
        }
    }
}

/// One tool over all users. Users and counts are those of its users (person × tool rows of
/// evidence `use`, all their events); people who only touched it incidentally are counted
/// apart, so a tool only ever touched incidentally has 0 users.
#[derive(Debug, Clone, Serialize)]
pub struct ToolRow {
    /// Tool.
    #[serde(flatten)]
    pub tool: ToolCols,
    /// Distinct users.
    pub users: u64,
    /// Counts.
    #[serde(flatten)]
    pub stats: Stats,
    /// Whether the AI Tool Register lists the tool.
    pub registered: bool,
    /// Distinct people whose every event to the tool was incidental.
    pub incidental_users: u64,
    /// Their events.
    pub incidental_events: u64,
    /// `active`, `discontinued` or `renamed`: a gone tool still matches old logs.
    pub status: String,
    /// What the reports show next to the name of a gone tool (`discontinued 2025-11`).
    #[serde(skip)]
    pub status_note: Option<String>,
    /// The tool in the catalogue.
    #[serde(skip)]
    pub id: ToolId,
}

/// A tool in use that the register does not list: the rollout's fast-track list.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterCandidate {
    /// Slug.
    pub tool_id: String,
    /// Name.
    pub tool: String,
    /// Vendor.
    pub vendor: String,
    /// Category.
    pub category: String,
    /// Distinct users.
    pub users: u64,
    /// Counts.
    #[serde(flatten)]
    pub stats: Stats,
    /// The heaviest users: `alice (12); bob (3)`, at most five.
    pub top_users: String,
    /// The catalogue's risk facts (empty where it records none) and the suggested tier, for
    /// the decision this row asks for.
    #[serde(flatten)]
    pub risk: RiskCols,
    /// What the reports show next to the name of a gone tool (`discontinued 2025-11`).
    #[serde(skip)]
    pub status_note: Option<String>,
}

/// The catalogue's risk facts of a tool and the tier they suggest
/// ([`crate::signatures::tiering`]), as `register-candidates.csv` appends them.
#[derive(Debug, Clone, Serialize)]
pub struct RiskCols {
    /// Whether the consumer plan trains on inputs: `yes`, `opt-out`, `no`, `unknown`.
    pub trains_on_inputs: String,
    /// The enterprise plan with a DPA / no-training terms, `none` or `unknown`.
    pub enterprise_offering: String,
    /// ISO 3166-1 alpha-2 code of the vendor's headquarters, or `unknown`.
    pub vendor_country: String,
    /// `SOC 2 Type II; ISO 27001`, `none` or `unknown`.
    pub certifications: String,
    /// The suggested tier.
    pub suggested_tier: String,
}

impl From<&crate::signatures::Tool> for RiskCols {
    fn from(t: &crate::signatures::Tool) -> Self {
        let [
            trains_on_inputs,
            enterprise_offering,
            vendor_country,
            certifications,
            suggested_tier,
        ] = t.risk_cells();
        RiskCols {
            trains_on_inputs,
            enterprise_offering,
            vendor_country,
            certifications,
            suggested_tier,
        }
    }
}

/// Users named in `top_users`.
const TOP_USERS: usize = 5;

/// One day × tool.
#[derive(Debug, Clone, Serialize)]
pub struct DailyRow {
    /// `YYYY-MM-DD`, empty for events without a timestamp.
    pub day: String,
    /// Slug.
    pub tool_id: String,
    /// Name.
    pub tool: String,
    /// Tier, written as its number.
    pub tier: Tier,
    /// Distinct users that day.
    pub users: u64,
    /// Events that day.
    pub events: u64,
    /// The day as a number, for the daily chart (`None`: events without a timestamp).
    #[serde(skip)]
    pub day_number: Day,
}

/// One unknown-AI candidate domain.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    /// The registrable domain.
    pub registrable_domain: String,
    /// Distinct hosts under it.
    pub hosts: u64,
    /// Distinct users.
    pub users: u64,
    /// Events.
    pub events: u64,
    /// RFC 3339.
    pub first_seen: String,
    /// RFC 3339.
    pub last_seen: String,
    /// Why it looks like AI.
    pub reasons: String,
    /// Ranking weight of the reasons.
    pub score: u32,
}

/// Everything the exporters write.
pub struct Report<'a> {
    /// Per user × tool, by user then tool id; rows of evidence `use` and `incidental` alike.
    pub per_user: Vec<UserRow>,
    /// Per tool, most users first: tools in use, then tools only touched incidentally.
    pub per_tool: Vec<ToolRow>,
    /// Per day × tool, by day then tool id, over the person × tool rows of evidence `use`.
    pub daily: Vec<DailyRow>,
    /// Discovery candidates, best first.
    pub candidates: Vec<CandidateRow>,
    /// Policy findings, most severe first.
    pub findings: Vec<Finding>,
    /// Tools in use the register does not list, most users first.
    pub register_candidates: Vec<RegisterCandidate>,
    /// Tiers and register rows.
    pub policy: &'a Policy<'a>,
    /// How users are shown.
    pub users: &'a Users,
    /// Whether `--identity` lease history was used (summary counts attribution then).
    pub identity_used: bool,
    /// Inputs in walk order.
    pub files: &'a [FileStats],
    /// Source.
    pub scan: &'a Scan,
    /// Catalogue.
    pub catalogue: &'a Catalogue,
    /// Settings.
    pub config: &'a Config,
    /// The department roll-up, with `--directory` (see [`Report::join_directory`]).
    pub departments: Option<Departments>,
    /// `--org`: the organization named in report.html's header and title (none without it).
    pub org: Option<String>,
    /// When the report was generated and the files beside the logs it rests on.
    pub manifest: Manifest,
    /// The usage's users as shown ([`Users::show_all`]).
    shown: crate::pseudonym::Shown,
    /// The headline numbers, computed once, on first use ([`Report::overview`]).
    overview: OnceLock<Overview>,
}

impl Manifest {
    /// The generation time as the reports show it: `2026-12-01 00:00:00 UTC`.
    pub fn generated_text(&self) -> String {
        let t = crate::time::fmt_rfc3339(self.generated);
        format!("{} UTC", t.replacen('T', " ", 1).trim_end_matches('Z'))
    }
}

impl Report<'_> {
    /// The short manifest the reports show: how many inputs were hashed, where the hashes
    /// are, and the register's hash.
    pub fn manifest_line(&self) -> String {
        let hashed = self.files.iter().filter(|f| f.sha256.is_some()).count();
        let mut line = format!(
            "{hashed} of {} input file{} hashed; the SHA-256 of each input is in summary.json",
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" }
        );
        if let Some(reg) = self.policy.register {
            line.push_str(&format!("; register SHA-256 {}", reg.sha256));
        }
        for (kind, files) in [
            ("directory", &self.manifest.directory),
            ("identity", &self.manifest.identity),
        ] {
            if !files.is_empty() {
                line.push_str(&format!(
                    "; {} {kind} file{} hashed there too",
                    files.len(),
                    if files.len() == 1 { "" } else { "s" }
                ));
            }
        }
        line
    }
}

/// The evidence manifest beside the inputs' own hashes ([`FileStats::sha256`]): what ties a
/// report to the exact data it was made from.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    /// Generation time, Unix seconds: `SOURCE_DATE_EPOCH` when set (reproducible outputs),
    /// else the clock ([`crate::time::generated`]).
    pub generated: i64,
    /// The `--directory` files, hashed.
    pub directory: Vec<crate::hash::HashedFile>,
    /// The `--identity` files, hashed.
    pub identity: Vec<crate::hash::HashedFile>,
}

/// One tool's person × tool rows, split by their evidence.
#[derive(Default)]
struct ToolTotals {
    /// Counts of the `use` rows, and their people.
    used: Cell,
    users: u64,
    /// Counts of the `incidental` rows, and their people.
    touched: Cell,
    touched_by: u64,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl<'a> Report<'a> {
    /// Builds the sorted rows.
    pub fn build(
        scan: &'a Scan,
        catalogue: &'a Catalogue,
        config: &'a Config,
        policy: &'a Policy<'a>,
        users: &'a Users,
    ) -> Self {
        let tool_cols = |t: ToolId| {
            let tool = &catalogue.tools[t as usize];
            ToolCols {
                tool_id: tool.id.clone(),
                tool: tool.name.clone(),
                vendor: tool.vendor.clone(),
                category: tool.category.clone(),
                tier: policy.tier(t),
            }
        };
        let usage = &scan.agg.usage;
        let shown = users.show_all(usage);
        // A person × tool is use or incidental as a whole, over the report's window: its
        // evidence decides which of the counts below it goes to.
        let pairs = usage.pairs();
        let mut per_tool: BTreeMap<ToolId, ToolTotals> = BTreeMap::new();
        for (&(_, tool), cell) in pairs.iter() {
            // Each pair is one user × tool: counting pairs counts distinct users.
            let t = per_tool.entry(tool).or_default();
            match cell.evidence() {
                Evidence::Use => {
                    t.used.merge(cell);
                    t.users += 1;
                }
                Evidence::Incidental => {
                    t.touched.merge(cell);
                    t.touched_by += 1;
                }
            }
        }
        // Per day × tool: events and users of the `use` pairs (each cell is one user × tool ×
        // day, so counting cells counts distinct users).
        let daily_use = || {
            let mut daily: FxHashMap<(Day, ToolId), (u64, u64)> = FxHashMap::default();
            for (k, cell) in usage.cells() {
                if pairs
                    .get(&(k.user, k.tool))
                    .is_some_and(|r| r.evidence() == Evidence::Use)
                {
                    let d = daily.entry((k.day, k.tool)).or_default();
                    d.0 += cell.events;
                    d.1 += 1;
                }
            }
            daily
        };
        let join =
            |set: &BTreeSet<Box<[u8]>>| set.iter().map(|v| lossy(v)).collect::<Vec<_>>().join(";");
        // Device names can name their owner: shown as `users` shows them, sorted as shown (in
        // the names' order, tokens would hint at the names).
        let devices = |set: &BTreeSet<Box<[u8]>>| {
            let shown: BTreeSet<String> = set.iter().map(|d| users.show_device(d)).collect();
            shown.into_iter().collect::<Vec<_>>().join(";")
        };
        // One copy of each tool's columns, shared by its rows.
        let cols: FxHashMap<ToolId, Arc<ToolCols>> = per_tool
            .keys()
            .map(|&t| (t, Arc::new(tool_cols(t))))
            .collect();
        let per_user_rows = || {
            // By user as shown, then tool id: users are shown distinctly ([`Usage::intern`]).
            let tool_rank = catalogue.id_ranks();
            let mut order: Vec<(&(UserId, ToolId), &Cell)> = pairs.iter().collect();
            order.sort_unstable_by_key(|((user, tool), _)| {
                (shown.rank[*user as usize], tool_rank[*tool as usize])
            });
            let seen_on: FxHashMap<&(UserId, ToolId), &SeenOn> = usage.seen_on().collect();
            order
                .into_iter()
                .map(|(key, cell)| {
                    let seen = seen_on.get(key);
                    let (user, tool) = *key;
                    UserRow {
                        devices: seen.map(|s| devices(&s.devices)).unwrap_or_default(),
                        processes: seen.map(|s| join(&s.processes)).unwrap_or_default(),
                        registered: policy.registered(tool),
                        department: String::new(),
                        manager: String::new(),
                        user: shown.names[user as usize].clone(),
                        tool: cols
                            .get(&tool)
                            .cloned()
                            .unwrap_or_else(|| Arc::new(tool_cols(tool))),
                        stats: Stats::from(cell),
                        evidence: cell.evidence(),
                    }
                })
                .collect::<Vec<UserRow>>()
        };
        let window_end = config.until.map(crate::time::day_of).or(scan
            .agg
            .window
            .last
            .map(crate::time::day_of));
        // The three passes over the aggregates are independent: one after the other (and the
        // daily counts in a B-tree) they took 25 ms of a 3,000-person scan, side by side 8 ms.
        let ((daily, per_user), findings) = rayon::join(
            || rayon::join(daily_use, per_user_rows),
            || findings::evaluate(usage, &pairs, &shown, catalogue, policy, window_end),
        );
        let mut per_tool: Vec<ToolRow> = per_tool
            .into_iter()
            .map(|(tool, t)| ToolRow {
                tool: tool_cols(tool),
                users: t.users,
                stats: Stats::from(&t.used),
                registered: policy.registered(tool),
                incidental_users: t.touched_by,
                incidental_events: t.touched.events,
                status: catalogue.tools[tool as usize]
                    .lifecycle
                    .status
                    .as_str()
                    .to_string(),
                status_note: catalogue.status_note(tool),
                id: tool,
            })
            .collect();
        per_tool.sort_by(|a, b| {
            (
                b.users,
                b.stats.events,
                b.incidental_users,
                b.incidental_events,
            )
                .cmp(&(
                    a.users,
                    a.stats.events,
                    a.incidental_users,
                    a.incidental_events,
                ))
                .then_with(|| a.tool.tool_id.cmp(&b.tool.tool_id))
        });
        // Days ascending; events without a timestamp (day unknown) last.
        let mut daily: Vec<(Option<i32>, DailyRow)> = daily
            .into_iter()
            .map(|((day, tool), (events, users))| {
                let t = tool_cols(tool);
                (
                    day,
                    DailyRow {
                        day: day.map(fmt_day).unwrap_or_default(),
                        tool_id: t.tool_id,
                        tool: t.tool,
                        tier: t.tier,
                        users,
                        events,
                        day_number: day,
                    },
                )
            })
            .collect();
        daily.sort_by(|(da, a), (db, b)| {
            (da.is_none(), da, &a.tool_id).cmp(&(db.is_none(), db, &b.tool_id))
        });
        let mut candidates: Vec<CandidateRow> = scan
            .agg
            .candidates
            .iter()
            .map(|(domain, c)| CandidateRow {
                registrable_domain: lossy(domain),
                hosts: c.hosts.len() as u64,
                users: c.users.len() as u64,
                events: c.cell.events,
                first_seen: c.cell.first.map(fmt_rfc3339).unwrap_or_default(),
                last_seen: c.cell.last.map(fmt_rfc3339).unwrap_or_default(),
                reasons: c.reasons.describe(),
                score: c.reasons.score(),
            })
            .collect();
        candidates.sort_by(|a, b| {
            (b.score, b.users, b.events)
                .cmp(&(a.score, a.users, a.events))
                .then_with(|| a.registrable_domain.cmp(&b.registrable_domain))
        });
        let register_candidates = register_candidates(&per_tool, &per_user, catalogue);
        Report {
            findings,
            register_candidates,
            policy,
            users,
            identity_used: false,
            per_user,
            per_tool,
            daily: daily.into_iter().map(|(_, r)| r).collect(),
            candidates,
            files: &scan.files,
            scan,
            catalogue,
            config,
            departments: None,
            org: None,
            manifest: Manifest {
                generated: crate::time::generated(),
                ..Manifest::default()
            },
            shown,
            overview: OnceLock::new(),
        }
    }

    /// The headline numbers every exporter shows ([`Overview::of`]), computed once.
    pub(crate) fn overview(&self) -> &Overview {
        self.overview.get_or_init(|| Overview::of(self))
    }

    /// Joins the directory: fills the `department` and `manager` of every per-user row and
    /// finding, and rolls the usage up by department. Rows carry users as shown (tokens when
    /// pseudonymized), so each is looked up through the aggregates' own user names.
    pub fn join_directory(&mut self, people: &People) {
        let usage = &self.scan.agg.usage;
        let shown: HashMap<&str, &[u8]> = (0..usage.users() as UserId)
            .map(|u| (&*self.shown.names[u as usize], usage.name(u)))
            .collect();
        let team = |user: &str| match shown.get(user) {
            Some(raw) => people.show(raw, self.users),
            None => (NOT_IN_DIRECTORY.to_string(), String::new()),
        };
        for row in &mut self.per_user {
            (row.department, row.manager) = team(&row.user);
        }
        for f in &mut self.findings {
            // Register rules name no user: no team either.
            if !f.user.is_empty() {
                (f.department, f.manager) = team(&f.user);
            }
        }
        self.departments = Some(crate::directory::departments(
            &self.scan.agg.usage,
            people,
            self.catalogue,
            self.policy,
        ));
    }
}

impl Report<'_> {
    /// The tools in use (at least one person × tool row of evidence `use`), most users first:
    /// the head of [`Report::per_tool`], which lists the tools only touched incidentally last.
    pub fn tools_in_use(&self) -> &[ToolRow] {
        in_use(&self.per_tool)
    }

    /// The person × tool rows of evidence `use`.
    pub fn use_rows(&self) -> impl Iterator<Item = &UserRow> {
        self.per_user.iter().filter(|u| u.evidence == Evidence::Use)
    }

    /// The person × tool rows of evidence `incidental`: contact without use.
    pub fn incidental_rows(&self) -> impl Iterator<Item = &UserRow> {
        self.per_user
            .iter()
            .filter(|u| u.evidence == Evidence::Incidental)
    }
}

/// The head of `per_tool` (sorted most users first) with at least one user.
fn in_use(per_tool: &[ToolRow]) -> &[ToolRow] {
    &per_tool[..per_tool.partition_point(|t| t.users > 0)]
}

/// The unregistered tools in use, in `per_tool` order (most users first), with their heaviest
/// users; a tool only touched incidentally is no candidate.
fn register_candidates(
    per_tool: &[ToolRow],
    per_user: &[UserRow],
    catalogue: &Catalogue,
) -> Vec<RegisterCandidate> {
    // The use rows of each unregistered tool, in one pass over the rows.
    let mut rows: HashMap<&str, Vec<&UserRow>> = HashMap::new();
    for u in per_user {
        if !u.registered && u.evidence == Evidence::Use {
            rows.entry(&u.tool.tool_id).or_default().push(u);
        }
    }
    in_use(per_tool)
        .iter()
        .filter(|t| !t.registered)
        .map(|t| {
            let mut top = rows.remove(t.tool.tool_id.as_str()).unwrap_or_default();
            top.sort_by(|a, b| {
                b.stats
                    .events
                    .cmp(&a.stats.events)
                    .then_with(|| a.user.cmp(&b.user))
            });
            let top_users = top
                .iter()
                .take(TOP_USERS)
                .map(|u| format!("{} ({})", u.user, u.stats.events))
                .collect::<Vec<_>>()
                .join("; ");
            RegisterCandidate {
                tool_id: t.tool.tool_id.clone(),
                tool: t.tool.tool.clone(),
                vendor: t.tool.vendor.clone(),
                category: t.tool.category.clone(),
                users: t.users,
                stats: t.stats.clone(),
                top_users,
                risk: RiskCols::from(&catalogue.tools[t.id as usize]),
                status_note: t.status_note.clone(),
            }
        })
        .collect()
}

/// Consecutive days of data the rollout's shadow-AI audit needs per source.
pub const AUDIT_DAYS: usize = 14;

/// Day coverage per source over the audit window.
#[derive(Serialize)]
pub(crate) struct Audit {
    /// First and last day of the window the coverage is judged on.
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) sources: BTreeMap<&'static str, SourceDays>,
    /// Whether every source with data has `AUDIT_DAYS` consecutive days.
    pub(crate) complete: bool,
}

/// Missing days listed per source, at most (the count is always complete).
const MAX_MISSING_LISTED: usize = 366;

#[derive(Serialize)]
pub(crate) struct SourceDays {
    pub(crate) days_with_data: usize,
    pub(crate) missing_day_count: usize,
    /// The first `MAX_MISSING_LISTED` missing days.
    pub(crate) missing_days: Vec<String>,
    pub(crate) longest_consecutive_days: usize,
}

/// The audit window in days: `--since`/`--until` where given, else the first and last event.
/// The coverage table and the daily chart both use it, so a chart gap is a missing day.
pub(crate) fn audit_window(r: &Report) -> (Option<i32>, Option<i32>) {
    let w = &r.scan.agg.window;
    (
        r.config.since.map(day_of).or(w.first.map(day_of)),
        r.config.until.map(day_of).or(w.last.map(day_of)),
    )
}

/// Runs of days in `[from, to]` not in `days`, as `(first, last)`; none when `from > to`.
///
/// # Performance
/// Walks the days with data, never the window: the cost is the same for a window of a week
/// and of a million days (a `--since` far back, or times from a corrupt partial).
pub(crate) fn gaps(days: &BTreeSet<i32>, from: i32, to: i32) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    // The first day not yet accounted for; `None` once past `i32::MAX`.
    let mut next = Some(from);
    for &d in days.range(from..=to) {
        if let Some(n) = next
            && d > n
        {
            out.push((n, d - 1));
        }
        next = d.checked_add(1);
    }
    if let Some(n) = next
        && n <= to
    {
        out.push((n, to));
    }
    out
}

/// The days of `days` in `[from, to]`, ascending; none when `from > to`.
fn days_within(days: &BTreeSet<i32>, from: i32, to: i32) -> impl Iterator<Item = i32> + '_ {
    (from <= to)
        .then(|| days.range(from..=to))
        .into_iter()
        .flatten()
        .copied()
}

/// Coverage of each source over `[from, to]`, computed from the days with data and the gaps
/// between them (see [`gaps`]), so its cost does not grow with the window's length.
pub(crate) fn audit(r: &Report) -> Audit {
    let agg = &r.scan.agg;
    let (from, to) = audit_window(r);
    let mut per_source: BTreeMap<SourceKind, BTreeSet<i32>> = BTreeMap::new();
    for &(kind, day) in &agg.coverage {
        per_source.entry(kind).or_default().insert(day);
    }
    let mut sources = BTreeMap::new();
    if let (Some(from), Some(to)) = (from, to) {
        for (kind, days) in &per_source {
            let gaps = gaps(days, from, to);
            let missing_day_count = gaps
                .iter()
                .map(|&(a, b)| usize::try_from(i64::from(b) - i64::from(a) + 1).unwrap_or(0))
                .fold(0usize, usize::saturating_add);
            let missing_days = gaps
                .iter()
                .flat_map(|&(a, b)| a..=b)
                .take(MAX_MISSING_LISTED)
                .map(fmt_day)
                .collect();
            let (mut days_with_data, mut run, mut longest) = (0, 0, 0);
            let mut previous: Option<i32> = None;
            for day in days_within(days, from, to) {
                days_with_data += 1;
                let consecutive = previous.and_then(|p| p.checked_add(1)) == Some(day);
                run = if consecutive { run + 1 } else { 1 };
                longest = longest.max(run);
                previous = Some(day);
            }
            sources.insert(
                kind.as_str(),
                SourceDays {
                    days_with_data,
                    missing_day_count,
                    missing_days,
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

/// Which runs write an output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Every run that writes reports.
    Always,
    /// Runs with `--jsonl`.
    Jsonl,
    /// Runs with `--directory`.
    Directory,
    /// Runs with `--xlsx`.
    Xlsx,
}

/// Which optional outputs a run writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct OutOptions {
    /// `--jsonl`: the [`When::Jsonl`] exports.
    pub jsonl: bool,
    /// A `--directory` given: the [`When::Directory`] outputs.
    pub directory: bool,
    /// The run adds data to a `--state`: `new-since-last-run.*` (written after the state
    /// is updated).
    pub news: bool,
    /// `--pdf`: `report.pdf`, printed after the others are written.
    pub pdf: bool,
    /// `--xlsx`: the [`When::Xlsx`] workbook. Opt-in: at 30,000 people it holds 190,000
    /// per-user rows and costs more than the scan.
    pub xlsx: bool,
}

/// Writes one output file.
pub trait Exporter: Sync {
    /// File name inside `--out`.
    fn file_name(&self) -> &'static str;
    /// Which runs write it.
    fn when(&self) -> When {
        When::Always
    }
    /// Writes the report.
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()>;
}

/// Every output file the reports can write into `--out`: the one list. A run writes those it
/// was asked for and removes the others left by an earlier run ([`Outputs::write`]), and a
/// scan never reads any of them back as a log (`cmd::scan`): a new output added here is
/// written, cleaned and left out of the inputs alike.
pub const EXPORTERS: &[&dyn Exporter] = &[
    &csv::PerUser,
    &csv::PerTool,
    &csv::Daily,
    &csv::Candidates,
    &csv::Findings,
    &csv::RegisterCandidates,
    &csv::PerDepartment,
    &json::Summary,
    &html::Html,
    &markdown::Markdown,
    &xlsx::Xlsx,
    &jsonl::Findings,
    &jsonl::PerUser,
];

/// Output files staged as temporary files in the output folder ([`AtomicFile`]): created
/// before the work, so a bad folder fails at once and not after an hour; each renamed into
/// place once written; removed if the run fails before writing them, so a failed run leaves no
/// debris.
pub struct Staged {
    /// (final name, its temporary file), in the order they are renamed into place.
    files: Vec<(String, Option<AtomicFile>)>,
}

impl Staged {
    /// Creates `dir` and a temporary file for each name in it.
    pub fn create<S: Into<String>>(
        dir: &Path,
        names: impl IntoIterator<Item = S>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating output folder {}", dir.display()))?;
        let files = names
            .into_iter()
            .map(|name| {
                let name = name.into();
                let file = AtomicFile::create(&dir.join(&name))?;
                Ok((name, Some(file)))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Staged { files })
    }

    /// Writes file `i` with `write(i, …)` for every file, in parallel (each flushed to disk by
    /// its writer), then renames them into place in order, up to the first that failed (whose error is returned; the files after
    /// it are not renamed, as if never written).
    ///
    /// # Performance
    /// The reports are written on one thread after the workers are done: at 30,000 people,
    /// one after the other they were a third of the run.
    pub fn write_each(
        self,
        write: impl Fn(usize, &mut dyn Write) -> anyhow::Result<()> + Sync,
    ) -> anyhow::Result<()> {
        let written: Vec<anyhow::Result<Option<AtomicFile>>> = self
            .files
            .into_par_iter()
            .enumerate()
            .map(|(i, (name, file))| {
                let Some(mut file) = file else {
                    return Ok(None);
                };
                let mut w = BufWriter::new(file.file());
                write(i, &mut w).with_context(|| format!("writing {name}"))?;
                w.flush()?;
                drop(w);
                file.sync()?;
                Ok(Some(file))
            })
            .collect();
        for file in written {
            if let Some(file) = file? {
                file.commit()?;
            }
        }
        Ok(())
    }
}

/// The output folder with a temporary file per output this run writes, created before the
/// scan.
pub struct Outputs {
    dir: PathBuf,
    /// The exporters this run writes, in [`EXPORTERS`] order.
    chosen: Vec<&'static dyn Exporter>,
    staged: Staged,
    /// Whether `new-since-last-run.*` are written this run (staged apart, as they are
    /// written after the state is updated): else a stale copy is removed like the others.
    news: bool,
    /// Whether `report.pdf` is printed this run (`--pdf`, after these are written): else a
    /// stale copy, which would not match tonight's report.html, is removed.
    pdf: bool,
}

impl Outputs {
    /// Creates `dir` and a temporary file in it for every exporter this run writes: those
    /// [`When::Always`] written and the optional ones `opts` chooses.
    pub fn create(dir: &Path, opts: OutOptions) -> anyhow::Result<Self> {
        let chosen: Vec<&'static dyn Exporter> = EXPORTERS
            .iter()
            .copied()
            .filter(|e| match e.when() {
                When::Always => true,
                When::Jsonl => opts.jsonl,
                When::Directory => opts.directory,
                When::Xlsx => opts.xlsx,
            })
            .collect();
        let staged = Staged::create(dir, chosen.iter().map(|e| e.file_name()))?;
        Ok(Outputs {
            dir: dir.to_path_buf(),
            chosen,
            staged,
            news: opts.news,
            pdf: opts.pdf,
        })
    }

    /// Writes every chosen output and renames it into place; then, and only then, removes the
    /// outputs of [`EXPORTERS`] this run did not write (`findings.jsonl` of an earlier
    /// `--jsonl` run beside tonight's `findings.csv` would be read as tonight's). Nothing else
    /// in the folder is touched. Returns the stale outputs that could not be removed, with why.
    pub fn write(self, report: &Report) -> anyhow::Result<Vec<(PathBuf, std::io::Error)>> {
        let Outputs {
            dir,
            chosen,
            staged,
            news,
            pdf,
        } = self;
        staged.write_each(|i, w| chosen[i].write(report, w))?;
        let not_written = EXPORTERS
            .iter()
            .map(|e| e.file_name())
            .filter(|name| !chosen.iter().any(|c| c.file_name() == *name))
            .chain(
                if news { &[][..] } else { &new_since::FILES[..] }
                    .iter()
                    .copied(),
            )
            .chain((!pdf).then_some(pdf::FILE));
        let mut kept = Vec::new();
        for name in not_written {
            let path = dir.join(name);
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => kept.push((path, err)),
                _ => {}
            }
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[i32]) -> BTreeSet<i32> {
        v.iter().copied().collect()
    }

    #[test]
    fn output_names_are_unique() {
        let names: std::collections::HashSet<&str> =
            EXPORTERS.iter().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), EXPORTERS.len());
    }

    #[test]
    fn missing_days_fold_into_ranges() {
        assert_eq!(gaps(&set(&[]), 10, 12), vec![(10, 12)]);
        assert_eq!(gaps(&set(&[10, 11, 12]), 10, 12), vec![]);
        assert_eq!(gaps(&set(&[11]), 10, 12), vec![(10, 10), (12, 12)]);
        assert_eq!(
            gaps(&set(&[5, 12, 15, 30]), 10, 20),
            vec![(10, 11), (13, 14), (16, 20)]
        );
        assert_eq!(gaps(&set(&[10]), 10, 10), vec![]);
    }

    /// Issue 23, cases 1 and 2: a reversed window is empty (it panicked in `BTreeSet::range`),
    /// and the widest window costs what the data holds (it walked every day).
    #[test]
    fn any_window_is_safe_and_costs_only_the_data() {
        let (min, max) = (i32::MIN, i32::MAX);
        assert_eq!(gaps(&set(&[5]), 7, 3), vec![]);
        assert_eq!(days_within(&set(&[5]), 7, 3).count(), 0);
        assert_eq!(gaps(&set(&[max]), min, max), vec![(min, max - 1)]);
        assert_eq!(gaps(&set(&[min, max]), min, max), vec![(min + 1, max - 1)]);
        assert_eq!(gaps(&set(&[]), max, max), vec![(max, max)]);
        assert_eq!(gaps(&set(&[max]), max, max), vec![]);
        assert_eq!(days_within(&set(&[min, 0, max]), min, max).count(), 3);
    }
}
