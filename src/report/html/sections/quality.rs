//! Section "Data quality": what was read from each file (problems first, up to
//! [`caps::FILES`]; `summary.json` lists every file), and the days without data per source.

use crate::report::html::Page;
use crate::report::overview::{Overview, missing_ranges, range_text};
use crate::report::{AUDIT_DAYS, Report};

use super::{caps, window_text};

pub(super) fn body(p: &mut Page, r: &Report, o: &Overview) {
    p.raw("<p>What was read from each file. <em>Lines</em> are data lines; <em>ignored</em> lines were well-formed but named no host; <em>skipped</em> lines were malformed (the first few are quoted); <em>out of window</em> events fell outside <code>--since</code>/<code>--until</code>.</p>");
    p.raw("<div class=\"table-scroll\"><table id=\"files-table\">");
    p.thead(&[
        ("File", false),
        ("Format", false),
        ("Lines", true),
        ("Events", true),
        ("AI events", true),
        ("Ignored", true),
        ("Skipped", true),
        ("Out of window", true),
        ("Errors", false),
    ]);
    p.raw("<tbody>");
    // Files with an error, without an event, or with skipped lines first, so a cap never hides a problem; stable, so
    // the rest keep walk order.
    let mut files: Vec<_> = r.files.iter().collect();
    files.sort_by_key(|f| {
        (
            f.error.is_none(),
            f.no_event_warning().is_none(),
            std::cmp::Reverse(f.skipped),
        )
    });
    for f in files.into_iter().take(caps::FILES) {
        p.raw("<tr>")
            .td_path(&f.path.display().to_string())
            .raw("<td>")
            .text(f.format.unwrap_or("unrecognized"))
            .raw(if f.gzip { " (gzip)" } else { "" })
            .raw("</td>")
            .td_num(f.lines)
            .td_num(f.events)
            .td_num(f.matched)
            .td_num(f.ignored)
            .td_num(f.skipped)
            .td_num(f.out_of_window)
            .raw("<td class=\"w\">");
        let no_events = f.no_event_warning();
        match (&f.error, &no_events) {
            (Some(e), _) => {
                p.raw("<span class=\"bad\">").text(e).raw("</span>");
            }
            (None, Some(w)) => {
                p.raw("<span class=\"bad\">").text(w).raw("</span>");
            }
            (None, None) if f.examples.is_empty() => {
                p.raw("none");
            }
            (None, None) => {}
        }
        for (line, why) in &f.examples {
            p.raw("<div class=\"note\">line ")
                .num(*line)
                .raw(": ")
                .text(why)
                .raw("</div>");
        }
        p.raw("</td></tr>");
    }
    p.raw("</tbody></table></div>").omitted(
        caps::FILES,
        r.files.len(),
        "<code>summary.json</code>",
    );
    formats_read(p, r);
    p.raw("<h3>Days with no data, per source</h3>");
    if o.audit.sources.is_empty() {
        p.raw("<p class=\"note\">No source has timestamped events, so day coverage cannot be judged.</p>");
    } else {
        p.raw("<p>Over the audit window ")
            .text(&window_text(o))
            .raw(". The audit needs ")
            .num(AUDIT_DAYS as u64)
            .raw(" consecutive days of data from each source.</p>");
        p.raw("<table id=\"coverage-table\">");
        p.thead(&[
            ("Source", false),
            ("Days with data", true),
            ("Days without", true),
            ("Longest run", true),
            ("Enough for the audit", false),
            ("Days with no data", false),
        ]);
        p.raw("<tbody>");
        let missing = missing_ranges(r);
        for (kind, s) in &o.audit.sources {
            p.raw("<tr><td>")
                .text(kind)
                .raw("</td>")
                .td_num(s.days_with_data as u64)
                .td_num(s.missing_day_count as u64)
                .td_num(s.longest_consecutive_days as u64)
                .raw(if s.longest_consecutive_days >= AUDIT_DAYS {
                    "<td class=\"ok\">yes</td>"
                } else {
                    "<td class=\"bad\">no</td>"
                })
                .raw("<td class=\"p\">");
            let ranges = missing.get(kind).map_or(&[][..], Vec::as_slice);
            if ranges.is_empty() {
                p.raw("none");
            }
            for (i, range) in ranges.iter().take(caps::GAPS_LISTED).enumerate() {
                if i > 0 {
                    p.raw(", ");
                }
                p.text(&range_text(*range));
            }
            if ranges.len() > caps::GAPS_LISTED {
                p.raw(" … and ")
                    .num((ranges.len() - caps::GAPS_LISTED) as u64)
                    .raw(" more gaps (summary.json lists the days)");
            }
            p.raw("</td></tr>");
        }
        p.raw("</tbody></table>");
    }
}

/// Files per format: which parsers the numbers come from, over every file (the table above
/// may be cut).
fn formats_read(p: &mut Page, r: &Report) {
    let mut tally: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for f in r.files {
        *tally.entry(f.format.unwrap_or("unrecognized")).or_default() += 1;
    }
    p.raw("<p class=\"note\">Formats read: ");
    for (i, (fmt, n)) in tally.iter().enumerate() {
        if i > 0 {
            p.raw(", ");
        }
        p.text(fmt).raw(" (").num(*n).raw(")");
    }
    p.raw(".</p>");
}
