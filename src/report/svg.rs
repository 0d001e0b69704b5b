//! The two inline SVG charts of `report.html`: events per day stacked by tier, and the top
//! tools by users. Inline SVG because the page must load nothing and print crisply; a
//! `viewBox` with `width: 100%` lets the same drawing fit a screen and an A4 page.
//!
//! The scaling helpers are separate functions so their edge cases (one day, 400 days, a
//! maximum of 0 or 1, huge counts) are unit-tested without drawing.

use super::ToolRow;
use super::html::{DaySeries, Page};
use super::overview::grouped;
use crate::policy::Tier;
use crate::time::fmt_day;

/// Drawing width in SVG units; the page scales it.
const W: f64 = 960.0;
/// Daily chart height.
const DAILY_H: f64 = 300.0;
/// Daily chart margins: room for y labels on the left, date labels below.
const LEFT: f64 = 64.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 46.0;
/// At most this many date labels under the daily chart.
const MAX_X_LABELS: usize = 10;
/// A lone day's bar is not drawn wider than this (a single 900-unit block reads as an error).
const MAX_BAR_W: f64 = 48.0;

/// The smallest "nice" number (1, 2 or 5 × 10^k) at or above `max`, at least 1: the y-axis
/// top, so ticks land on round values.
pub(crate) fn nice_ceiling(max: u64) -> u64 {
    let mut base: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            match base.checked_mul(m) {
                Some(v) if v >= max => return v,
                Some(_) => {}
                None => return max,
            }
        }
        match base.checked_mul(10) {
            Some(b) => base = b,
            None => return max,
        }
    }
}

/// Y-axis tick values from 0 to `top` (a [`nice_ceiling`]): 2 to 6 evenly spaced integers.
pub(crate) fn y_ticks(top: u64) -> Vec<u64> {
    let parts = [5, 4, 2, 1]
        .into_iter()
        .find(|k| top.is_multiple_of(*k))
        .unwrap_or(1);
    (0..=parts).map(|i| top / parts * i).collect()
}

/// Days between date labels: a calendar-friendly step (1, 2, 7, 14, 28 days, …) giving at most
/// [`MAX_X_LABELS`] labels.
pub(crate) fn label_step(days: usize) -> usize {
    const STEPS: [usize; 9] = [1, 2, 7, 14, 28, 56, 91, 182, 364];
    STEPS
        .into_iter()
        .find(|s| days.div_ceil(*s) <= MAX_X_LABELS)
        .unwrap_or_else(|| days.div_ceil(MAX_X_LABELS).max(1))
}

/// Slot width per day and bar width inside it: bars touch when the slots are narrow
/// (400 days), have gaps when there is room, and never exceed [`MAX_BAR_W`] (1 day).
pub(crate) fn bar_geometry(plot_w: f64, days: usize) -> (f64, f64) {
    let slot = plot_w / days.max(1) as f64;
    let bar = if slot < 4.0 { slot } else { slot * 0.72 };
    (slot, bar.min(MAX_BAR_W))
}

/// Stacking order, bottom up: unapproved first, so the red is on the baseline and easy to
/// compare across days.
const STACK: [Tier; 4] = [
    Tier::Unapproved,
    Tier::UnderEvaluation,
    Tier::ApprovedGeneral,
    Tier::ApprovedEnterprise,
];

/// Days drawn one bar each up to this many; longer windows get one bar per week (or per
/// several weeks), so a bar never gets thinner than about two pixels at screen width.
const MAX_DAILY_BARS: usize = 450;

/// Days per bar for a window of `days` days: 1, else a whole number of weeks.
pub(crate) fn bucket_days(days: usize) -> usize {
    if days <= MAX_DAILY_BARS {
        1
    } else {
        7 * days.div_ceil(MAX_DAILY_BARS * 7)
    }
}

/// The stacked daily bar chart, opening the `<figure>` (the caller adds the caption).
pub(crate) fn daily_chart(p: &mut Page, s: &DaySeries) {
    let bucket = bucket_days(s.days.len());
    let bars: Vec<[u64; 4]> = s
        .days
        .chunks(bucket)
        .map(|c| {
            c.iter().fold([0u64; 4], |mut acc, d| {
                for (a, v) in acc.iter_mut().zip(d) {
                    *a += v;
                }
                acc
            })
        })
        .collect();
    let n = bars.len();
    let bar_start = |i: usize| s.from.saturating_add((i * bucket) as i32);
    let bar_label = |i: usize| {
        if bucket == 1 {
            fmt_day(bar_start(i))
        } else {
            format!(
                "{} – {}",
                fmt_day(bar_start(i)),
                fmt_day(bar_start(i).saturating_add(bucket as i32 - 1))
            )
        }
    };
    let plot_w = W - LEFT - RIGHT;
    let plot_h = DAILY_H - TOP - BOTTOM;
    let max = bars
        .iter()
        .map(|d| d.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    let top = nice_ceiling(max);
    let scale = plot_h / top as f64;
    let base = TOP + plot_h;
    p.raw("<figure><svg viewBox=\"0 0 ")
        .coord(W)
        .raw(" ")
        .coord(DAILY_H)
        .raw("\" role=\"img\" aria-label=\"AI tool events over the audit window, stacked by policy tier\" id=\"daily-chart\">");
    for t in y_ticks(top) {
        let y = base - t as f64 * scale;
        p.raw("<line class=\"grid\" x1=\"")
            .coord(LEFT)
            .raw("\" x2=\"")
            .coord(LEFT + plot_w)
            .raw("\" y1=\"")
            .coord(y)
            .raw("\" y2=\"")
            .coord(y)
            .raw("\"/><text class=\"lbl\" text-anchor=\"end\" x=\"")
            .coord(LEFT - 6.0)
            .raw("\" y=\"")
            .coord(y + 4.0)
            .raw("\">")
            .text(&grouped(t))
            .raw("</text>");
    }
    let (slot, bar) = bar_geometry(plot_w, n);
    for (i, day) in bars.iter().enumerate() {
        let x = LEFT + i as f64 * slot + (slot - bar) / 2.0;
        let mut y = base;
        for tier in STACK {
            let v = day[tier.index()];
            if v == 0 {
                continue;
            }
            let h = v as f64 * scale;
            y -= h;
            p.raw("<rect class=\"")
                .raw(tier.svg_fill())
                .raw("\" x=\"")
                .coord(x)
                .raw("\" y=\"")
                .coord(y)
                .raw("\" width=\"")
                .coord(bar)
                .raw("\" height=\"")
                .coord(h)
                .raw("\"><title>")
                .text(&bar_label(i))
                .raw(" · ")
                .text(&tier.label())
                .raw(": ")
                .text(&grouped(v))
                .raw(if v == 1 {
                    " event</title></rect>"
                } else {
                    " events</title></rect>"
                });
        }
    }
    // Axes over the bars so the baseline stays visible.
    p.raw("<line class=\"axis\" x1=\"")
        .coord(LEFT)
        .raw("\" x2=\"")
        .coord(LEFT + plot_w)
        .raw("\" y1=\"")
        .coord(base)
        .raw("\" y2=\"")
        .coord(base)
        .raw("\"/><line class=\"axis\" x1=\"")
        .coord(LEFT)
        .raw("\" x2=\"")
        .coord(LEFT)
        .raw("\" y1=\"")
        .coord(TOP)
        .raw("\" y2=\"")
        .coord(base)
        .raw("\"/>");
    let step = label_step(n);
    for i in (0..n).step_by(step) {
        let x = LEFT + (i as f64 + 0.5) * slot;
        p.raw("<line class=\"axis\" x1=\"")
            .coord(x)
            .raw("\" x2=\"")
            .coord(x)
            .raw("\" y1=\"")
            .coord(base)
            .raw("\" y2=\"")
            .coord(base + 4.0)
            .raw("\"/><text class=\"lbl\" text-anchor=\"middle\" x=\"")
            .coord(x)
            .raw("\" y=\"")
            .coord(base + 17.0)
            .raw("\">")
            .text(&fmt_day(bar_start(i)))
            .raw("</text>");
    }
    p.raw("<text class=\"ttl\" text-anchor=\"middle\" x=\"")
        .coord(LEFT + plot_w / 2.0)
        .raw("\" y=\"")
        .coord(DAILY_H - 6.0)
        .raw(if bucket == 1 {
            "\">Day (UTC)</text>"
        } else {
            "\">First day of each bar (UTC)</text>"
        })
        .raw("<text class=\"ttl\" text-anchor=\"middle\" transform=\"translate(14 ")
        .coord(TOP + plot_h / 2.0)
        .raw(") rotate(-90)\">Events per ")
        .text(&match bucket {
            1 => "day".to_string(),
            7 => "week".to_string(),
            b => format!("{b} days"),
        })
        .raw("</text></svg>");
}

/// Top-tools chart layout: name column, badge, bar. The longest bar ends at 718 of 960, so
/// its label ("30,000 users · 1,234,567 events") still fits inside the chart.
const ROW_H: f64 = 26.0;
const NAME_RIGHT: f64 = 270.0;
const BADGE_X: f64 = 280.0;
const BAR_X: f64 = 318.0;
const BAR_MAX_W: f64 = 400.0;
/// Tool names longer than this are cut with `…` in the chart (the `<title>` and the table
/// have them whole): 34 characters of 12 px text fit the 270 units left of the badge.
const NAME_CHARS: usize = 34;

/// `text` cut to `max` characters with a trailing `…`.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Horizontal bars of distinct users per tool with tier badges, opening the `<figure>`.
pub(crate) fn tools_chart(p: &mut Page, tools: &[ToolRow]) {
    let max = tools.iter().map(|t| t.users).max().unwrap_or(0).max(1);
    let h = 8.0 + tools.len() as f64 * ROW_H + 26.0;
    p.raw("<figure><svg viewBox=\"0 0 ")
        .coord(W)
        .raw(" ")
        .coord(h)
        .raw("\" role=\"img\" aria-label=\"Top AI tools by distinct users\" id=\"tools-chart\">");
    for (i, t) in tools.iter().enumerate() {
        let y = 8.0 + i as f64 * ROW_H;
        let mid = y + ROW_H / 2.0;
        let w = (t.users as f64 / max as f64 * BAR_MAX_W).max(2.0);
        p.raw("<text class=\"name\" text-anchor=\"end\" x=\"")
            .coord(NAME_RIGHT)
            .raw("\" y=\"")
            .coord(mid + 4.0)
            .raw("\">")
            .text(&truncate(&t.tool.tool, NAME_CHARS))
            .raw("<title>")
            .text(&t.tool.tool)
            .raw(" (")
            .text(&t.tool.vendor)
            .raw(")</title></text><rect class=\"")
            .raw(t.tool.tier.svg_fill())
            .raw("\" rx=\"8\" x=\"")
            .coord(BADGE_X)
            .raw("\" y=\"")
            .coord(mid - 8.0)
            .raw("\" width=\"28\" height=\"16\"/><text class=\"badge-txt ")
            .raw(t.tool.tier.badge_text_class())
            .raw("\" text-anchor=\"middle\" x=\"")
            .coord(BADGE_X + 14.0)
            .raw("\" y=\"")
            .coord(mid + 3.5)
            .raw("\">T")
            .uint(u64::from(t.tool.tier.number()))
            .raw("</text><rect class=\"")
            .raw(t.tool.tier.svg_fill())
            .raw("\" x=\"")
            .coord(BAR_X)
            .raw("\" y=\"")
            .coord(mid - 8.0)
            .raw("\" width=\"")
            .coord(w)
            .raw("\" height=\"16\"><title>")
            .text(&t.tool.tier.label())
            .raw("</title></rect><text class=\"val\" x=\"")
            .coord(BAR_X + w + 6.0)
            .raw("\" y=\"")
            .coord(mid + 4.0)
            .raw("\">")
            .text(&grouped(t.users))
            .raw(if t.users == 1 { " user" } else { " users" })
            .raw(" · ")
            .text(&grouped(t.stats.events))
            .raw(if t.stats.events == 1 {
                " event</text>"
            } else {
                " events</text>"
            });
    }
    let axis_y = 8.0 + tools.len() as f64 * ROW_H;
    p.raw("<line class=\"axis\" x1=\"")
        .coord(BAR_X)
        .raw("\" x2=\"")
        .coord(BAR_X)
        .raw("\" y1=\"4\" y2=\"")
        .coord(axis_y)
        .raw("\"/><text class=\"ttl\" x=\"")
        .coord(BAR_X)
        .raw("\" y=\"")
        .coord(axis_y + 18.0)
        .raw("\">Distinct users (bar length relative to the top tool, ")
        .text(&grouped(max))
        .raw(")</text></svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceiling_rounds_up_to_1_2_5() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(2), 2);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(10), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(4_001), 5_000);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
        assert!(nice_ceiling(u64::MAX / 3) >= u64::MAX / 3);
    }

    #[test]
    fn y_ticks_are_integers_from_zero_to_top() {
        assert_eq!(y_ticks(1), vec![0, 1]);
        assert_eq!(y_ticks(2), vec![0, 1, 2]);
        assert_eq!(y_ticks(5), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(y_ticks(10), vec![0, 2, 4, 6, 8, 10]);
        assert_eq!(y_ticks(200), vec![0, 40, 80, 120, 160, 200]);
        for top in [1, 2, 5, 10, 20, 50, 100, 1000, 2_000_000] {
            let t = y_ticks(top);
            assert_eq!(t.first(), Some(&0));
            assert_eq!(t.last(), Some(&top));
            assert!(t.len() <= 6);
        }
    }

    #[test]
    fn date_labels_stay_few_for_one_day_and_four_hundred() {
        assert_eq!(label_step(0), 1);
        assert_eq!(label_step(1), 1);
        assert_eq!(label_step(10), 1);
        assert_eq!(label_step(14), 2);
        assert_eq!(label_step(30), 7);
        assert_eq!(label_step(400), 56);
        assert!(400usize.div_ceil(label_step(400)) <= MAX_X_LABELS);
        assert!(100_000usize.div_ceil(label_step(100_000)) <= MAX_X_LABELS);
    }

    #[test]
    fn bars_fit_the_plot_for_one_day_and_four_hundred() {
        let (slot, bar) = bar_geometry(856.0, 1);
        assert_eq!(slot, 856.0);
        assert_eq!(bar, MAX_BAR_W);
        let (slot, bar) = bar_geometry(856.0, 400);
        assert!((slot * 400.0 - 856.0).abs() < 1e-6);
        assert_eq!(bar, slot, "narrow slots are filled, not gapped");
        let (slot, bar) = bar_geometry(856.0, 30);
        assert!(bar < slot && bar > 0.0);
        let (slot, _) = bar_geometry(856.0, 0);
        assert!(slot.is_finite());
    }

    #[test]
    fn long_windows_are_drawn_per_week() {
        assert_eq!(bucket_days(1), 1);
        assert_eq!(bucket_days(400), 1);
        assert_eq!(bucket_days(MAX_DAILY_BARS), 1);
        assert_eq!(bucket_days(MAX_DAILY_BARS + 1), 7);
        assert_eq!(bucket_days(995), 7);
        assert_eq!(bucket_days(5000), 14);
        for n in [451usize, 995, 3660, 100_000] {
            assert!(n.div_ceil(bucket_days(n)) <= MAX_DAILY_BARS, "{n}");
        }
        let mut p = Page::default();
        daily_chart(&mut p, &series(995, 1));
        let svg = p.into_string();
        assert_eq!(svg.matches("<rect").count(), 995usize.div_ceil(7));
        assert!(svg.contains("Events per week"));
        assert!(svg.contains("· Tier 4 — Unapproved / Shadow AI: 7 events"));
    }

    #[test]
    fn long_names_are_cut_on_characters() {
        assert_eq!(truncate("ChatGPT", 10), "ChatGPT");
        assert_eq!(truncate("ééééééé", 4), "ééé…");
        assert_eq!(truncate("abc", 0), "…");
    }

    fn series(days: usize, per_day: u64) -> DaySeries {
        DaySeries {
            from: 20_000,
            days: vec![[0, 0, 0, per_day]; days],
            undated: 0,
            cut_days: 0,
        }
    }

    #[test]
    fn daily_chart_draws_one_day_and_four_hundred() {
        for (n, labels) in [(1, 1), (400, 8)] {
            let mut p = Page::default();
            daily_chart(&mut p, &series(n, 3));
            let svg = p.into_string();
            assert_eq!(svg.matches("<rect").count(), n, "{n} days");
            assert_eq!(svg.matches("text-anchor=\"middle\" x=").count() - 1, labels);
            assert!(svg.contains("Events per day") && svg.contains("Day (UTC)"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
        let mut p = Page::default();
        daily_chart(&mut p, &series(3, 0));
        let svg = p.into_string();
        assert_eq!(svg.matches("<rect").count(), 0);
        assert!(!svg.contains("NaN"));
    }
}
