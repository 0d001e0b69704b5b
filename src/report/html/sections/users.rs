//! Section "Users and the tools they used": one row per user × tool of evidence `use`. The
//! rows of contact without use are the next section's.

use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::Overview;

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    p.raw("<p>One row per user and tool. A user is the proxy's authenticated name where the log has one, else the client address");
    if r.users.pseudonymized() {
        p.raw("; users (<code>u-…</code>) and devices (<code>d-…</code>) are pseudonymized tokens (<code>shadowai reveal</code> maps them back for whoever holds the key)");
    }
    p.raw(". Click a column heading to sort.</p>");
    if r.use_rows().next().is_none() {
        p.raw("<p class=\"note\">No user used a catalogue tool.</p>");
        return;
    }
    p.filterable_table("users-table", "users", "user, tool, device…");
    p.thead(&[
        ("User", false),
        ("Tool", false),
        ("Tier", false),
        ("Events", true),
        ("Uploaded", true),
        ("First seen", false),
        ("Last seen", false),
        ("Devices", false),
        ("Processes", false),
    ]);
    p.raw("<tbody>");
    for u in r.use_rows() {
        p.raw("<tr>")
            .td_text(&u.user)
            .td_text(&u.tool.tool)
            .td_tier(u.tool.tier)
            .td_num(u.stats.events)
            .td_bytes(u.stats.bytes_out)
            .td_time(&u.stats.first_seen)
            .td_time(&u.stats.last_seen)
            .td_path(&u.devices.replace(';', "; "))
            .td_path(&u.processes.replace(';', "; "))
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>");
}
