//! Section "Users and the tools they used": the heaviest user × tool rows of evidence `use`,
//! most events first, up to [`caps::USER_ROWS`]; `per-user.csv` has every one. The rows of
//! contact without use are the next section's.

use super::caps;
use crate::report::Report;
use crate::report::html::Page;
use crate::report::overview::Overview;

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    p.raw("<p>One row per user and tool. A user is the proxy's authenticated name where the log has one, else the client address");
    if r.users.pseudonymized() {
        p.raw("; users (<code>u-…</code>) and devices (<code>d-…</code>) are pseudonymized tokens (<code>shadowai reveal</code> maps them back for whoever holds the key)");
    }
    p.raw(". Most events first; click a column heading to sort.</p>");
    let (rows, total) = caps::heaviest(r.use_rows().collect(), caps::USER_ROWS, |u| {
        (u.stats.events, u.stats.bytes_out)
    });
    if rows.is_empty() {
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
    for u in rows {
        p.raw("<tr>")
            .td_path(&u.user)
            .td_text(&u.tool.tool)
            .td_tier(u.tool.tier)
            .td_num(u.stats.events)
            .td_bytes(u.stats.bytes_out)
            .td_time(u.stats.first_seen)
            .td_time(u.stats.last_seen)
            .td_path(&u.devices.replace(';', "; "))
            .td_path(&u.processes.replace(';', "; "))
            .raw("</tr>");
    }
    p.raw("</tbody></table></div>").omitted(
        caps::USER_ROWS,
        total,
        "<code>per-user.csv</code> (its rows of evidence <code>use</code>)",
    );
}
