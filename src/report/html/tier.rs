//! How a policy tier looks on the page: its colour class, its badge and the colour legend,
//! kept in one file so a tier's presentation changes in one place.
//!
//! The class names (`t1`..`t4`) are styled by `report.html`'s CSS; the inline SVG charts
//! colour their bars with their own `f1`..`f4` classes (`report/svg.rs`).

use super::Page;
use crate::report::overview::tier_label;

/// CSS class of a tier's colour; tiers outside 1..=4 (never produced) look unapproved.
fn tier_class(tier: u8) -> &'static str {
    match tier {
        1 => "t1",
        2 => "t2",
        3 => "t3",
        _ => "t4",
    }
}

impl Page {
    /// A tier badge in its colour.
    pub(super) fn tier(&mut self, tier: u8) -> &mut Self {
        self.raw("<span class=\"tier ")
            .raw(tier_class(tier))
            .raw("\" title=\"")
            .text(&tier_label(tier))
            .raw("\">T")
            .int(i64::from(tier))
            .raw("</span>")
    }

    /// A tier badge cell that sorts by the tier number.
    pub(super) fn td_tier(&mut self, tier: u8) -> &mut Self {
        self.raw("<td data-v=\"")
            .int(i64::from(tier))
            .raw("\">")
            .tier(tier)
            .raw("</td>")
    }
}

/// The colour key of the tiers, above each chart.
pub(super) fn legend(p: &mut Page) {
    p.raw("<div class=\"legend\">");
    for tier in 1..=4u8 {
        p.raw("<span><span class=\"sw ")
            .raw(tier_class(tier))
            .raw("\"></span>")
            .text(&tier_label(tier))
            .raw("</span>");
    }
    p.raw("</div>");
}
