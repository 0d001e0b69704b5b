//! The four tiers of the AI acceptable-use policy: number, name and how each looks in the
//! reports, in one table, so a tier is never spelt two ways.
//!
//! Every output writes a tier as its number (the `tier` columns, `summary.json` `by_tier`,
//! JSONL `shadowai.tool.tier`), so [`Tier`] serializes and displays as that number; the
//! register reader accepts the spreadsheet spellings (`register::parse_tier`).

use std::fmt;

use serde::{Serialize, Serializer};

/// A policy tier. Declared in number order, so the derived order is the number's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Tier 1: approved enterprise offerings.
    ApprovedEnterprise = 1,
    /// Tier 2: public and non-sensitive internal data only.
    ApprovedGeneral = 2,
    /// Tier 3: public data only, with written manager approval.
    UnderEvaluation = 3,
    /// Tier 4: no data of any class; also every tool the register does not list.
    Unapproved = 4,
}

impl Tier {
    /// Every tier, by number.
    pub const ALL: [Tier; 4] = [
        Tier::ApprovedEnterprise,
        Tier::ApprovedGeneral,
        Tier::UnderEvaluation,
        Tier::Unapproved,
    ];

    /// The tier of a tool the register does not list: never reviewed counts as unapproved.
    pub const UNREGISTERED: Tier = Tier::Unapproved;

    /// The one table: name, CSS class of `report.html`, fill class of the inline SVG charts,
    /// and the class a chart badge's text needs (dark ink on the yellow tier-3 badge,
    /// `.badge-txt.t3`; white, the default, on the others).
    fn spec(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Tier::ApprovedEnterprise => ("Approved Enterprise", "t1", "f1", ""),
            Tier::ApprovedGeneral => ("Approved General", "t2", "f2", ""),
            Tier::UnderEvaluation => ("Under Evaluation", "t3", "f3", "t3"),
            Tier::Unapproved => ("Unapproved / Shadow AI", "t4", "f4", ""),
        }
    }

    /// The tier numbered `n`, if `n` is 1..=4.
    pub fn from_number(n: u8) -> Option<Tier> {
        Tier::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// 1..=4.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// 0..=3: the tier's slot in a per-tier array.
    pub fn index(self) -> usize {
        usize::from(self.number() - 1)
    }

    /// `Unapproved / Shadow AI`: the policy's name of the tier.
    pub fn name(self) -> &'static str {
        self.spec().0
    }

    /// `Tier 4 — Unapproved / Shadow AI`.
    pub fn label(self) -> String {
        format!("Tier {} — {}", self.number(), self.name())
    }

    /// `t1`..`t4`: the class `report.html`'s CSS colours a tier badge and swatch by.
    pub fn css_class(self) -> &'static str {
        self.spec().1
    }

    /// `f1`..`f4`: the class the inline SVG charts fill a tier's bars with.
    pub fn svg_fill(self) -> &'static str {
        self.spec().2
    }

    /// The extra class of a chart badge's text (empty but for tier 3).
    pub fn badge_text_class(self) -> &'static str {
        self.spec().3
    }

    /// Tier 1 or 2: the tools the policy approves for work.
    pub fn is_approved(self) -> bool {
        matches!(self, Tier::ApprovedEnterprise | Tier::ApprovedGeneral)
    }
}

/// The number, as `tier 4` in a message or `T4` on a badge.
impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// The number, so CSV, JSON and JSONL keep writing `4`.
impl Serialize for Tier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_nothing_else_is_a_tier() {
        for (i, tier) in Tier::ALL.into_iter().enumerate() {
            assert_eq!(tier.index(), i);
            assert_eq!(usize::from(tier.number()), i + 1);
            assert_eq!(Tier::from_number(tier.number()), Some(tier));
            assert_eq!(tier.to_string(), tier.number().to_string());
        }
        for n in [0, 5, 9, u8::MAX] {
            assert_eq!(Tier::from_number(n), None, "{n}");
        }
        assert!(Tier::ALL.is_sorted());
        assert_eq!(Tier::UNREGISTERED, Tier::Unapproved);
    }

    #[test]
    fn names_labels_and_classes() {
        let got: Vec<_> = Tier::ALL
            .into_iter()
            .map(|t| (t.label(), t.css_class(), t.svg_fill(), t.is_approved()))
            .collect();
        assert_eq!(
            got,
            [
                ("Tier 1 — Approved Enterprise".into(), "t1", "f1", true),
                ("Tier 2 — Approved General".into(), "t2", "f2", true),
                ("Tier 3 — Under Evaluation".into(), "t3", "f3", false),
                ("Tier 4 — Unapproved / Shadow AI".into(), "t4", "f4", false),
            ]
        );
        assert_eq!(Tier::UnderEvaluation.badge_text_class(), "t3");
    }

    #[test]
    fn serializes_as_the_number() {
        let json = serde_json::to_string(&Tier::ALL).unwrap();
        assert_eq!(json, "[1,2,3,4]");
        let keys: std::collections::BTreeMap<Tier, u8> = [(Tier::Unapproved, 7)].into();
        assert_eq!(serde_json::to_string(&keys).unwrap(), r#"{"4":7}"#);
    }
}
