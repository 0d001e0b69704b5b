//! Section "Summary": the headline, the key figures, and the facts an auditor checks first
//! (window, coverage per source, files, findings by severity, the register).

use crate::report::html::Page;
use crate::report::overview::Overview;
use crate::report::{AUDIT_DAYS, Report};

use super::window_text;

fn kpi(p: &mut Page, key: &'static str, label: &'static str, v: u64, warn: bool) {
    p.raw(if warn && v > 0 {
        "<div class=\"kpi warn\"><div class=\"v\" data-total=\""
    } else {
        "<div class=\"kpi\"><div class=\"v\" data-total=\""
    })
    .raw(key)
    .raw("\">")
    .num(v)
    .raw("</div><div class=\"k\">")
    .raw(label)
    .raw("</div></div>");
}

pub(super) fn body(p: &mut Page, r: &Report, o: &Overview) {
    p.raw(if o.unapproved_people == 0 {
        "<p class=\"headline clear\" id=\"headline\">"
    } else {
        "<p class=\"headline\" id=\"headline\">"
    })
    .text(&o.headline())
    .raw(".</p>");
    p.raw("<div class=\"kpis\">");
    kpi(
        p,
        "users",
        "users seen using AI tools",
        o.users as u64,
        false,
    );
    kpi(p, "tools", "AI tools seen", o.tools as u64, false);
    kpi(
        p,
        "unregistered_tools",
        "tools not in the AI Tool Register",
        o.unregistered as u64,
        true,
    );
    kpi(
        p,
        "use_events",
        "AI tool events of use",
        o.use_events,
        false,
    );
    kpi(
        p,
        "findings_high",
        "high-severity findings",
        o.by_severity.values().next().copied().unwrap_or(0),
        true,
    );
    kpi(
        p,
        "unknown_ai_candidates",
        "unknown AI-like domains",
        r.candidates.len() as u64,
        false,
    );
    kpi(
        p,
        "incidental_only_users",
        "people with contact without use",
        o.incidental_only_people as u64,
        false,
    );
    p.raw("</div>");
    p.raw("<dl class=\"facts\"><dt>Audit window</dt><dd>")
        .text(&window_text(o))
        .raw("</dd><dt>Sources and days covered</dt><dd>");
    if o.audit.sources.is_empty() {
        p.raw("no source has timestamped events");
    }
    for (i, (kind, s)) in o.audit.sources.iter().enumerate() {
        if i > 0 {
            p.raw("; ");
        }
        p.text(kind)
            .raw(": ")
            .num(s.days_with_data as u64)
            .raw(" of ")
            .num(o.window_days().max(0) as u64)
            .raw(if o.window_days() == 1 {
                " day"
            } else {
                " days"
            });
        if s.longest_consecutive_days >= AUDIT_DAYS {
            p.raw(" <span class=\"ok\">(")
                .num(AUDIT_DAYS as u64)
                .raw("+ consecutive days)</span>");
        } else {
            p.raw(" <span class=\"bad\">(longest run ")
                .num(s.longest_consecutive_days as u64)
                .raw(if s.longest_consecutive_days == 1 {
                    " day; the audit needs "
                } else {
                    " days; the audit needs "
                })
                .num(AUDIT_DAYS as u64)
                .raw(")</span>");
        }
    }
    p.raw("</dd><dt>Files read</dt><dd>")
        .num(o.files as u64)
        .raw(" (")
        .num(o.files_with_errors as u64)
        .raw(" with errors, ")
        .num(o.skipped)
        .raw(" malformed lines skipped)</dd><dt>Uploaded bytes</dt><dd>");
    let tools = r.tools_in_use();
    let measured = tools.iter().filter(|t| t.stats.bytes_out.is_some()).count();
    p.raw("measured for ")
        .num(measured as u64)
        .raw(" of ")
        .num(tools.len() as u64)
        .raw(" tools in use; <span class=\"muted\">–</span> in the tables: not measured (no source of those events records uploads: DNS logs and Squid's native format never do)</dd><dt>Findings by severity</dt><dd>");
    for (i, (sev, n)) in o.by_severity.iter().enumerate() {
        if i > 0 {
            p.raw(" ");
        }
        p.raw("<span class=\"sev ")
            .raw(sev.name())
            .raw("\">")
            .raw(sev.name())
            .raw(" ")
            .num(*n)
            .raw("</span>");
    }
    p.raw("</dd><dt>AI Tool Register</dt><dd>");
    match r.policy.register {
        Some(reg) => {
            p.text(&reg.path.display().to_string())
                .raw(" (")
                .num(reg.entries.len() as u64)
                .raw(" rows)");
        }
        None => {
            p.raw("none given: every tool counts as tier 4, unapproved");
        }
    }
    p.raw("</dd></dl>");
}
