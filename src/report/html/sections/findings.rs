//! Section "Findings": the rules with their counts, then every finding.

use crate::policy::Rule;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::Overview;

pub(super) fn body(p: &mut Page, r: &Report, o: &Overview) {
    p.raw("<p>Each finding is a breach of a clause of the AI acceptable-use policy, most severe first. The same rows are in <code>findings.csv</code>.</p>");
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
    p.raw("<h3>All findings</h3>").filterable_table(
        "findings-table",
        "findings",
        "user, tool, rule…",
    );
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
    for f in &r.findings {
        p.raw("<tr><td data-v=\"")
            .int(f.severity as i64)
            .raw("\"><span class=\"sev ")
            .raw(f.severity.name())
            .raw("\">")
            .raw(f.severity.name())
            .raw("</span></td><td title=\"")
            .text(f.rule.clause())
            .raw("\"><code>")
            .text(f.rule.name())
            .raw("</code></td>")
            .td_text(&f.user)
            .td_text(&f.tool)
            .td_tier(f.tier)
            .td_num(f.events)
            .td_bytes(f.bytes_out)
            .td_time(&f.first_seen)
            .td_time(&f.last_seen)
            .td_text(&f.detail)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>");
}
