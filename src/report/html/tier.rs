//! How a policy tier looks on the page: its colour class, its badge and the colour legend,
//! kept in one file so a tier's presentation changes in one place.
//!
//! The class names ([`Tier::css_class`], `t1`..`t4`) are styled by `report.html`'s CSS; the
//! inline SVG charts colour their bars with their own `f1`..`f4` classes (`report/svg.rs`).

use super::Page;
use crate::policy::Tier;

impl Page {
    /// A tier badge in its colour.
    pub(super) fn tier(&mut self, tier: Tier) -> &mut Self {
        self.raw("<span class=\"tier ")
            .raw(tier.css_class())
            .raw("\" title=\"")
            .text(&tier.label())
            .raw("\">T")
            .int(i64::from(tier.number()))
            .raw("</span>")
    }

    /// A tier badge cell that sorts by the tier number.
    pub(super) fn td_tier(&mut self, tier: Tier) -> &mut Self {
        self.raw("<td data-v=\"")
            .int(i64::from(tier.number()))
            .raw("\">")
            .tier(tier)
            .raw("</td>")
    }
}

/// The colour key of the tiers, above each chart.
pub(super) fn legend(p: &mut Page) {
    p.raw("<div class=\"legend\">");
    for tier in Tier::ALL {
        p.raw("<span><span class=\"sw ")
            .raw(tier.css_class())
            .raw("\"></span>")
            .text(&tier.label())
            .raw("</span>");
    }
    p.raw("</div>");
}
