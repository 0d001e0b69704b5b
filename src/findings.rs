//! The findings an audit reports: [`evaluate`] applies the [`Policy`] — tiers from the AI Tool
//! Register and the [`Rule`]s, each enforcing a clause of the AI acceptable-use policy — to the
//! counted usage.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::aggregate::{Cell, Pairs, Usage, UserId};
use crate::policy::{Policy, Rule, Severity, Tier};
use crate::pseudonym::Shown;
use crate::register::DISCOVERED_STATUS;
use crate::signatures::{Catalogue, Evidence, ToolId};
use crate::time::{Stamp, civil_from_days, days_from_civil, fmt_day};

/// One finding row of `findings.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// high, medium, low, info.
    pub severity: Severity,
    /// Rule, written by name.
    pub rule: Rule,
    /// User (or token); empty for register rules. Shared with the report's other rows.
    pub user: Arc<str>,
    /// Tool slug.
    pub tool_id: Arc<str>,
    /// Tool name.
    pub tool: Arc<str>,
    /// Policy tier, written as its number.
    pub tier: Tier,
    /// Events the finding covers.
    pub events: u64,
    /// Bytes uploaded in those events; `None` when no source measured them.
    pub bytes_out: Option<u64>,
    /// RFC 3339.
    pub first_seen: Stamp,
    /// RFC 3339.
    pub last_seen: Stamp,
    /// Why, in words; the same words are shared by the findings of one rule and tool.
    pub detail: Arc<str>,
    /// The user's department from `--directory` (empty without one).
    pub department: String,
    /// The user's manager from `--directory` (empty without one; a token when users are).
    pub manager: String,
}

/// A tool's id and name as findings carry them, shared by the tool's findings.
type ToolNames = (Arc<str>, Arc<str>);

fn finding(
    rule: Rule,
    user: Arc<str>,
    (tool_id, tool): &ToolNames,
    tier: Tier,
    cell: &Cell,
    detail: Arc<str>,
) -> Finding {
    Finding {
        severity: rule.severity(),
        rule,
        user,
        tool_id: tool_id.clone(),
        tool: tool.clone(),
        tier,
        events: cell.events,
        bytes_out: cell.uploaded(),
        first_seen: Stamp(cell.first),
        last_seen: Stamp(cell.last),
        detail,
        department: String::new(),
        manager: String::new(),
    }
}

/// Every rule a use of `tool` breaks, and why in words.
fn broken_rules(
    tool: ToolId,
    catalogue: &Catalogue,
    policy: &Policy,
    approved_enterprise: &BTreeMap<&str, &str>,
) -> Vec<(Rule, Arc<str>)> {
    let t = &catalogue.tools[tool as usize];
    let mut broken: Vec<(Rule, String)> = Vec::new();
    match (policy.tier(tool), policy.entry(tool)) {
        (Tier::Unapproved, None) => broken.push((Rule::ShadowAi, "not in the AI Tool Register: never reviewed".to_string())),
        (Tier::Unapproved, Some(e)) if e.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(DISCOVERED_STATUS)) => {
            broken.push((Rule::ShadowAi, format!("register line {}: discovered, not yet reviewed", e.line)));
        }
        (Tier::Unapproved, Some(e)) => {
            broken.push((Rule::ShadowAi, format!("register line {}: tier 4, reviewed and not approved", e.line)));
        }
        (Tier::UnderEvaluation, row) => broken.push((
            Rule::UnderEvaluation,
            format!(
                "register line {}: under evaluation; use needs written manager approval and public data only",
                row.map_or(0, |e| e.line)
            ),
        )),
        _ => {}
    }
    if t.offering == Some(crate::signatures::Offering::Consumer)
        && let Some(enterprise) = approved_enterprise.get(t.vendor.as_str())
    {
        let detail = format!(
            "consumer {} used while {enterprise} (same vendor) is approved at tier 1",
            t.name
        );
        broken.push((Rule::ConsumerWhenEnterprise, detail));
    }
    broken.into_iter().map(|(r, d)| (r, d.into())).collect()
}

/// The day twelve months before `day` (Feb 29 falls back to Feb 28).
fn a_year_before(day: i32) -> i32 {
    let (y, m, d) = civil_from_days(i64::from(day));
    days_from_civil(y - 1, m, if m == 2 && d == 29 { 28 } else { d }) as i32
}

/// Applies every rule. `pairs` are the usage's cells summed per user × tool
/// ([`Usage::pairs`]), `shown` its users as the reports show them ([`Users::show_all`]), and
/// `window_end` the last day of the audit window (for staleness).
///
/// A person × tool whose every event is incidental (see [`Evidence`]) breaks no rule: the
/// person touched the vendor's web presence, they did not use the tool, and `register-unused`
/// does not count them as its users either.
///
/// [`Users::show_all`]: crate::pseudonym::Users::show_all
pub fn evaluate(
    usage: &Usage,
    pairs: &Pairs,
    shown: &Shown,
    catalogue: &Catalogue,
    policy: &Policy,
    window_end: Option<i32>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let nobody: Arc<str> = Arc::from("");
    let name = |user: UserId| shown.names.get(user as usize).unwrap_or(&nobody).clone();
    // Only contact without use (a widget, a shared link, a docs page): no finding.
    let used = |user: UserId, tool: ToolId| {
        pairs
            .get(&(user, tool))
            .is_some_and(|c| c.evidence() == Evidence::Use)
    };
    // Tier-1 enterprise offerings by vendor, for consumer-when-enterprise.
    let approved_enterprise: BTreeMap<&str, &str> = (0..catalogue.tools.len())
        .map(|i| (i as ToolId, &catalogue.tools[i]))
        .filter(|(i, t)| {
            policy.tier(*i) == Tier::ApprovedEnterprise
                && t.offering == Some(crate::signatures::Offering::Enterprise)
        })
        .map(|(_, t)| (t.vendor.as_str(), t.name.as_str()))
        .collect();
    let names = |tool: ToolId| -> ToolNames {
        let t = &catalogue.tools[tool as usize];
        (Arc::from(t.id.as_str()), Arc::from(t.name.as_str()))
    };
    let mut tools: FxHashMap<ToolId, ToolNames> = FxHashMap::default();
    for (k, cell) in usage.cells() {
        let tier = policy.tier(k.tool);
        let upload_rule = match tier {
            Tier::ApprovedEnterprise => None,
            Tier::ApprovedGeneral => Some(Rule::UploadToGeneral),
            Tier::UnderEvaluation | Tier::Unapproved => Some(Rule::UploadToUnapproved),
        };
        if cell.bytes_out > policy.upload_threshold
            && let Some(rule) = upload_rule
            && used(k.user, k.tool)
        {
            let when = k
                .day
                .map_or_else(|| "on a day without timestamps".to_string(), fmt_day);
            let detail = format!(
                "{} bytes uploaded {when} (threshold {} per user, tool and day)",
                cell.bytes_out, policy.upload_threshold
            );
            let tool = tools.entry(k.tool).or_insert_with(|| names(k.tool));
            out.push(finding(rule, name(k.user), tool, tier, cell, detail.into()));
        }
    }
    // The rules a use of each tool breaks, with their words, worked out once per tool; then
    // room for exactly the findings they make (a growing list held up to twice its size).
    let mut broken_by: FxHashMap<ToolId, Vec<(Rule, Arc<str>)>> = FxHashMap::default();
    let mut rows = 0;
    for (&(_, tool), cell) in pairs.iter() {
        if cell.evidence() == Evidence::Use {
            rows += broken_by
                .entry(tool)
                .or_insert_with(|| broken_rules(tool, catalogue, policy, &approved_enterprise))
                .len();
        }
    }
    out.reserve_exact(rows + policy.register.map_or(0, |r| 2 * r.entries.len()));
    let mut per_tool: BTreeMap<ToolId, Cell> = BTreeMap::new();
    for (&(user, tool), cell) in pairs.iter() {
        if cell.evidence() != Evidence::Use {
            continue;
        }
        per_tool.entry(tool).or_default().merge(cell);
        let broken = broken_by.get(&tool).map_or(&[][..], Vec::as_slice);
        let names = tools.entry(tool).or_insert_with(|| names(tool));
        let tier = policy.tier(tool);
        for (rule, detail) in broken {
            out.push(finding(
                *rule,
                name(user),
                names,
                tier,
                cell,
                detail.clone(),
            ));
        }
    }
    if let Some(register) = policy.register {
        let cutoff = window_end.map(a_year_before);
        for e in &register.entries {
            let tool: ToolNames = match e.tool {
                Some(t) => names(t),
                None => (
                    e.id.as_deref().unwrap_or_default().into(),
                    e.name
                        .as_deref()
                        .or(e.id.as_deref())
                        .unwrap_or_default()
                        .into(),
                ),
            };
            let used = e
                .tool
                .and_then(|t| per_tool.get(&t))
                .copied()
                .unwrap_or_default();
            let stale = match (e.assessed, cutoff) {
                (None, _) => Some(format!("register line {}: no assessment date", e.line)),
                (Some(a), Some(c)) if a < c => Some(format!(
                    "register line {}: assessed {}, more than 12 months before the audit window ends ({})",
                    e.line,
                    fmt_day(a),
                    window_end.map(fmt_day).unwrap_or_default()
                )),
                _ => None,
            };
            if let Some(detail) = stale {
                out.push(finding(
                    Rule::StaleAssessment,
                    nobody.clone(),
                    &tool,
                    e.tier,
                    &used,
                    detail.into(),
                ));
            }
            // An unmatched row registers no tool, so nothing can have used it: it is listed as
            // unmatched (summary.json, the report's banner), never as approved but unused.
            if e.tier.is_approved() && e.tool.is_some() && used.events == 0 {
                let detail = format!(
                    "register line {}: approved at tier {} but not used in the audit window",
                    e.line, e.tier
                );
                out.push(finding(
                    Rule::RegisterUnused,
                    nobody.clone(),
                    &tool,
                    e.tier,
                    &used,
                    detail.into(),
                ));
            }
        }
    }
    // Within a severity by rule name, not by the order rules are declared in: the order
    // `findings.csv` has always had.
    sort(&mut out, shown);
    out
}

/// Sorts findings by severity, rule name, user, tool id and first time: the order
/// `findings.csv` has always had.
///
/// # Performance
/// Users compare by their place among the names ([`Shown::rank`]), not by their names: a
/// name comparison per step made this sort a large part of the report at 30,000 people.
fn sort(out: &mut [Finding], shown: &Shown) {
    // A register rule names no user: the empty name, first.
    let place: FxHashMap<*const u8, u32> = shown
        .names
        .iter()
        .zip(&shown.rank)
        .map(|(name, &rank)| (name.as_ptr(), rank + 1))
        .collect();
    let key = |f: &Finding| {
        if f.user.is_empty() {
            0
        } else {
            place.get(&f.user.as_ptr()).copied().unwrap_or(u32::MAX)
        }
    };
    let mut rules = Rule::ALL;
    rules.sort_by_key(|r| r.name());
    let rule = |f: &Finding| rules.iter().position(|r| *r == f.rule);
    out.sort_by_cached_key(|f| (f.severity, rule(f), key(f)));
    // Within the same severity, rule and user (a few findings), by tool and time.
    for run in out.chunk_by_mut(|a, b| {
        (a.severity, a.rule) == (b.severity, b.rule) && Arc::ptr_eq(&a.user, &b.user)
    }) {
        run.sort_by(|a, b| (&a.tool_id, a.first_seen).cmp(&(&b.tool_id, b.first_seen)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Agg;
    use crate::policy::DEFAULT_UPLOAD_THRESHOLD;
    use crate::pseudonym::Users;
    use crate::register::Register;
    use std::path::Path;

    /// [`evaluate`] over everything `agg` counted, users shown as logged.
    fn run(agg: &Agg, c: &Catalogue, policy: &Policy, window_end: Option<i32>) -> Vec<Finding> {
        let shown = Users::plain().show_all(&agg.usage);
        evaluate(
            &agg.usage,
            &agg.usage.pairs(),
            &shown,
            c,
            policy,
            window_end,
        )
    }

    fn setup(register: &str) -> (Catalogue, Register, Vec<Option<usize>>) {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(Path::new("r.csv"), register.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        (c, r, rows)
    }

    #[test]
    fn every_rule_fires_where_it_should() {
        // The last row joins no tool (issue 17): never `register-unused`.
        let reg = "Tool,Tier,Assessment Date\nChatGPT,3,2026-06-01\nClaude,2,2024-01-01\nPerplexity,1,\nGemini,4,2026-10-01\nChatGTP,1,2026-10-01\n";
        let (c, r, rows) = setup(reg);
        let policy = Policy {
            register: Some(&r),
            rows,
            upload_threshold: 1000,
        };
        let id = |s: &str| c.tool_by_id(s).unwrap();
        let day = crate::time::days_from_civil(2026, 11, 20);
        let ts = day * 86_400 + 3600;
        let mut agg = Agg::default();
        agg.usage
            .add(b"alice", id("chatgpt"), Some(ts), Some(10), Evidence::Use);
        agg.usage
            .add(b"alice", id("claude"), Some(ts), Some(5000), Evidence::Use);
        agg.usage
            .add(b"bob", id("deepseek"), Some(ts), Some(2000), Evidence::Use);
        agg.usage
            .add(b"bob", id("gemini"), Some(ts), None, Evidence::Use);
        let found = run(&agg, &c, &policy, Some(day as i32));
        let got: Vec<(Severity, &str, &str, &str)> = found
            .iter()
            .map(|f| (f.severity, f.rule.name(), &*f.user, &*f.tool_id))
            .collect();
        assert_eq!(
            got,
            vec![
                (Severity::High, "shadow-ai", "bob", "deepseek"),
                (Severity::High, "shadow-ai", "bob", "gemini"),
                (Severity::High, "upload-to-unapproved", "bob", "deepseek"),
                (Severity::Medium, "stale-assessment", "", "claude"),
                (Severity::Medium, "stale-assessment", "", "perplexity"),
                (Severity::Medium, "under-evaluation", "alice", "chatgpt"),
                (Severity::Medium, "upload-to-general", "alice", "claude"),
                (Severity::Info, "register-unused", "", "perplexity"),
            ]
        );
        assert!(found[1].detail.contains("reviewed and not approved"));
        assert!(found[0].detail.contains("never reviewed"));
        assert_eq!(found[2].bytes_out, Some(2000));
    }

    /// Issue 18: a person × tool of only incidental events (a shared link, a docs page, an
    /// upload-sized embed) breaks no rule and does not count as use of an approved tool; one
    /// use event makes the whole row use again.
    #[test]
    fn contact_without_use_is_no_finding_and_no_use() {
        let reg = "Tool,Tier,Assessment Date\nPerplexity,1,2026-10-01\n";
        let (c, r, rows) = setup(reg);
        let policy = Policy {
            register: Some(&r),
            rows,
            upload_threshold: 1000,
        };
        let id = |s: &str| c.tool_by_id(s).unwrap();
        let day = crate::time::days_from_civil(2026, 11, 20);
        let ts = day * 86_400 + 3600;
        let mut agg = Agg::default();
        agg.usage.add(
            b"anne",
            id("chatgpt"),
            Some(ts),
            Some(5000),
            Evidence::Incidental,
        );
        agg.usage.add(
            b"anne",
            id("perplexity"),
            Some(ts),
            None,
            Evidence::Incidental,
        );
        agg.usage
            .add(b"ben", id("claude"), Some(ts), None, Evidence::Incidental);
        agg.usage.add(
            b"ben",
            id("claude"),
            Some(ts + 86_400),
            Some(10),
            Evidence::Use,
        );
        let found = run(&agg, &c, &policy, Some(day as i32 + 1));
        let got: Vec<(&str, &str, &str, u64)> = found
            .iter()
            .map(|f| (f.rule.name(), &*f.user, &*f.tool_id, f.events))
            .collect();
        assert_eq!(
            got,
            vec![
                ("shadow-ai", "ben", "claude", 2),
                ("register-unused", "", "perplexity", 0),
            ]
        );
    }

    #[test]
    fn consumer_offering_while_enterprise_is_approved() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::empty();
        let toml = "[[tool]]\nid = \"acme-chat\"\nname = \"Acme Chat\"\nvendor = \"Acme\"\ncategory = \"chat-assistant\"\noffering = \"consumer\"\napp = [\"chat.acme.example\"]\n\n[[tool]]\nid = \"acme-work\"\nname = \"Acme Work\"\nvendor = \"Acme\"\ncategory = \"chat-assistant\"\noffering = \"enterprise\"\napp = [\"work.acme.example\"]\n";
        c.add_source("t.toml", toml, &psl).unwrap();
        let mut r = Register::parse(
            Path::new("r.csv"),
            b"Tool ID,Tier,Assessed\nacme-work,1,2026-09-01\nacme-chat,2,2026-09-01\n",
        )
        .unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        let policy = Policy {
            register: Some(&r),
            rows,
            upload_threshold: DEFAULT_UPLOAD_THRESHOLD,
        };
        let mut agg = Agg::default();
        agg.usage
            .add(b"carol", 0, Some(1_795_000_000), None, Evidence::Use);
        agg.usage
            .add(b"carol", 1, Some(1_795_000_000), None, Evidence::Use);
        let found = run(&agg, &c, &policy, Some(20_780));
        let rules: Vec<Rule> = found.iter().map(|f| f.rule).collect();
        assert_eq!(rules, vec![Rule::ConsumerWhenEnterprise]);
        assert_eq!(&*found[0].tool_id, "acme-chat");
    }

    #[test]
    fn twelve_months_back() {
        let d = |y, m, dd| days_from_civil(y, m, dd) as i32;
        assert_eq!(a_year_before(d(2026, 11, 24)), d(2025, 11, 24));
        assert_eq!(a_year_before(d(2028, 2, 29)), d(2027, 2, 28));
    }
}
