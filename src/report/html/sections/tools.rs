//! Section "Top tools by users": a chart of the most used tools, then all tools in use in a
//! table. Tools only touched incidentally are in "Contact without use".

use super::caps;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::html::tier::legend;
use crate::report::overview::Overview;
use crate::report::svg;

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    let tools = r.tools_in_use();
    if tools.is_empty() {
        p.raw("<p class=\"note\">No catalogue tool was used.</p>");
        return;
    }
    let top = &tools[..tools.len().min(caps::TOP_TOOLS)];
    legend(p);
    svg::tools_chart(p, top);
    p.raw("<figcaption>Distinct users per tool");
    if tools.len() > top.len() {
        p.raw(", top ")
            .num(top.len() as u64)
            .raw(" of ")
            .num(tools.len() as u64);
    }
    p.raw(". The badge is the tool's policy tier.</figcaption></figure>");
    p.raw("<h3>All tools</h3><div class=\"table-scroll\"><table class=\"sortable\" id=\"tools-table\">");
    p.thead(&[
        ("Tool", false),
        ("Vendor", false),
        ("Category", false),
        ("Tier", false),
        ("In register", false),
        ("Users", true),
        ("Events", true),
        ("Uploaded", true),
        ("First seen", false),
        ("Last seen", false),
    ]);
    p.raw("<tbody>");
    for t in tools {
        p.raw("<tr>")
            .td_tool(&t.tool.tool, t.status_note.as_deref())
            .td_text(&t.tool.vendor)
            .td_text(&t.tool.category)
            .td_tier(t.tool.tier)
            .raw("<td>")
            .raw(if t.registered { "yes" } else { "no" })
            .raw("</td>")
            .td_num(t.users)
            .td_num(t.stats.events)
            .td_bytes(t.stats.bytes_out)
            .td_time(t.stats.first_seen)
            .td_time(t.stats.last_seen)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>");
}
