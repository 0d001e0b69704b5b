//! Section "Daily activity": AI tool events per day, stacked by tier, as a chart.

use crate::report::html::Page;
use crate::report::html::tier::legend;
use crate::report::overview::Overview;
use crate::report::svg;
use crate::report::{Report, audit_window};
use crate::time::fmt_day;

/// Events per day, per tier (index tier − 1), over the audit window.
pub(crate) struct DaySeries {
    /// First day (days since the epoch).
    pub(crate) from: i32,
    /// One entry per day of the window.
    pub(crate) days: Vec<[u64; 4]>,
    /// Events without a timestamp (not in any day).
    pub(crate) undated: u64,
    /// Days of the window after the first [`MAX_CHART_DAYS`], not drawn.
    pub(crate) cut_days: u64,
}

/// Days beyond this are not drawn (a bogus 1970 timestamp would otherwise make a chart of
/// 20,000 one-pixel slots); the caption says so.
const MAX_CHART_DAYS: i64 = 3660;

fn day_series(r: &Report) -> Option<DaySeries> {
    let (from, to) = audit_window(r);
    let (from, to) = (from?, to?);
    let n = i64::from(to) - i64::from(from) + 1;
    if n < 1 {
        return None;
    }
    let cut_days = (n - n.min(MAX_CHART_DAYS)) as u64;
    let n = n.min(MAX_CHART_DAYS) as usize;
    let mut days = vec![[0u64; 4]; n];
    let mut undated = 0;
    // The rows of `daily.csv`: the tools' users, without contact without use.
    for row in &r.daily {
        match row.day_number {
            None => undated += row.events,
            Some(d) => {
                if let Some(slot) = usize::try_from(i64::from(d) - i64::from(from))
                    .ok()
                    .and_then(|i| days.get_mut(i))
                {
                    slot[row.tier.index()] += row.events;
                }
            }
        }
    }
    Some(DaySeries {
        from,
        days,
        undated,
        cut_days,
    })
}

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    p.raw("<p>AI tool events per day (UTC) over the audit window, stacked by policy tier: the events of each tool's users, as in <code>daily.csv</code> (contact without use is left out). A day without a bar had no such events; days with no log data at all are listed under Data quality.</p>");
    legend(p);
    match day_series(r) {
        Some(s) => {
            svg::daily_chart(p, &s);
            p.raw("<figcaption>");
            p.num(s.days.len() as u64)
                .raw(if s.days.len() == 1 { " day" } else { " days" })
                .raw(" from ")
                .text(&fmt_day(s.from))
                .raw(".");
            let bucket = svg::bucket_days(s.days.len());
            if bucket > 1 {
                p.raw(" The window is long, so each bar adds up ")
                    .uint(bucket as u64)
                    .raw(" days.");
            }
            if s.cut_days > 0 {
                p.raw(" The last ")
                    .num(s.cut_days)
                    .raw(" days of the window are not drawn (see daily.csv).");
            }
            if s.undated > 0 {
                p.raw(" ").num(s.undated).raw(if s.undated == 1 {
                    " event without a timestamp is not drawn."
                } else {
                    " events without a timestamp are not drawn."
                });
            }
            p.raw("</figcaption></figure>");
        }
        None => {
            p.raw("<p class=\"note\">No event has a timestamp, so there is nothing to draw per day.</p>");
        }
    }
}
