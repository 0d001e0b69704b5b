//! The headline numbers shared by `report.html` and `report.md`, computed once so the two
//! human-readable reports can never disagree with each other or with `summary.json` (the
//! browser test compares the page against `summary.json`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::json::Totals;
use super::{Audit, Report, audit, audit_window, gaps};
use crate::policy::{Rule, Severity, Tier};
use crate::time::fmt_day;

/// Summary numbers of one report.
pub(crate) struct Overview {
    /// First day of the audit window (days since the epoch).
    pub(crate) from: Option<i32>,
    /// Last day of the audit window.
    pub(crate) to: Option<i32>,
    /// Coverage per source over the window.
    pub(crate) audit: Audit,
    /// Distinct users (as shown: plain or pseudonymized) of a tool, as `summary.json`
    /// `totals.users`: people with only incidental contact are not users.
    pub(crate) users: usize,
    /// Catalogue tools in use.
    pub(crate) tools: usize,
    /// Tools seen that the register does not list.
    pub(crate) unregistered: usize,
    /// Events that are evidence of use, as `summary.json` `totals.use_events` (the headline
    /// counts use only; incidental contact has its own section).
    pub(crate) use_events: u64,
    /// Input files.
    pub(crate) files: usize,
    /// Input files with a read error.
    pub(crate) files_with_errors: usize,
    /// Malformed lines over all files.
    pub(crate) skipped: u64,
    /// Distinct users of tier-4 tools (unapproved: the headline counts them).
    pub(crate) unapproved_people: usize,
    /// The same users by kind: the headline counts the people and names the client addresses
    /// and devices besides, which are not people (one person may be several addresses).
    pub(crate) unapproved_kinds: super::tally::UserKinds,
    /// Tier-4 tools seen.
    pub(crate) unapproved_tools: usize,
    /// Findings per severity, every severity present (zero included), most serious first.
    pub(crate) by_severity: BTreeMap<Severity, u64>,
    /// Findings per rule.
    pub(crate) by_rule: HashMap<Rule, u64>,
    /// Person × tool rows of contact without use (every event incidental).
    pub(crate) incidental_rows: usize,
    /// People with contact without use and no use of any tool, as `summary.json`
    /// `totals.incidental_only_users`.
    pub(crate) incidental_only_people: usize,
    /// `summary.json`'s totals, which the numbers above repeat.
    pub(crate) totals: Totals,
}

impl Overview {
    /// Computes the numbers from the built rows; [`Report::overview`] keeps them.
    pub(crate) fn of(r: &Report) -> Self {
        let (from, to) = audit_window(r);
        // The counts `summary.json` has, by the same code.
        let totals = Totals::of(r);
        // The rows are sorted by user: one run of rows per user.
        let unapproved_people = r
            .per_user
            .chunk_by(|a, b| a.user == b.user)
            .filter(|rows| {
                rows.iter().any(|u| {
                    u.evidence == crate::signatures::Evidence::Use
                        && u.tool.tier == Tier::Unapproved
                })
            })
            .count();
        let mut by_severity: BTreeMap<Severity, u64> = [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
        let mut by_rule: HashMap<Rule, u64> = HashMap::new();
        for f in &r.findings {
            *by_severity.entry(f.severity).or_default() += 1;
            *by_rule.entry(f.rule).or_default() += 1;
        }
        Overview {
            from,
            to,
            audit: audit(r),
            users: totals.users as usize,
            tools: r.tools_in_use().len(),
            unregistered: r.register_candidates.len(),
            use_events: totals.use_events,
            files: r.files.len(),
            files_with_errors: r.files.iter().filter(|f| f.error.is_some()).count(),
            skipped: r.files.iter().map(|f| f.skipped).sum(),
            unapproved_people,
            unapproved_kinds: super::tally::UserKinds::of_tools(&r.scan.agg, |tool| {
                r.policy.tier(tool) == Tier::Unapproved
            }),
            unapproved_tools: r
                .tools_in_use()
                .iter()
                .filter(|t| t.tool.tier == Tier::Unapproved)
                .count(),
            by_severity,
            by_rule,
            incidental_rows: r.incidental_rows().count(),
            incidental_only_people: totals.incidental_only_users as usize,
            totals,
        }
    }

    /// Days in the audit window (0 when no event had a timestamp).
    pub(crate) fn window_days(&self) -> i64 {
        match (self.from, self.to) {
            (Some(f), Some(t)) if t >= f => i64::from(t) - i64::from(f) + 1,
            _ => 0,
        }
    }

    /// "N people used M unapproved AI tools (plus A client addresses and D devices not
    /// attributed to a person)", singular where it is one; the parenthesis only when there are
    /// such users.
    pub(crate) fn headline(&self) -> String {
        let k = &self.unapproved_kinds;
        let (p, t) = (k.people, self.unapproved_tools);
        let mut line = format!(
            "{p} {} used {t} unapproved AI {}",
            if p == 1 { "person" } else { "people" },
            if t == 1 { "tool" } else { "tools" }
        );
        let besides: Vec<String> = [
            (k.addresses, "client address", "client addresses"),
            (k.devices, "device", "devices"),
        ]
        .into_iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, one, many)| format!("{} {}", grouped(n), if n == 1 { one } else { many }))
        .collect();
        if !besides.is_empty() {
            line.push_str(&format!(
                " (plus {} not attributed to a person)",
                besides.join(" and ")
            ));
        }
        line
    }
}

/// `12345678` → `12,345,678`: long counts are read by people here, not parsed.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes for people: `1.5 MiB`; exact below 1 KiB.
/// Uploaded bytes as the reports print them: "not measured" where no source records uploads
/// (never "0 B", which would claim a measurement).
pub(crate) fn uploaded(n: Option<u64>) -> String {
    n.map_or_else(|| NOT_MEASURED.to_string(), bytes)
}

/// Two byte counts added: measured when either is (saturating: counts come from logs).
pub(crate) fn add_uploaded(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, None) | (None, a) => a,
    }
}

/// What the reports say for bytes no source measured.
pub(crate) const NOT_MEASURED: &str = "not measured";

pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `2026-11-24T09:15:00Z` → `2026-11-24 09:15`: a table cell has no room for seconds.
pub(crate) fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => rfc3339.to_string(),
    }
}

/// Per source kind, the runs of days in `[from, to]` without data, as `(first, last)`. Computed
/// from the coverage set itself, not the audit's capped day list, so a long gap is one range.
pub(crate) fn missing_ranges(r: &Report) -> BTreeMap<&'static str, Vec<(i32, i32)>> {
    let (Some(from), Some(to)) = audit_window(r) else {
        return BTreeMap::new();
    };
    let mut per_source: BTreeMap<&'static str, BTreeSet<i32>> = BTreeMap::new();
    for &(kind, day) in &r.scan.agg.coverage {
        per_source.entry(kind.as_str()).or_default().insert(day);
    }
    per_source
        .into_iter()
        .map(|(kind, days)| (kind, gaps(&days, from, to)))
        .collect()
}

/// `2026-11-01 – 2026-11-03`, or one day alone.
pub(crate) fn range_text((a, b): (i32, i32)) -> String {
    if a == b {
        fmt_day(a)
    } else {
        format!("{} – {}", fmt_day(a), fmt_day(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(12_345_678), "12,345,678");
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(1 << 20), "1.0 MiB");
        assert_eq!(short_time("2026-11-24T09:15:00Z"), "2026-11-24 09:15");
        assert_eq!(short_time(""), "");
    }

    #[test]
    fn day_ranges_read_as_dates() {
        assert_eq!(range_text((0, 0)), "1970-01-01");
        assert_eq!(range_text((0, 2)), "1970-01-01 – 1970-01-03");
    }
}
