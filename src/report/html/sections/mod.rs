//! The numbered sections of `report.html`, one module each.

mod candidates;
mod daily;
mod findings;
mod method;
mod quality;
mod summary;
mod tools;
mod users;

use super::Page;
use crate::report::Report;
use crate::report::overview::Overview;
use crate::time::fmt_day;

pub(crate) use daily::DaySeries;

/// Writes every section in order.
pub(super) fn write(p: &mut Page, r: &Report, o: &Overview) {
    summary::body(p, r, o);
    daily::body(p, r, o);
    tools::body(p, r, o);
    findings::body(p, r, o);
    users::body(p, r, o);
    candidates::body(p, r, o);
    quality::body(p, r, o);
    method::body(p, r, o);
}

/// `<section id>` and its numbered heading.
fn open(p: &mut Page, id: &'static str, num: &'static str, title: &'static str) {
    p.raw("<section id=\"")
        .raw(id)
        .raw(if num == "1" {
            "\" class=\"first\">"
        } else {
            "\">"
        })
        .raw("<h2><span class=\"num\">")
        .raw(num)
        .raw("</span>")
        .raw(title)
        .raw("</h2>");
}

/// The audit window for people: `2026-01-05 – 2026-02-03 (30 days, UTC)`.
pub(super) fn window_text(o: &Overview) -> String {
    match (o.from, o.to) {
        (Some(f), Some(t)) if f == t => format!("{} (1 day, UTC)", fmt_day(f)),
        (Some(f), Some(t)) => format!(
            "{} – {} ({} days, UTC)",
            fmt_day(f),
            fmt_day(t),
            o.window_days()
        ),
        _ => "no timestamped events".to_string(),
    }
}
