//! The banner at the top of `report.html` for register rows that joined no tool: above every
//! section, because such a row changes the headline — the tool it meant is counted as
//! unregistered shadow AI — and a reader who stops at the summary must not miss it.

use super::Page;
use crate::report::Report;

/// Rows listed in the banner; the rest are counted (every one is in `summary.json`).
const MAX_LISTED: usize = 20;

/// Writes the banner when the register has unmatched rows; nothing otherwise.
pub(super) fn banner(p: &mut Page, r: &Report) {
    let Some(register) = r.policy.register.filter(|reg| !reg.unmatched.is_empty()) else {
        return;
    };
    let n = register.unmatched.len() as u64;
    p.raw("<div class=\"alert\" role=\"alert\"><strong>")
        .num(n)
        .raw(if n == 1 {
            " row of the AI Tool Register matches no catalogue tool"
        } else {
            " rows of the AI Tool Register match no catalogue tool"
        })
        .raw("</strong> (<code>")
        .text(&register.path.display().to_string())
        .raw("</code>). Until fixed, the tool a row means is reported as not in the register (tier 4), and the row itself registers nothing. <code>shadowai register check</code> shows how every row joined.<ul>");
    for u in register.unmatched.iter().take(MAX_LISTED) {
        p.raw("<li>line ")
            .uint(u.line as u64)
            .raw(": ")
            .text(&u.message())
            .raw("</li>");
    }
    if register.unmatched.len() > MAX_LISTED {
        p.raw("<li>and ")
            .num((register.unmatched.len() - MAX_LISTED) as u64)
            .raw(" more: <code>summary.json</code> <code>register.unmatched</code> lists them all</li>");
    }
    p.raw("</ul></div>");
}
