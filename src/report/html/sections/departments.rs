//! Section "By department": which teams use which tiers (a heat table of people per
//! department × tier) and each department's most used tools. Filled from `--directory`; a
//! note without one, so the section numbers stay the same either way.

use crate::directory::Departments;
use crate::policy::Tier;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::Overview;

/// Tools named per department in the top-tools table.
const TOP_TOOLS: usize = 5;

/// The shade of a heat cell, 0 (none) to 4, from its share of the department's people.
fn shade(users: u64, of: u64) -> &'static str {
    match (users * 4).div_ceil(of.max(1)) {
        0 => "h0",
        1 => "h1",
        2 => "h2",
        3 => "h3",
        _ => "h4",
    }
}

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    let Some(d) = &r.departments else {
        p.raw("<p class=\"note\">No <code>--directory</code> was given: give an HR, AD or Entra export (account or mail, department, manager) to see which teams use which tools.</p>");
        return;
    };
    if d.heat.is_empty() {
        p.raw("<p class=\"note\">No catalogue tool was seen.</p>");
        return;
    }
    heat(p, d);
    top_tools(p, d);
}

fn heat(p: &mut Page, d: &Departments) {
    p.raw("<p class=\"note\">People of each department who used a tool of each tier; the shade is their share of the department's people seen using AI tools.</p>");
    p.raw("<div class=\"table-scroll\"><table class=\"sortable\" id=\"departments-heat\">");
    p.thead(&[
        ("Department", false),
        ("Tier 1", true),
        ("Tier 2", true),
        ("Tier 3", true),
        ("Tier 4", true),
        ("People", true),
    ]);
    p.raw("<tbody>");
    for (dept, tiers, all) in &d.heat {
        p.raw("<tr>").td_text(dept);
        for tier in Tier::ALL {
            let n = tiers[tier.index()];
            p.raw("<td class=\"n heat ")
                .raw(tier.css_class())
                .raw(" ")
                .raw(shade(n, *all))
                .raw("\" data-v=\"")
                .uint(n)
                .raw("\">")
                .num(n)
                .raw("</td>");
        }
        p.td_num(*all).raw("</tr>");
    }
    p.raw("</tbody></table></div>");
}

fn top_tools(p: &mut Page, d: &Departments) {
    p.raw("<h3>Top tools per department</h3><div class=\"table-scroll\"><table id=\"departments-tools\">");
    p.thead(&[("Department", false), ("Tools by people (events)", false)]);
    p.raw("<tbody>");
    // Rows come grouped by department, most people first within each.
    for group in d.rows.chunk_by(|a, b| a.department == b.department) {
        p.raw("<tr>")
            .td_text(&group[0].department)
            .raw("<td class=\"w\">");
        for (i, row) in group.iter().take(TOP_TOOLS).enumerate() {
            if i > 0 {
                p.raw("; ");
            }
            p.tier(row.tier)
                .raw(" ")
                .text(&row.tool)
                .raw(" ")
                .num(row.users)
                .raw(" (")
                .num(row.events)
                .raw(")");
        }
        if group.len() > TOP_TOOLS {
            p.raw("; and ")
                .num((group.len() - TOP_TOOLS) as u64)
                .raw(" more");
        }
        p.raw("</td></tr>");
    }
    p.raw("</tbody></table></div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_grow_with_the_share() {
        assert_eq!(shade(0, 10), "h0");
        assert_eq!(shade(1, 10), "h1");
        assert_eq!(shade(5, 10), "h2");
        assert_eq!(shade(10, 10), "h4");
        assert_eq!(shade(0, 0), "h0");
    }
}
