//! Section "Findings": the rules with their counts, the findings rolled up per rule × tool,
//! then the heaviest single findings; `findings.csv` has every one.

use std::cmp::Reverse;

use rustc_hash::{FxHashMap, FxHashSet};

use super::caps;
use crate::findings::Finding;
use crate::policy::Rule;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::{Overview, add_uploaded};

pub(super) fn body(p: &mut Page, r: &Report, o: &Overview) {
    p.raw("<p>Each finding is a breach of a clause of the AI acceptable-use policy, most severe first. Every finding is in <code>findings.csv</code>.</p>");
    p.raw("<table><caption>Rules and the policy clause each enforces</caption>");
    p.thead(&[
        ("Severity", false),
        ("Rule", false),
        ("Policy clause", false),
        ("Findings", true),
    ]);
    p.raw("<tbody>");
    for rule in Rule::ALL {
        let sev = rule.severity();
        p.raw("<tr><td><span class=\"sev ")
            .raw(sev.name())
            .raw("\">")
            .raw(sev.name())
            .raw("</span></td><td><code>")
            .text(rule.name())
            .raw("</code></td><td>")
            .text(rule.clause())
            .raw("</td>")
            .td_num(o.by_rule.get(&rule).copied().unwrap_or(0))
            .raw("</tr>");
    }
    p.raw("</tbody></table>");
    if r.findings.is_empty() {
        p.raw("<p class=\"note\">No findings.</p>");
        return;
    }
    rollup(p, r);
    // Most severe first, then impact; never the user's name.
    let (top, total) = caps::heaviest(r.findings.iter().collect(), caps::FINDING_ROWS, |f| {
        (Reverse(f.severity), f.events, f.bytes_out)
    });
    p.raw("<h3>Heaviest findings</h3><p>Single findings, most severe first, then most events and bytes.</p>")
        .filterable_table("findings-table", "findings", "user, tool, rule…");
    p.thead(&[
        ("Severity", false),
        ("Rule", false),
        ("User", false),
        ("Tool", false),
        ("Tier", false),
        ("Events", true),
        ("Uploaded", true),
        ("First seen", false),
        ("Last seen", false),
        ("Detail", false),
    ]);
    p.raw("<tbody>");
    for f in top {
        p.raw("<tr>")
            .td_severity(f.severity)
            .raw("<td title=\"")
            .text(f.rule.clause())
            .raw("\"><code>")
            .text(f.rule.name())
            .raw("</code></td>")
            .td_path(&f.user)
            .td_text(&f.tool)
            .td_tier(f.tier)
            .td_num(f.events)
            .td_bytes(f.bytes_out)
            .td_time(f.first_seen)
            .td_time(f.last_seen)
            .td_text(&f.detail)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>")
        .omitted(caps::FINDING_ROWS, total, "<code>findings.csv</code>");
}

/// One rule × tool of the findings: how many people, events and bytes it covers.
struct Group<'r> {
    /// Its first finding, for severity, tool name and tier (the same in every one).
    first: &'r Finding,
    /// Its people, each by the address of the name every row of theirs shares
    /// ([`crate::pseudonym::Shown`]): a set of names compared them at every insert, a large
    /// part of the report at 30,000 people.
    people: FxHashSet<*const u8>,
    rows: u64,
    events: u64,
    bytes: Option<u64>,
}

/// The findings rolled up per rule × tool, most severe first, then most people, bytes and
/// events: the table that stays readable at any population.
fn rollup(p: &mut Page, r: &Report) {
    let mut groups: FxHashMap<(&str, &str), Group> = FxHashMap::default();
    for f in &r.findings {
        let g = groups
            .entry((f.rule.name(), &*f.tool_id))
            .or_insert_with(|| Group {
                first: f,
                people: FxHashSet::default(),
                rows: 0,
                events: 0,
                bytes: None,
            });
        if !f.user.is_empty() {
            g.people.insert(f.user.as_ptr());
        }
        g.rows += 1;
        g.events += f.events;
        g.bytes = add_uploaded(g.bytes, f.bytes_out);
    }
    let (groups, total) = caps::heaviest(
        groups.into_iter().collect(),
        caps::FINDING_GROUPS,
        |(key, g)| {
            (
                Reverse(g.first.severity),
                g.people.len(),
                g.bytes,
                g.events,
                Reverse(*key),
            )
        },
    );
    p.raw("<h3>Findings by rule and tool</h3>")
        .raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"rollup-table\">");
    p.thead(&[
        ("Severity", false),
        ("Rule", false),
        ("Tool", false),
        ("Tier", false),
        ("People", true),
        ("Findings", true),
        ("Events", true),
        ("Uploaded", true),
    ]);
    p.raw("<tbody>");
    for (_, g) in &groups {
        let rule = g.first.rule;
        p.raw("<tr>")
            .td_severity(g.first.severity)
            .raw("<td title=\"")
            .text(rule.clause())
            .raw("\"><code>")
            .text(rule.name())
            .raw("</code></td>")
            .td_text(&g.first.tool)
            .td_tier(g.first.tier)
            .td_num(g.people.len() as u64)
            .td_num(g.rows)
            .td_num(g.events)
            .td_bytes(g.bytes)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>").omitted(
        caps::FINDING_GROUPS,
        total,
        "<code>findings.csv</code>",
    );
}
