//! Section "Contact without use": the people × tools whose every event was incidental, so
//! that what the findings and headline leave out is still shown.

use super::caps;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::Overview;

pub(super) fn body(p: &mut Page, r: &Report, o: &Overview) {
    p.raw("<p>People who only touched a tool's web presence: a chat widget embedded in another site, a shared conversation or meeting recap, the vendor's docs, help or status pages, hot-linked images, a site someone published with the tool. Such contact is not use: it yields no finding and no user in the counts above. ");
    p.num(o.incidental_rows as u64)
        .raw(if o.incidental_rows == 1 {
            " row; "
        } else {
            " rows; "
        })
        .num(o.incidental_only_people as u64)
        .raw(if o.incidental_only_people == 1 {
            " person"
        } else {
            " people"
        })
        .raw(" had no other contact with AI tools. <code>per-user.csv</code> marks them <code>evidence=incidental</code>.</p>");
    let (rows, total) = caps::heaviest(r.incidental_rows().collect(), caps::CONTACT_ROWS, |u| {
        u.stats.events
    });
    if rows.is_empty() {
        p.raw("<p class=\"note\">No contact without use.</p>");
        return;
    }
    p.filterable_table("contact-table", "contacts", "user, tool…");
    p.thead(&[
        ("User", false),
        ("Tool", false),
        ("Tier", false),
        ("Events", true),
        ("First seen", false),
        ("Last seen", false),
    ]);
    p.raw("<tbody>");
    for u in rows {
        p.raw("<tr>")
            .td_path(&u.user)
            .td_text(&u.tool.tool)
            .td_tier(u.tool.tier)
            .td_num(u.stats.events)
            .td_time(u.stats.first_seen)
            .td_time(u.stats.last_seen)
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>").omitted(
        caps::CONTACT_ROWS,
        total,
        "<code>per-user.csv</code> (its rows of evidence <code>incidental</code>)",
    );
}
