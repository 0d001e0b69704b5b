//! Section "Register candidates and unknown AI": tools in use that the register does not list,
//! and domains no signature knows that look like AI services.

use super::caps;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::Overview;

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    p.raw("<h3>Register candidates: the fast-track list</h3><p>Tools in use that the AI Tool Register does not list: each needs a decision (approve at a tier, or block). Most users first. The risk facts are the catalogue's, each with a source in <code>shadowai signatures list</code>; the suggested tier follows the rule in docs/catalogue.md and is a starting point for the reviewer, not a decision.</p>");
    if r.register_candidates.is_empty() {
        p.raw("<p class=\"note\">None: the register lists every tool in use.</p>");
    } else {
        p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"register-table\">");
        p.thead(&[
            ("Tool", false),
            ("Vendor", false),
            ("Category", false),
            ("Users", true),
            ("Events", true),
            ("Uploaded", true),
            ("First seen", false),
            ("Last seen", false),
            ("Heaviest users (events)", false),
        ]);
        p.raw("<tbody>");
        let shown =
            &r.register_candidates[..r.register_candidates.len().min(caps::REGISTER_CANDIDATES)];
        for c in shown {
            p.raw("<tr>")
                .td_tool(&c.tool, c.status_note.as_deref())
                .td_text(&c.vendor)
                .td_text(&c.category)
                .td_num(c.users)
                .td_num(c.stats.events)
                .td_bytes(c.stats.bytes_out)
                .td_time(c.stats.first_seen)
                .td_time(c.stats.last_seen)
                .td_path(&c.top_users)
                .raw("</tr>");
        }
        p.raw("</tbody></table></div>");
        // The facts in a table of their own, same rows in the same order: beside the usage
        // columns they would squeeze every column to a few characters on paper.
        p.raw("<h3>Register candidates: what decides their tier</h3><div class=\"table-scroll\"><table class=\"sortable\" id=\"risk-table\">");
        p.thead(&[
            ("Tool", false),
            ("Trains on inputs", false),
            ("Enterprise plan", false),
            ("Vendor country", false),
            ("Certifications", false),
            ("Suggested tier", false),
        ]);
        p.raw("<tbody>");
        for c in shown {
            p.raw("<tr>")
                .td_tool(&c.tool, c.status_note.as_deref())
                .td_text(&c.risk.trains_on_inputs)
                .td_text(&c.risk.enterprise_offering)
                .td_text(&c.risk.vendor_country)
                .td_text(&c.risk.certifications)
                .td_text(&c.risk.suggested_tier)
                .raw("</tr>");
        }
        p.raw("</tbody></table></div>").omitted(
            caps::REGISTER_CANDIDATES,
            r.register_candidates.len(),
            "<code>register-candidates.csv</code>",
        );
    }
    p.raw("<h3>Unknown-AI candidates</h3><p>Domains no signature knows whose names look like AI services (<code>.ai</code>, <code>gpt</code>, <code>llm</code>, …), strongest signals first. Review them and add real AI tools to the catalogue with <code>--signatures</code>.</p>");
    if r.candidates.is_empty() {
        p.raw("<p class=\"note\">None.</p>");
    } else {
        p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"unknown-table\">");
        p.thead(&[
            ("Domain", false),
            ("Hosts", true),
            ("Users", true),
            ("Events", true),
            ("First seen", false),
            ("Last seen", false),
            ("Why it looks like AI", false),
            ("Score", true),
        ]);
        p.raw("<tbody>");
        for c in r.candidates.iter().take(caps::UNKNOWN_CANDIDATES) {
            p.raw("<tr>")
                .td_path(&c.registrable_domain)
                .td_num(c.hosts)
                .td_num(c.users)
                .td_num(c.events)
                .td_time(&c.first_seen)
                .td_time(&c.last_seen)
                .td_text(&c.reasons)
                .td_num(u64::from(c.score))
                .raw("</tr>");
        }
        p.raw("</tbody></table></div>").omitted(
            caps::UNKNOWN_CANDIDATES,
            r.candidates.len(),
            "<code>unknown-ai-candidates.csv</code>",
        );
    }
}
